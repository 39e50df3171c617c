/**
 * What the client needs of a WebSocket (the browser's, or the `ws`
 * package's in Node), and the errors its requests reject with.
 */

/** The part of the WebSocket API the client uses (the browser's, or the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** A request refused by the server with an `error` frame. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "RequestError";
  }
}

/** A request that was in flight (or made) while the connection was down. */
export class DisconnectedError extends Error {
  constructor() {
    super("not connected");
    this.name = "DisconnectedError";
  }
}
