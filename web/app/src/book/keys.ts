// Idempotency keys for the book's writes: a write resent after a drop
// (the client's outbox) is applied once by the server.

/** A fresh random key. */
export function randomKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
