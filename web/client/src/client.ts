/**
 * The Switchboard protocol client: one WebSocket (JSON encoding), hello and
 * welcome, requests matched to replies by id, team event streams that
 * resume from their last position, and an outbox of writes resent with
 * their same idempotency key after every reconnect.
 *
 * Socket I/O lives here; the decisions live in ReconnectMachine (when to
 * reconnect), Streams (resume positions) and Outbox (what to resend).
 * Invariants: a request not in the outbox that is in flight when the socket
 * drops is rejected with DisconnectedError (never silently resent); an
 * outbox write is answered to its caller exactly once per state change.
 */
import {
  DisconnectedError,
  RequestError,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./socket.js";
import type { ClientEvents, ClientOptions, TeamHandlers } from "./options.js";
import { Outbox, type OutboxEntry } from "./outbox.js";
import {
  JSON_SUBPROTOCOL,
  PROTOCOL_VERSION,
  isRetryableCode,
  parseServerFrame,
  type ErrorFrame,
  type Id,
  type Position,
  type Reply,
  type ReplyFor,
  type Request,
  type RequestType,
  type ServerFrame,
  type WelcomeFrame,
} from "./protocol.js";
import { ReconnectMachine, type ConnectionState } from "./reconnect.js";
import { Streams } from "./streams.js";

type Waiter = { resolve: (reply: Reply) => void; reject: (error: Error) => void };

const encoder = new TextEncoder();

const KEYED: ReadonlySet<RequestType> = new Set<RequestType>([
  "deliver",
  "invite",
  "assign",
  "unassign",
  "create_team",
  "add_member",
  "create_bot",
  "create_contact",
  "edit_contact",
  "merge_contacts",
  "create_post",
  "edit_post",
  "identify",
  "create_bridge",
  "set_widget",
  "create_blast",
]);

function randomKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class SwitchboardClient {
  private readonly options: ClientOptions;
  private readonly machine: ReconnectMachine;
  private readonly streams = new Streams();
  readonly outbox: Outbox;
  private readonly handlers = new Map<Id, TeamHandlers>();
  private readonly listeners: { [K in keyof ClientEvents]: Set<ClientEvents[K]> } = {
    state: new Set(),
    welcome: new Set(),
    message: new Set(),
    retrying: new Set(),
    error: new Set(),
  };
  private socket: WebSocketLike | null = null;
  private nextId = 1;
  /** Requests written on the current socket, by id. */
  private readonly inFlight = new Map<Id, { waiter?: Waiter; outboxKey?: string }>();
  /** Callers of outbox writes, by key. */
  private readonly outboxWaiters = new Map<string, Waiter[]>();
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private lastReceived = 0;
  private welcomeFrame: WelcomeFrame | null = null;
  /** Teams whose signals were asked for, to ask again on each new connection. */
  private readonly presenceTeams = new Set<Id>();
  /** The conversation open on this client (`view`), set again after a reconnect. */
  private viewing: Id | null = null;

  constructor(options: ClientOptions) {
    this.options = options;
    this.machine = new ReconnectMachine(options.backoff);
    this.outbox = new Outbox(options.outbox);
  }

  get state(): ConnectionState {
    return this.machine.state;
  }

  get welcome(): WelcomeFrame | null {
    return this.welcomeFrame;
  }

  on<K extends keyof ClientEvents>(name: K, listener: ClientEvents[K]): () => void {
    this.listeners[name].add(listener);
    return () => this.listeners[name].delete(listener);
  }

  connect(): void {
    if (this.machine.start().do === "open_socket") this.openSocket();
  }

  /** Closes the connection for good (1000); pending writes stay in the outbox. */
  close(): void {
    this.machine.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.teardown();
    this.emit("state", "stopped", { code: 1000 });
  }

  /** The last position applied for a team (store it to resume after a reload). */
  position(team: Id): Position | null {
    return this.streams.position(team);
  }

  /** Receives a team's events from `after` (or from the head), now and after every reconnect. */
  subscribe(team: Id, handlers: TeamHandlers, after: Position | null = null): void {
    this.handlers.set(team, handlers);
    this.streams.track(team, after);
    if (this.machine.state === "open") this.writeSubscribe(team, this.streams.subscribeAfter(team));
  }

  unsubscribe(team: Id): void {
    this.handlers.delete(team);
    this.streams.untrack(team);
    this.presenceTeams.delete(team);
    if (this.machine.state === "open") this.write({ type: "unsubscribe", team }, {});
  }

  /**
   * Sends a message (or a `^command`): pending until acknowledged, resent
   * with the same `client_msg_id` after reconnects. `settled` resolves once
   * it is sent or failed. `post` attaches a post (a card; the body may be
   * empty then).
   */
  send(
    conversation: Id,
    body: string,
    clientMsgId: string = randomKey(),
    post: Id | null = null,
  ): { entry: OutboxEntry; settled: Promise<OutboxEntry> } {
    const entry = this.outbox.add(clientMsgId, {
      type: "send",
      conversation,
      client_msg_id: clientMsgId,
      body,
      ...(post === null ? {} : { post }),
    });
    const settled = this.settledOf(entry);
    this.emit("message", entry);
    this.flushOutbox();
    return { entry, settled };
  }

  /** Sends a failed write again, with its same key. */
  retry(key: string): Promise<OutboxEntry> | undefined {
    const entry = this.outbox.retry(key);
    if (entry === undefined) return undefined;
    const settled = this.settledOf(entry);
    this.emit("message", entry);
    this.flushOutbox();
    return settled;
  }

  /**
   * A request and its typed reply. One carrying a `key` (deliver, invite,
   * assign, unassign, create_team, add_member, create_bot, create_contact,
   * edit_contact, merge_contacts, create_post, edit_post, identify,
   * create_bridge, set_widget, create_blast) goes through the
   * outbox and survives reconnects; any other is rejected with
   * DisconnectedError if the connection is down or drops before the reply.
   */
  request<R extends Request>(request: R): Promise<ReplyFor<R["type"]>> {
    const key = (request as { key?: string | null }).key;
    if (KEYED.has(request.type) && typeof key === "string") {
      const entry = this.outbox.add(key, request);
      const promise = new Promise<Reply>((resolve, reject) => {
        this.addOutboxWaiter(entry.key, { resolve, reject });
      });
      this.flushOutbox();
      return promise as Promise<ReplyFor<R["type"]>>;
    }
    // Ephemeral state the server forgets with the connection, restored on reconnect.
    if (request.type === "view") this.viewing = request.conversation ?? null;
    if (request.type === "presence" && this.handlers.has(request.team)) {
      this.presenceTeams.add(request.team);
    }
    if (this.machine.state !== "open") return Promise.reject(new DisconnectedError());
    return new Promise<Reply>((resolve, reject) => {
      this.write(request, { waiter: { resolve, reject } });
    }) as Promise<ReplyFor<R["type"]>>;
  }

  // ---- internals ----

  private settledOf(entry: OutboxEntry): Promise<OutboxEntry> {
    return new Promise<OutboxEntry>((resolve) => {
      this.addOutboxWaiter(entry.key, {
        resolve: () => resolve(entry),
        reject: () => resolve(entry),
      });
    });
  }

  private addOutboxWaiter(key: string, waiter: Waiter): void {
    const list = this.outboxWaiters.get(key) ?? [];
    list.push(waiter);
    this.outboxWaiters.set(key, list);
  }

  private emit<K extends keyof ClientEvents>(name: K, ...args: Parameters<ClientEvents[K]>): void {
    for (const listener of this.listeners[name]) {
      (listener as (...a: Parameters<ClientEvents[K]>) => void)(...args);
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private openSocket(): void {
    this.emit("state", "connecting", {});
    const Ctor =
      this.options.WebSocket ??
      (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) throw new Error("no WebSocket: pass options.WebSocket");
    let socket: WebSocketLike;
    try {
      socket = new Ctor(this.options.url, [JSON_SUBPROTOCOL]);
    } catch {
      this.onClose(1006);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      void this.sayHello(socket);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.lastReceived = Date.now();
      if (typeof event.data !== "string") return;
      let frame: ServerFrame;
      try {
        frame = parseServerFrame(event.data);
      } catch {
        return;
      }
      this.onFrame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.onClose(event.code);
    };
    socket.onerror = () => {
      // A close event follows; it carries the code.
    };
  }

  private async sayHello(socket: WebSocketLike): Promise<void> {
    let token: string;
    try {
      token =
        typeof this.options.token === "string" ? this.options.token : await this.options.token();
    } catch {
      // No token to say hello with (the ticket endpoint is down, say): a drop.
      if (this.socket === socket) this.onClose(1006);
      return;
    }
    if (this.socket !== socket) return;
    this.lastReceived = Date.now();
    socket.send(JSON.stringify({ type: "hello", version: PROTOCOL_VERSION, token }));
  }

  private teardown(): void {
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      try {
        socket.close(1000);
      } catch {
        // Already closed.
      }
    }
    for (const { waiter } of this.inFlight.values()) waiter?.reject(new DisconnectedError());
    this.inFlight.clear();
    this.outbox.disconnected();
  }

  private onClose(code: number): void {
    this.teardown();
    const step = this.machine.closed(code);
    if (step.do === "wait") {
      this.emit("state", "waiting", { code, delayMs: step.delayMs });
      this.later(step.delayMs, () => {
        if (this.machine.retry().do === "open_socket") this.openSocket();
      });
    } else if (step.do === "stopped") {
      this.emit("state", "stopped", { code });
    }
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome":
        this.onWelcome(frame);
        return;
      case "result":
        this.onReply(frame.id, frame.result, frame.duplicate === true);
        return;
      case "error":
        this.onError(frame);
        return;
      case "event": {
        const step = this.streams.event(frame.team, frame.offset);
        if (step.apply) this.handlers.get(frame.team)?.onEvent?.(frame);
        if (step.resubscribe !== undefined) this.writeSubscribe(frame.team, step.resubscribe);
        return;
      }
      case "signal":
        this.handlers.get(frame.team)?.onSignal?.(frame);
        return;
    }
  }

  private onWelcome(frame: WelcomeFrame): void {
    this.welcomeFrame = frame;
    this.machine.welcomed();
    this.emit("welcome", frame);
    this.emit("state", "open", {});
    this.startKeepalive(frame);
    // Resend first, as in PROTOCOL.md section 17, then resume each team.
    this.flushOutbox();
    for (const team of this.streams.tracked()) {
      this.writeSubscribe(team, this.streams.subscribeAfter(team));
    }
    if (this.viewing !== null) this.write({ type: "view", conversation: this.viewing }, {});
  }

  private restorePresence(team: Id): void {
    const handlers = this.handlers.get(team);
    const done = (reply: Reply) => {
      if (reply.type === "presence") handlers?.onPresence?.(reply);
    };
    this.write({ type: "presence", team }, { waiter: { resolve: done, reject: () => undefined } });
  }

  private startKeepalive(welcome: WelcomeFrame): void {
    const intervalMs = this.options.keepalive?.intervalMs ?? welcome.limits.ping_interval_ms;
    const timeoutMs = this.options.keepalive?.timeoutMs ?? welcome.limits.ping_timeout_ms;
    if (!(intervalMs > 0)) return;
    // Browsers hide WebSocket pings, so an idle connection is probed with the
    // protocol's `ping`; silence past interval + timeout means a dead link.
    const tick = Math.max(50, Math.min(intervalMs, timeoutMs || intervalMs) / 2);
    this.keepaliveTimer = setInterval(() => {
      const silent = Date.now() - this.lastReceived;
      if (silent >= intervalMs + timeoutMs) {
        this.onClose(4010);
      } else if (silent >= intervalMs && this.machine.state === "open") {
        this.write({ type: "ping" }, {});
      }
    }, tick);
  }

  private writeSubscribe(team: Id, after: Position | null): void {
    const request: Request =
      after === null ? { type: "subscribe", team } : { type: "subscribe", team, after };
    const refused = (error: Error) => {
      if (error instanceof RequestError) this.handlers.get(team)?.onError?.(error);
    };
    this.write(request, { waiter: { resolve: () => undefined, reject: refused } });
  }

  private write(request: Request, meta: { waiter?: Waiter; outboxKey?: string }): void {
    const socket = this.socket;
    if (socket === null || this.machine.state !== "open") {
      meta.waiter?.reject(new DisconnectedError());
      return;
    }
    const id = this.nextId++;
    const text = JSON.stringify({ ...request, id });
    const max = this.welcomeFrame?.limits.max_frame_bytes ?? 0;
    if (max > 0 && encoder.encode(text).length > max) {
      // The server would close the connection (1009), and a resend would do
      // it again after every reconnect: refuse it here, as the server would.
      this.refuse(meta, {
        code: "too_large",
        message: `a frame of ${encoder.encode(text).length} bytes exceeds the server's limit of ${max} bytes`,
      });
      return;
    }
    this.inFlight.set(id, meta);
    socket.send(text);
  }

  private flushOutbox(): void {
    if (this.machine.state !== "open") return;
    for (const entry of this.outbox.due()) {
      entry.inFlight = true;
      this.write(entry.request, { outboxKey: entry.key });
    }
  }

  private onReply(id: Id, reply: Reply, duplicate: boolean): void {
    const meta = this.inFlight.get(id);
    this.inFlight.delete(id);
    if (reply.type === "subscribed") {
      const step = this.streams.subscribed(reply);
      if (meta !== undefined && this.presenceTeams.has(reply.team) && reply.live) {
        this.restorePresence(reply.team);
      }
      this.handlers.get(reply.team)?.onSubscribed?.(reply, step.reset === true);
      if (step.resubscribe !== undefined) this.writeSubscribe(reply.team, step.resubscribe);
    }
    if (meta === undefined) return;
    if (meta.outboxKey !== undefined) {
      const entry = this.outbox.acknowledged(meta.outboxKey, reply, duplicate);
      if (entry !== undefined) this.settle(entry, reply);
      return;
    }
    meta.waiter?.resolve(reply);
  }

  private onError(frame: ErrorFrame): void {
    const meta = frame.id === null ? undefined : this.inFlight.get(frame.id);
    if (meta === undefined) {
      this.emit("error", frame);
      return;
    }
    this.inFlight.delete(frame.id as Id);
    this.refuse(meta, frame);
  }

  private refuse(
    meta: { waiter?: Waiter; outboxKey?: string },
    frame: { code: string; message: string },
  ): void {
    if (meta.outboxKey === undefined) {
      meta.waiter?.reject(new RequestError(frame.code, frame.message));
      return;
    }
    const key = meta.outboxKey;
    const entry = this.outbox.get(key);
    if (entry === undefined) return;
    if (isRetryableCode(frame.code)) {
      // Stays pending: written again, same key, after a pause.
      entry.inFlight = false;
      this.emit("retrying", entry, { code: frame.code, message: frame.message });
      this.later(this.options.retryDelayMs ?? 1000, () => this.flushOutbox());
      return;
    }
    this.outbox.failed(key, frame);
    // A keyed request's caller gets the refusal; only messages wait for retry().
    if (entry.request.type !== "send") this.outbox.remove(key);
    this.settle(entry, undefined, new RequestError(frame.code, frame.message));
  }

  private settle(entry: OutboxEntry, reply?: Reply, error?: Error): void {
    this.emit("message", entry);
    const waiters = this.outboxWaiters.get(entry.key) ?? [];
    this.outboxWaiters.delete(entry.key);
    for (const waiter of waiters) {
      if (reply !== undefined) waiter.resolve(reply);
      else waiter.reject(error ?? new Error("failed"));
    }
  }
}
