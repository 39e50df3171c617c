/**
 * How a client is configured, and what it tells the application: the
 * per-team handlers of a subscription and the client-wide events.
 */
import type { OutboxEntry, OutboxLimits } from "./outbox.js";
import type {
  ErrorFrame,
  EventFrame,
  PresenceState,
  SignalFrame,
  Subscribed,
  WelcomeFrame,
} from "./protocol.js";
import type { BackoffOptions, ConnectionState } from "./reconnect.js";
import type { RequestError, WebSocketConstructor } from "./socket.js";

export interface ClientOptions {
  /** The WebSocket endpoint, `ws://HOST:PORT/ws`. */
  url: string;
  /** The hello's token, or a function fetching one for each connection (a short-lived ticket). */
  token: string | (() => string | Promise<string>);
  /** The WebSocket constructor (default: the global `WebSocket`). */
  WebSocket?: WebSocketConstructor;
  backoff?: BackoffOptions;
  outbox?: OutboxLimits;
  /** Overrides the keepalive advertised in `welcome.limits` (ms). */
  keepalive?: { intervalMs: number; timeoutMs: number };
  /** Delay before retrying an outbox write refused with a retryable code (default 1000 ms). */
  retryDelayMs?: number;
}

export interface TeamHandlers {
  /** A new event of the team, in offset order, each once. */
  onEvent?: (frame: EventFrame) => void;
  /** Signals of the team, once `presence` opted this connection in (restored after reconnects). */
  onSignal?: (frame: SignalFrame) => void;
  /** The team's presence state, read again after each resubscribe once opted in. */
  onPresence?: (state: PresenceState) => void;
  /** Each `subscribed` reply; `reset` means what is cached for the team is stale. */
  onSubscribed?: (reply: Subscribed, reset: boolean) => void;
  /** A `subscribe` of the team was refused (`not_found` once access to it is gone). */
  onError?: (error: RequestError) => void;
}

export interface ClientEvents {
  state: (state: ConnectionState, detail: { code?: number; delayMs?: number }) => void;
  welcome: (welcome: WelcomeFrame) => void;
  /** An outbox write changed state (pending, sent or failed). */
  message: (entry: OutboxEntry) => void;
  /** An outbox write was refused with a retryable code (`rate_limited`, say): still pending, written again after a pause. */
  retrying: (entry: OutboxEntry, refusal: { code: string; message: string }) => void;
  /** An `error` frame that answers no request of ours. */
  error: (frame: ErrorFrame) => void;
}
