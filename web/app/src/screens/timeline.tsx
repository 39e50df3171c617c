// The conversation's timeline, as drawn: its lines (the hint that older
// messages are above, each message, who has seen it, our own messages not
// yet carried by the server), how messages merge (by seq, each once), and
// how each line is drawn.
//
// Invariant: a message shows once: the server's by seq, then ours that no
// server message carries yet (by `client_msg_id`).
import type { Id, Message, OutboxState } from "switchboard-client";
import { PostCard } from "../book/PostCard";
import { DeliveryState } from "../channels/Delivery";
import { acked, live, sendsOf } from "../live/connection";

export interface Echo {
  key: string;
  body: string;
  state: OutboxState;
  error: string | null;
}

/** One line of the timeline, as drawn. */
export type Entry =
  | { kind: "older" }
  | { kind: "message"; message: Message }
  | { kind: "seen"; seq: Id; readers: string[] }
  | { kind: "echo"; echo: Echo };

export function MessageItem({
  message,
  me,
  at,
}: {
  message: Message;
  me: Id;
  at: Slot;
}) {
  const kind =
    message.sender.kind === "system"
      ? "system"
      : message.sender.kind === "agent" && message.sender.id === me
        ? "mine"
        : message.sender.kind;
  return (
    <li
      data-index={at.index}
      ref={at.measure}
      class={`message ${kind}`}
      data-testid="message"
      data-state="sent"
      data-client-msg-id={message.client_msg_id ?? undefined}
    >
      {kind !== "system" && <span class="sender">{message.sender.name}</span>}
      <span class="body">{message.body}</span>
      {message.post !== undefined && <PostCard card={message.post} />}
      <time class="at" dateTime={new Date(message.at).toISOString()}>
        {new Date(message.at).toLocaleTimeString()}
      </time>
      {message.delivery !== undefined && (
        <DeliveryState delivery={message.delivery} />
      )}
    </li>
  );
}

export function EchoItem({ echo, at }: { echo: Echo; at: Slot }) {
  return (
    <li
      data-index={at.index}
      ref={at.measure}
      class={`message mine ${echo.state}`}
      data-testid="message"
      data-state={echo.state}
      data-client-msg-id={echo.key}
    >
      <span class="body">{echo.body}</span>
      <span class="state">
        {echo.state === "pending"
          ? "Sending…"
          : echo.state === "sent"
            ? "Sent"
            : `Not sent: ${echo.error ?? "refused"}`}
      </span>
      {echo.state === "failed" && (
        <button
          type="button"
          class="secondary"
          onClick={() => void live().retry(echo.key)}
        >
          Retry
        </button>
      )}
    </li>
  );
}

/** The server's messages, then our messages none of them carries yet. */
export function timelineOf(
  messages: Message[],
  conversation: Id,
): { messages: Message[]; echoes: Echo[] } {
  const sends = sendsOf(conversation);
  const ours = [...acked.values()].some((a) => a.conversation === conversation);
  // Built only when some message of ours may need it: on a long history
  // it is the costliest step of a page.
  const carried =
    !ours && sends.length === 0
      ? new Set<string>()
      : new Set(
          messages.flatMap((m) =>
            m.client_msg_id === null ? [] : [m.client_msg_id],
          ),
        );
  const echoes: Echo[] = [];
  for (const [key, a] of acked) {
    if (a.conversation !== conversation) continue;
    if (carried.has(key)) acked.delete(key);
    else echoes.push({ key, body: a.body, state: "sent", error: null });
  }
  for (const entry of sends) {
    if (carried.has(entry.key) || entry.request.type !== "send") continue;
    echoes.push({
      key: entry.key,
      body: entry.request.body,
      state: entry.state,
      error: entry.error?.message ?? null,
    });
  }
  return { messages, echoes };
}

/** The timeline's lines: the hint that more is above, each message with
 * who has read up to it under it, then our messages not yet carried. */
export function entriesOf(
  timeline: { messages: Message[]; echoes: Echo[] },
  seenBy: Map<Id, string[]>,
  more: boolean,
): { entries: Entry[]; keys: string[] } {
  const entries: Entry[] = more ? [{ kind: "older" }] : [];
  for (const message of timeline.messages) {
    entries.push({ kind: "message", message });
    const readers = seenBy.get(message.seq);
    if (readers !== undefined)
      entries.push({ kind: "seen", seq: message.seq, readers });
  }
  for (const echo of timeline.echoes) entries.push({ kind: "echo", echo });
  // Made once here: the window asks for every key on each change.
  return { entries, keys: entries.map(keyOf) };
}

/** A line's key: stable while the line shows, whatever comes around it. */
export function keyOf(entry: Entry | undefined): string {
  switch (entry?.kind) {
    case "message":
      return `s${String(entry.message.seq)}`;
    case "seen":
      return `r${String(entry.seq)}`;
    case "echo":
      return `e${entry.echo.key}`;
    default:
      return "older";
  }
}

/** Messages by seq, each once. A page wholly before or after the ones
 * held (the usual case) is joined on without sorting them all again. */
export function merge(current: Message[], added: Message[]): Message[] {
  const sorted = [...added].sort((a, b) => a.seq - b.seq);
  const first = current[0];
  const last = current.at(-1);
  const head = sorted[0];
  const tail = sorted.at(-1);
  if (first === undefined || head === undefined || tail === undefined)
    return current.length === 0 ? dedupe(sorted) : current;
  if (tail.seq < first.seq) return [...dedupe(sorted), ...current];
  if (last !== undefined && head.seq > last.seq)
    return [...current, ...dedupe(sorted)];
  return mergeAll(current, sorted);
}

/** Sorted messages, each seq once (the last copy kept). */
function dedupe(sorted: Message[]): Message[] {
  return sorted.filter((m, i) => sorted[i + 1]?.seq !== m.seq);
}

function mergeAll(current: Message[], added: Message[]): Message[] {
  const bySeq = new Map<Id, Message>();
  for (const m of current) bySeq.set(m.seq, m);
  for (const m of added) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Where a line sits in the window: its index, and the ref that measures it. */
interface Slot {
  index: number;
  measure: (element: Element | null) => void;
}
