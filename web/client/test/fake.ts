// A socket the tests play the server of, and the welcome they answer with.
import type { WebSocketLike } from "../src/index.js";

/** A socket the test plays the server of. */
export class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

export const limits = { ping_interval_ms: 0, ping_timeout_ms: 0 };
export const welcome = {
  type: "welcome",
  version: 3,
  connection: 1,
  user: { id: 3 },
  teams: [],
  accounts: [],
  limits,
};
export const tick = () => new Promise((r) => setTimeout(r, 5));
