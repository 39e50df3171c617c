// A contact's chat with one team, as the page shows it: the team's card,
// the conversation's messages (history, then live), the contact's own
// messages not yet carried by the server, who of the team is typing, and
// the connection's state. The protocol client (web/client) does the
// socket, the resume and the resend; this holds what is drawn.
//
// Invariants: a message shows once: the server's by seq, then the
// contact's own ones (by `client_msg_id`) until a server message carries
// them; the state is replaced, never mutated, so the page compares it by
// reference; at most MAX_MESSAGES messages are kept (the oldest dropped).
import {
  SwitchboardClient,
  type ConnectionState,
  type Id,
  type Message,
  type OutboxEntry,
  type SignalFrame,
  type WidgetCard,
} from "switchboard-client";
import {
  createVisitor,
  fetchCard,
  storedVisitor,
  storeVisitor,
  WidgetError,
  type Visitor,
} from "./api";
import { chars, describe, MAX_CHARS, SLOW_DOWN } from "./wording";

const MAX_MESSAGES = 500;
const HISTORY_PAGE = 100;
/** A typing shown without news for this long is taken as stopped. */
const TYPING_SHOWN_MS = 8000;
/** How often a `typing` is sent again while the contact types. */
const TYPING_EVERY_MS = 3000;

/** One of the contact's own messages, not yet carried by the server. */
export interface Echo {
  key: string;
  body: string;
  state: "pending" | "sent" | "failed";
  error: string | null;
}

export interface ChatState {
  /** The team's card; null while loading or when the handle is unknown. */
  card: WidgetCard | null;
  phase: "loading" | "ready" | "missing" | "broken";
  messages: readonly Message[];
  more: boolean;
  echoes: readonly Echo[];
  /** Who of the team is typing in the conversation, by user id. */
  typing: ReadonlyMap<Id, string>;
  link: ConnectionState;
  /** Whether the contact has a conversation (a visitor) yet. */
  started: boolean;
  paused: boolean;
  notice: string | null;
}

type Listener = (state: ChatState) => void;

export class ChatSession {
  private current: ChatState = {
    card: null,
    phase: "loading",
    messages: [],
    more: false,
    echoes: [],
    typing: new Map(),
    link: "idle",
    started: false,
    paused: false,
    notice: null,
  };
  private readonly listeners = new Set<Listener>();
  private visitor: Visitor | null;
  private client: SwitchboardClient | null = null;
  private creating: Promise<Visitor> | null = null;
  private readonly typingTimers = new Map<Id, ReturnType<typeof setTimeout>>();
  private lastTyping = 0;

  constructor(readonly handle: string) {
    this.visitor = storedVisitor(handle);
    this.set({ started: this.visitor !== null });
  }

  /** The longest message the server takes from a visitor, in characters. */
  get maxChars(): number {
    const said = this.client?.welcome?.limits.visitor_message_chars ?? 0;
    return said > 0 ? said : MAX_CHARS;
  }

  get state(): ChatState {
    return this.current;
  }

  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the team's card, then resumes a kept conversation. */
  async start(): Promise<void> {
    await this.refreshCard();
    if (this.current.phase === "ready" && this.visitor !== null) this.open();
  }

  async refreshCard(): Promise<void> {
    try {
      const card = await fetchCard(this.handle);
      if (card === null) this.set({ phase: "missing", card: null });
      else this.set({ phase: "ready", card, paused: card.paused });
    } catch {
      if (this.current.card === null) this.set({ phase: "broken" });
    }
  }

  /** Sends a message: shown at once as pending; the first one starts the conversation. */
  send(text: string): boolean {
    const body = text.trim();
    if (body === "") return false;
    if (chars(body) > this.maxChars) {
      this.set({
        notice: `That message is too long: at most ${this.maxChars.toLocaleString("en")} characters.`,
      });
      return false;
    }
    const key = randomKey();
    this.lastTyping = 0;
    this.set({
      notice: null,
      echoes: [
        ...this.current.echoes,
        { key, body, state: "pending", error: null },
      ],
    });
    void this.deliver(key, body);
    return true;
  }

  /** Sends a failed message again, with its same key. */
  retry(key: string): void {
    const echo = this.current.echoes.find((e) => e.key === key);
    if (echo === undefined) return;
    this.setEcho(key, { state: "pending", error: null });
    if (this.client?.outbox.get(key) !== undefined) void this.client.retry(key);
    else void this.deliver(key, echo.body);
  }

  /** Tells the team the contact is typing (at most every few seconds). */
  typing(): void {
    const now = Date.now();
    if (this.visitor === null || this.client === null) return;
    if (this.current.link !== "open" || now - this.lastTyping < TYPING_EVERY_MS)
      return;
    this.lastTyping = now;
    this.client
      .request({ type: "typing", conversation: this.visitor.conversation })
      .catch(() => undefined);
  }

  /** The contact's email or phone (and name), for the team to reach them. */
  async identify(fields: {
    name: string;
    email: string;
    phone: string;
  }): Promise<void> {
    const client = this.client;
    if (client === null) throw new Error("Write a message first.");
    const blank = (s: string) => (s.trim() === "" ? null : s.trim());
    await client.request({
      type: "identify",
      name: blank(fields.name),
      email: blank(fields.email),
      phone: blank(fields.phone),
      key: randomKey(),
    });
  }

  /** Reads the page of messages before the oldest shown. */
  older(): void {
    const first = this.current.messages[0];
    if (first === undefined) return;
    this.readHistory(first.seq);
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }

