// Telling the user, while the tab is hidden, that a conversation started
// waiting on them: a desktop notification (a click focuses the tab and
// opens the conversation), a short tone, and the count in the title
// ("(2) Switchboard"), each as the preferences say (live/settings.ts).
//
// "Waiting on me" is what `next` would offer (PROTOCOL.md section 12): a
// `message` event carrying `status: "waiting"` (a contact wrote to a
// conversation that was not waiting, or a handoff arrived), in a
// conversation assigned to the user or to nobody. The assignees are read
// from the dashboard, one row, with a cursor just before the conversation
// in need order: waiting rows sort by `waiting_since` then id, and the
// message that made it wait is its `waiting_since`.
//
// Invariants: nothing happens while the tab is visible, and the count is
// cleared (the title restored) as soon as it is visible again; at most
// MAX_CHECKS assignee reads are in flight: a burst beyond that notifies
// no more (the user has been alerted already), and the title still counts
// only what was checked. Notifications are asked for only from a user's
// click (Preferences), never here.
import type { EventFrame, Id } from "switchboard-client";
import { listenTeam, live } from "./connection";
import { Observable } from "./observable";
import { settings } from "./settings";

/** A conversation a notification's click asks the inbox to open. */
export interface Opening {
  team: Id;
  conversation: Id;
}

/** Set by a notification's click; the inbox opens it and clears it. */
export const opening = new Observable<Opening | null>(null);

/** Conversations that started waiting on the user while the tab was hidden. */
export const unread = new Observable(0);

const MAX_CHECKS = 20;
/** The most of a message's body a notification shows. */
const MAX_BODY = 140;
const COUNTED = /^\(\d+\) /;

let checking = 0;

/**
 * Watches `teams` (the user's, `me`) for conversations that start waiting
 * on the user; returns the function that stops it.
 */
export function watchTeams(
  teams: { id: Id; name: string }[],
  me: Id,
): () => void {
  const stops = teams.map((team) =>
    listenTeam(team.id, (news) => {
      if (news.kind === "event") seen(news.frame, team.name, me);
    }),
  );
  return () => {
    for (const stop of stops) stop();
  };
}

function seen(frame: EventFrame, teamName: string, me: Id): void {
  const event = frame.event;
  if (event.type !== "message" || event.status !== "waiting") return;
  if (document.visibilityState !== "hidden" || checking >= MAX_CHECKS) return;
  checking++;
  live()
    .request({
      type: "dashboard",
      team: frame.team,
      view: "all",
      status: "waiting",
      after: {
        status: "waiting",
        at: event.at,
        conversation: event.conversation - 1,
      },
      limit: 1,
    })
    .then((reply) => {
      const row = reply.rows[0];
      // Answered meanwhile, or not this conversation: nothing waits.
      if (row?.conversation !== event.conversation) return;
      if (row.assignees.length > 0 && !row.assignees.includes(me)) return;
      alert({
        team: frame.team,
        teamName,
        conversation: event.conversation,
        contact: row.contact.name,
        body: event.body,
      });
    })
    .catch(() => {
      // The read failed (a reconnect, say): no notification, no harm.
    })
    .finally(() => {
      checking--;
    });
}

function alert(what: {
  team: Id;
  teamName: string;
  conversation: Id;
  contact: string;
  body: string;
}): void {
  if (document.visibilityState !== "hidden") return;
  const prefs = settings.get();
  unread.set(unread.get() + 1);
  showCount();
  if (prefs.notify && "Notification" in window) {
    if (Notification.permission === "granted") {
      const body =
        what.body.length > MAX_BODY
          ? `${what.body.slice(0, MAX_BODY)}…`
          : what.body;
      const shown = new Notification(`${what.contact} is waiting`, {
        body: `${what.teamName}: ${body}`,
        // One notification per conversation: a newer one replaces it.
        tag: `conversation-${String(what.conversation)}`,
        icon: "/icons/icon-192.png",
      });
      shown.onclick = () => {
        window.focus();
        opening.set({ team: what.team, conversation: what.conversation });
        shown.close();
      };
    }
  }
  if (prefs.sound) chime();
}

/** Puts the count in the title (or takes it out). */
function showCount(): void {
  const base = document.title.replace(COUNTED, "");
  const count = unread.get();
  document.title =
    count > 0 && settings.get().titleCount
      ? `(${String(count)}) ${base}`
      : base;
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible") return;
  unread.set(0);
  showCount();
});
settings.watch(showCount);

let audio: AudioContext | null = null;

/** A short two-note tone, made by the Web Audio API (no sound file). */
export function chime(): void {
  try {
    audio ??= new AudioContext();
    const context = audio;
    if (context.state === "suspended") void context.resume();
    const start = context.currentTime;
    for (const [i, frequency] of [880, 1320].entries()) {
      const tone = context.createOscillator();
      const volume = context.createGain();
      const at = start + i * 0.12;
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, at);
      volume.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
      tone.connect(volume).connect(context.destination);
      tone.start(at);
      tone.stop(at + 0.2);
    }
  } catch {
    // No audio output (or refused): the notification stands alone.
  }
}
