// Who is here, as the screens show it: the others viewing a conversation
// (in its header), the team's people online (in the side nav), and how far
// the others have read a conversation ("Seen by Sam" under the last
// message each has read). All read the team's presence store, so they
// stay live. The user is never listed to themselves.
import type { Id, Message, Viewer } from "switchboard-client";
import { useConversationReads, usePresence } from "../live/presence";

/** "Sam Member is viewing", with an avatar per viewer. */
export function Viewers({
  team,
  conversation,
  me,
}: {
  team: Id;
  conversation: Id;
  me: Id;
}) {
  const presence = usePresence(team);
  const others = (presence.viewing.get(conversation) ?? []).filter(
    (v) => v.user !== me,
  );
  return (
    <p class="viewers muted" aria-live="polite" data-testid="viewers">
      {others.length > 0 && (
        <>
          <span class="avatars" aria-hidden="true">
            {others.map((v) => (
              <Avatar key={v.user} name={v.name} />
            ))}
          </span>
          {`${names(others)} ${others.length > 1 ? "are" : "is"} viewing`}
        </>
      )}
    </p>
  );
}

/** The team's people online, a dot by each name. */
export function OnlineList({ team, me }: { team: Id; me: Id }) {
  const presence = usePresence(team);
  const online = [...presence.online]
    .filter(([user]) => user !== me)
    .sort(([, a], [, b]) => a.name.localeCompare(b.name));
  return (
    <section class="online" aria-labelledby="online-title">
      <h2 class="label" id="online-title">
        Online
      </h2>
      {online.length === 0 ? (
        <p class="muted">Nobody else right now.</p>
      ) : (
        <ul aria-label="Online now">
          {online.map(([user, u]) => (
            <li key={user} data-testid="online-user">
              <span
                class={u.devices > 0 ? "dot on" : "dot away"}
                aria-hidden="true"
              />
              {u.name}
              {u.devices === 0 && <span class="muted"> (leaving)</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * For each shown message, the others whose read marker stops there: a
 * marker is placed on the newest shown message at or below it. The
 * conversation's markers are read when it opens, so those set before the
 * page opened count too.
 */
export function useSeenBy(
  team: Id,
  conversation: Id,
  me: Id,
  messages: readonly Message[],
): Map<Id, string[]> {
  const presence = usePresence(team);
  useConversationReads(team, conversation);
  const seen = new Map<Id, string[]>();
  const markers = presence.reads.get(conversation);
  if (markers === undefined || messages.length === 0) return seen;
  for (const [user, seq] of markers) {
    if (user === me) continue;
    const at = newestAtOrBelow(messages, seq);
    if (at === null) continue;
    const name = presence.names.get(user) ?? `User ${String(user)}`;
    seen.set(at, [...(seen.get(at) ?? []), name]);
  }
  return seen;
}

/** The line under a message: who has read up to it. */
export function SeenBy({
  readers,
  at,
}: {
  readers: string[];
  /** Its place in a windowed list (../screens/virtual.ts). */
  at?: { index: number; measure: (element: Element | null) => void };
}) {
  return (
    <li
      data-index={at?.index}
      ref={at?.measure ?? null}
      class="seen-by muted"
      data-testid="seen-by"
    >
      Seen by {readers.join(", ")}
    </li>
  );
}

function newestAtOrBelow(messages: readonly Message[], seq: Id): Id | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m !== undefined && m.seq <= seq) return m.seq;
  }
  return null;
}

function names(viewers: readonly Viewer[]): string {
  return viewers.map((v) => v.name).join(", ");
}

function Avatar({ name }: { name: string }) {
  const initials = name
    .split(/\s+/)
    .filter((w) => w !== "")
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase() ?? "")
    .join("");
  return (
    <span class="avatar" title={name}>
      {initials}
    </span>
  );
}
