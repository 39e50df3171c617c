/**
 * The outbox: writes the client must see answered exactly once (each `send`,
 * by its `client_msg_id`, and each request carrying an idempotency `key`,
 * PROTOCOL.md section 10). An entry stays until its result arrives, and is
 * written again, with the same key, after every reconnect.
 *
 * Invariants: bounded in entries and bytes (an add past a bound is refused,
 * nothing is dropped); one entry per key; states move pending -> sent, or
 * pending -> failed (a definitive error) -> pending (retry).
 */
import type { ErrorFrame, Reply, Request } from "./protocol.js";

export type OutboxState = "pending" | "sent" | "failed";

export interface OutboxEntry {
  /** The idempotency key: the `client_msg_id` of a send, or the request's `key`. */
  readonly key: string;
  readonly request: Request;
  readonly bytes: number;
  state: OutboxState;
  /** Whether it has been written on the current connection and awaits its reply. */
  inFlight: boolean;
  /** The result, once `sent`. */
  reply?: Reply;
  duplicate?: boolean;
  /** The refusal, once `failed`. */
  error?: { code: string; message: string };
}

export interface OutboxLimits {
  /** Most entries held (default 1000). */
  maxEntries?: number;
  /** Most bytes held, counting each entry's JSON (default 4 MiB). */
  maxBytes?: number;
}

export class OutboxFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutboxFullError";
  }
}

const encoder = new TextEncoder();

export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  private bytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;

  constructor(limits: OutboxLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 1000;
    this.maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get(key: string): OutboxEntry | undefined {
    return this.entries.get(key);
  }

  /** Adds a write; an existing entry of the same key is returned unchanged. */
  add(key: string, request: Request): OutboxEntry {
    const existing = this.entries.get(key);
    if (existing !== undefined) return existing;
    const bytes = encoder.encode(JSON.stringify(request)).length;
    if (this.entries.size >= this.maxEntries) {
      throw new OutboxFullError(`outbox full: ${this.entries.size} writes wait`);
    }
    if (this.bytes + bytes > this.maxBytes) {
      throw new OutboxFullError(`outbox full: ${this.bytes} bytes wait`);
    }
    const entry: OutboxEntry = { key, request, bytes, state: "pending", inFlight: false };
    this.entries.set(key, entry);
    this.bytes += bytes;
    return entry;
  }

  /** Entries to write now: pending and not in flight, oldest first. */
  due(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => e.state === "pending" && !e.inFlight);
  }

  /** The connection dropped: nothing is in flight any more. */
  disconnected(): void {
    for (const entry of this.entries.values()) entry.inFlight = false;
  }

  /** Its result arrived: the entry leaves the outbox. */
  acknowledged(key: string, reply: Reply, duplicate: boolean): OutboxEntry | undefined {
    const entry = this.remove(key);
    if (entry === undefined) return undefined;
    entry.state = "sent";
    entry.inFlight = false;
    entry.reply = reply;
    entry.duplicate = duplicate;
    return entry;
  }

  /** A definitive refusal: the entry stays, failed, until retried or discarded. */
  failed(key: string, error: Pick<ErrorFrame, "code" | "message">): OutboxEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.state = "failed";
    entry.inFlight = false;
    entry.error = { code: error.code, message: error.message };
    return entry;
  }

  /** A failed entry goes back to pending, same key. */
  retry(key: string): OutboxEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.state !== "failed") return undefined;
    entry.state = "pending";
    delete entry.error;
    return entry;
  }

  remove(key: string): OutboxEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    return entry;
  }

  list(): OutboxEntry[] {
    return [...this.entries.values()];
  }
}
