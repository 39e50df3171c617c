/**
 * How the events of this part change what a screen holds: a receipt moves
 * a message's delivery forward, a blast's progress replaces its row. Pure
 * functions, so the screens only pick which to call.
 *
 * Invariant: a list never holds one blast twice, and a receipt older than
 * the delivery a message already shows does not take its place (events
 * and a history page may arrive in either order).
 */
import type { BlastInfo, Receipt } from "./channels.js";
import type { Message } from "./records.js";

/** The messages with `receipt` applied to its message; the same array when none is its. */
export function withReceipt(messages: Message[], receipt: Receipt): Message[] {
  const index = messages.findIndex(
    (m) => m.conversation === receipt.conversation && m.seq === receipt.seq,
  );
  const message = messages[index];
  if (message === undefined) return messages;
  if (message.delivery !== undefined && message.delivery.at > receipt.at) return messages;
  const next = [...messages];
  next[index] = {
    ...message,
    delivery: { status: receipt.status, at: receipt.at, detail: receipt.detail ?? null },
  };
  return next;
}

/** The list with `blast` in its place (or first, when new: newest first). */
export function withBlast(list: BlastInfo[], blast: BlastInfo): BlastInfo[] {
  if (list.some((b) => b.id === blast.id))
    return list.map((b) => (b.id === blast.id ? progressed(b, blast) : b));
  return [blast, ...list];
}

/**
 * The later of two states of one blast: counts only grow, so an event
 * that arrives after a fresher answer does not move the bar back, and a
 * blast that ended (cancelled, finished) does not start again.
 */
export function progressed(held: BlastInfo, came: BlastInfo): BlastInfo {
  const done = (b: BlastInfo) => b.sent + b.skipped + b.failed;
  const ended = (b: BlastInfo) => b.status === "cancelled" || b.status === "finished";
  if (ended(held) && !ended(came)) return held;
  return done(came) < done(held) ? held : came;
}

/** How far a blast has gone, 0 to 1. */
export function share(blast: BlastInfo): number {
  if (blast.total === 0) return 1;
  return Math.min(1, (blast.sent + blast.skipped + blast.failed) / blast.total);
}
