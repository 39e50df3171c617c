/**
 * The connection's state machine, apart from socket I/O: which close codes
 * reconnect (PROTOCOL.md section 15), and after how long (exponential
 * backoff with full jitter). The client feeds it what happened and does what
 * it answers; tests drive it directly.
 *
 * Invariants: the backoff grows only across failed attempts and resets once
 * a `welcome` arrives; a stopped machine never schedules another attempt.
 */

export type ConnectionState = "idle" | "connecting" | "open" | "waiting" | "stopped";

/** What a close code asks of the client. */
export type CloseAction = "reconnect" | "reconnect_now" | "stop";

/** Section 15: which closes end the session and which reconnect (and how soon). */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case 1000: // normal: the server said goodbye, or the user logged out
    case 4000: // hello required: a client bug, retrying changes nothing
    case 4001: // unauthorized: not with this token
    case 4002: // unsupported version
      return "stop";
    case 4009: // access changed: the new welcome shows the new access
      return "reconnect_now";
    default:
      // 1002, 1006, 1009, 1011, 1012, 4003, 4008, 4010, 4029, 4030 and any
      // code not in the table: reconnect with backoff.
      return "reconnect";
  }
}

export interface BackoffOptions {
  /** The first delay's ceiling, in ms (default 500). */
  initialMs?: number;
  /** The largest delay, in ms (default 30000). */
  maxMs?: number;
  /** A source of numbers in [0, 1) (default Math.random). */
  random?: () => number;
}

/** Exponential backoff with full jitter: attempt n waits in [0, min(max, initial * 2^n)). */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    // Half fixed, half random: spreads clients out without ever retrying at once in a loop.
    return Math.floor(ceiling / 2 + this.random() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** What the driver must do after a transition. */
export type Step =
  | { do: "open_socket" }
  | { do: "wait"; delayMs: number }
  | { do: "nothing" }
  | { do: "stopped"; code: number };

export class ReconnectMachine {
  private current: ConnectionState = "idle";
  readonly backoff: Backoff;

  constructor(options: BackoffOptions = {}) {
    this.backoff = new Backoff(options);
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The user asked to connect. */
  start(): Step {
    if (this.current !== "idle" && this.current !== "stopped") return { do: "nothing" };
    this.current = "connecting";
    return { do: "open_socket" };
  }

  /** The server answered the hello. */
  welcomed(): void {
    if (this.current !== "connecting") return;
    this.current = "open";
    this.backoff.reset();
  }

  /** The socket closed (or failed to open) with `code`; 1006 when no close frame came. */
  closed(code: number): Step {
    if (this.current === "stopped" || this.current === "idle") return { do: "nothing" };
    const action = closeAction(code);
    if (action === "stop") {
      this.current = "stopped";
      return { do: "stopped", code };
    }
    this.current = "waiting";
    if (action === "reconnect_now") {
      // At once, but only once in a row: a loop of 4009 still backs off.
      const delayMs = this.backoff.attempts === 0 ? 0 : this.backoff.next();
      if (delayMs === 0) this.backoff.next();
      return { do: "wait", delayMs };
    }
    return { do: "wait", delayMs: this.backoff.next() };
  }

  /** The backoff delay has passed. */
  retry(): Step {
    if (this.current !== "waiting") return { do: "nothing" };
    this.current = "connecting";
    return { do: "open_socket" };
  }

  /** The user closed the client. */
  stop(): void {
    this.current = "stopped";
  }
}
