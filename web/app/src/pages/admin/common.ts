// What the management pages (bots, teams, usage) share: the words a
// refusal reads as, idempotency keys for their forms, and dates.
import { DisconnectedError, RequestError } from "switchboard-client";
import { reason } from "../errors";

/** What the user reads when a request fails. */
export function reasonOf(failure: unknown): string {
  if (failure instanceof RequestError && failure.code === "forbidden")
    return "Only the team's Managers and the account's owner may do this.";
  if (failure instanceof DisconnectedError)
    return "The connection dropped before the server answered: check the list, then try again.";
  return reason(failure);
}

/**
 * A fresh idempotency key (PROTOCOL.md section 10): one per submitted
 * form, so a create resent after a reconnect is done once. Built from
 * `getRandomValues`, which works on plain-HTTP origins too, unlike
 * `randomUUID`.
 */
export function newKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A moment, as `6 Dec 2026, 15:40`. */
export function formatWhen(millis: number): string {
  return new Date(millis).toLocaleString("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}