  private async deliver(key: string, body: string): Promise<void> {
    let visitor: Visitor;
    try {
      visitor = await this.ensureVisitor();
    } catch (failure) {
      const error =
        failure instanceof Error ? failure.message : "The chat is unavailable.";
      if (failure instanceof WidgetError && failure.code === "widget_paused")
        this.set({ paused: true });
      this.setEcho(key, { state: "failed", error });
      return;
    }
    this.client?.send(visitor.conversation, body, key);
  }

  private ensureVisitor(): Promise<Visitor> {
    if (this.visitor !== null) return Promise.resolve(this.visitor);
    this.creating ??= createVisitor(this.handle)
      .then((visitor) => {
        this.visitor = visitor;
        storeVisitor(this.handle, visitor);
        this.set({ started: true });
        this.open();
        return visitor;
      })
      .finally(() => {
        this.creating = null;
      });
    return this.creating;
  }

  private open(): void {
    const visitor = this.visitor;
    if (visitor === null || this.client !== null) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const client = new SwitchboardClient({
      url: `${scheme}//${location.host}/ws`,
      token: visitor.token,
    });
    this.client = client;
    client.on("state", (link, { code }) => {
      this.set({ link });
      // The agents' typing comes unasked (a visitor's signals).
      if (link === "stopped" && code === 4001) this.forget();
    });
    client.on("message", (entry) => {
      this.onEntry(entry);
    });
    client.on("retrying", (_entry, refusal) => {
      if (refusal.code === "rate_limited") this.set({ notice: SLOW_DOWN });
    });
    client.subscribe(visitor.team, {
      onEvent: (frame) => {
        const event = frame.event;
        if (
          event.type === "message" &&
          event.conversation === visitor.conversation
        )
          this.merge([event], this.current.more);
      },
      onSignal: (frame) => {
        this.onSignal(frame, visitor);
      },
      // History is read once the subscription stands, never before: a
      // message stored between a read and the subscription's head (the
      // first one, sent as the chat opens, say) would be in neither.
      onSubscribed: (reply, reset) => {
        if (reply.live || reset) this.readHistory(null);
      },
    });
    client.connect();
  }

  /** The kept token was refused: the next message starts a new chat. */
  private forget(): void {
    storeVisitor(this.handle, null);
    this.visitor = null;
    this.client = null;
    this.set({ started: false, link: "idle", messages: [], more: false });
    // Messages still waiting go out in a new chat.
    for (const echo of this.current.echoes)
      if (echo.state === "pending") void this.deliver(echo.key, echo.body);
  }

  private readHistory(before: Id | null): void {
    const client = this.client;
    const visitor = this.visitor;
    if (client === null || visitor === null) return;
    client
      .request({
        type: "history",
        conversation: visitor.conversation,
        before,
        limit: HISTORY_PAGE,
      })
      .then((reply) => {
        const more =
          before === null && this.current.messages.length > 0
            ? this.current.more
            : reply.more;
        this.merge(reply.messages, more);
      })
      .catch(() => undefined);
  }

  private merge(incoming: readonly Message[], more: boolean): void {
    const bySeq = new Map<Id, Message>();
    for (const m of this.current.messages) bySeq.set(m.seq, m);
    for (const m of incoming)
      if (m.sender.kind !== "system") bySeq.set(m.seq, m);
    const messages = [...bySeq.values()]
      .sort((a, b) => a.seq - b.seq)
      .slice(-MAX_MESSAGES);
    const carried = new Set(messages.map((m) => m.client_msg_id));
    const echoes = this.current.echoes.filter((e) => !carried.has(e.key));
    // A message from the team ends its typing.
    const typing = new Map(this.current.typing);
    for (const m of incoming) typing.delete(m.sender.id);
    this.set({ messages, more, echoes, typing });
  }

  private onEntry(entry: OutboxEntry): void {
    if (entry.state === "failed") {
      if (entry.error?.code === "widget_paused") this.set({ paused: true });
      this.setEcho(entry.key, {
        state: "failed",
        error: describe(
          entry.error?.code ?? "",
          entry.error?.message ?? "",
          this.maxChars,
        ),
      });
    } else {
      this.setEcho(entry.key, { state: entry.state, error: null });
      if (entry.state === "sent" && this.current.notice === SLOW_DOWN)
        this.set({ notice: null });
    }
  }

  private onSignal(frame: SignalFrame, visitor: Visitor): void {
    const signal = frame.signal;
    if (
      signal.type !== "typing" ||
      signal.conversation !== visitor.conversation ||
      signal.contact === true
    )
      return;
    const typing = new Map(this.current.typing);
    clearTimeout(this.typingTimers.get(signal.user));
    if (signal.typing) {
      typing.set(signal.user, signal.name);
      this.typingTimers.set(
        signal.user,
        setTimeout(() => {
          const next = new Map(this.current.typing);
          next.delete(signal.user);
          this.set({ typing: next });
        }, TYPING_SHOWN_MS),
      );
    } else {
      typing.delete(signal.user);
    }
    this.set({ typing });
  }

  private setEcho(key: string, change: Partial<Echo>): void {
    if (!this.current.echoes.some((e) => e.key === key)) return;
    this.set({
      echoes: this.current.echoes.map((e) =>
        e.key === key ? { ...e, ...change } : e,
      ),
    });
  }

  private set(change: Partial<ChatState>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener(this.current);
  }
}

function randomKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
