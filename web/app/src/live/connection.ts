// The app's one live connection: a protocol client (web/client) opened
// after login, with a fresh ticket for every connection (a ticket works
// once), and the teams' event streams shared by every screen that listens.
//
// Invariants: at most one client exists, and it is closed on logout; each
// team is subscribed once however many screens listen to it, and
// unsubscribed when the last one stops.
import {
  SwitchboardClient,
  type ConnectionState,
  type EventFrame,
  type Id,
  type OutboxEntry,
  type SignalFrame,
} from "switchboard-client";
import { wsTicket } from "../api";
import { Observable } from "./observable";

/** What the reconnect banner shows. */
export interface Link {
  state: ConnectionState | "idle";
  /** When the next attempt is due (ms since the epoch), while waiting. */
  retryAt: number | null;
}

/**
 * A team's news for a screen: an event, a signal (once `presence` opted
 * the connection in), or "reload" after a gap.
 */
export type TeamNews =
  | { kind: "event"; frame: EventFrame }
  | { kind: "signal"; frame: SignalFrame }
  | { kind: "reset" };

type TeamListener = (news: TeamNews) => void;

export const link = new Observable<Link>({ state: "idle", retryAt: null });
/** Bumped on every change of an outbox message's state. */
export const outboxVersion = new Observable(0);

/** A message acknowledged before its own event arrived. */
export interface Acked {
  conversation: Id;
  body: string;
  seq: Id;
  at: number;
}

/**
 * Sent messages by `client_msg_id`, shown as sent until their `message`
 * event (or a history page) carries them; bounded, oldest dropped first.
 */
export const acked = new Map<string, Acked>();
const MAX_ACKED = 500;

let client: SwitchboardClient | null = null;
const teams = new Map<Id, Set<TeamListener>>();

/** The client, opened on first use. */
export function live(): SwitchboardClient {
  if (client !== null) return client;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const opened = new SwitchboardClient({
    url: `${scheme}//${location.host}/ws`,
    token: wsTicket,
  });
  opened.on("state", (state, { delayMs }) => {
    link.set({
      state,
      retryAt: delayMs === undefined ? null : Date.now() + delayMs,
    });
  });
  opened.on("message", (entry) => {
    const reply = entry.reply;
    if (
      entry.state === "sent" &&
      entry.request.type === "send" &&
      reply?.type === "sent"
    ) {
      acked.set(entry.key, {
        conversation: reply.conversation,
        body: entry.request.body,
        seq: reply.seq,
        at: reply.at,
      });
      const oldest = acked.keys().next();
      if (acked.size > MAX_ACKED && oldest.done !== true)
        acked.delete(oldest.value);
    }
    outboxVersion.set(outboxVersion.get() + 1);
  });
  client = opened;
  opened.connect();
  return opened;
}

/** Closes the connection (on logout); the next `live()` opens a new one. */
export function closeLive(): void {
  client?.close();
  client = null;
  teams.clear();
  acked.clear();
  link.set({ state: "idle", retryAt: null });
}

/** Listens to a team's events; returns the function that stops it. */
export function listenTeam(team: Id, listener: TeamListener): () => void {
  const c = live();
  let listeners = teams.get(team);
  if (listeners === undefined) {
    const created = new Set<TeamListener>();
    listeners = created;
    teams.set(team, created);
    c.subscribe(team, {
      onEvent: (frame) => {
        for (const l of created) l({ kind: "event", frame });
      },
      onSignal: (frame) => {
        for (const l of created) l({ kind: "signal", frame });
      },
      onSubscribed: (_reply, reset) => {
        if (reset) for (const l of created) l({ kind: "reset" });
      },
    });
  }
  listeners.add(listener);
  return () => {
    const current = teams.get(team);
    if (current === undefined) return;
    current.delete(listener);
    if (current.size === 0 && client === c) {
      teams.delete(team);
      c.unsubscribe(team);
    }
  };
}

/** The outbox's messages of one conversation, oldest first. */
export function sendsOf(conversation: Id): OutboxEntry[] {
  if (client === null) return [];
  return client.outbox
    .list()
    .filter(
      (e) =>
        e.request.type === "send" && e.request.conversation === conversation,
    );
}
