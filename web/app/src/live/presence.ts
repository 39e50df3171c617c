// Who is here, per team: who is online (web chat contacts too), who views
// which conversation, and how far each user has read each conversation.
// Fed by the team's `presence` result (read when the connection opens
// and after a gap), by the `reads` of a `conversation` result for each
// conversation a screen has open (read when it opens, when the
// connection opens and after a gap, so markers set before the page
// opened show too), and by its `signal` frames and `read`/`message`
// events; shared by every screen that watches the team, and dropped when
// the last one stops.
//
// Invariants: the state is replaced, never mutated, so a screen can
// compare it by reference; a read marker never moves back; at most
// MAX_READ_CONVERSATIONS conversations keep markers (the oldest dropped).
// Signals may be dropped by the server: the next `presence` read is right
// again, so nothing here is more than a view of the moment.
import type {
  Event,
  Id,
  PresenceState,
  Reader,
  SignalFrame,
  Viewer,
} from "switchboard-client";
import { useEffect, useState } from "preact/hooks";
import { link, listenTeam, live } from "./connection";
import { Observable } from "./observable";

export interface TeamPresence {
  /** Who is online (devices 0: within the grace window), by user id. */
  online: ReadonlyMap<Id, { name: string; devices: number }>;
  /** Who views each conversation somebody has open. */
  viewing: ReadonlyMap<Id, readonly Viewer[]>;
  /** Each open conversation's read markers, as read and since: user → seq. */
  reads: ReadonlyMap<Id, ReadonlyMap<Id, Id>>;
  /** Names of the users seen so far, for markers that carry only an id. */
  names: ReadonlyMap<Id, string>;
  /** The conversations whose web chat contact is online now. */
  contactsOnline: ReadonlySet<Id>;
}

const EMPTY: TeamPresence = {
  online: new Map(),
  viewing: new Map(),
  reads: new Map(),
  names: new Map(),
  contactsOnline: new Set(),
};
const MAX_READ_CONVERSATIONS = 200;
const MAX_NAMES = 1000;

interface Watched {
  value: Observable<TeamPresence>;
  watchers: number;
  /** The conversations screens have open, with how many screens each. */
  open: Map<Id, number>;
  /** Reads a conversation's markers from the server into `value`. */
  seed: (conversation: Id) => void;
  stop: () => void;
}

const teams = new Map<Id, Watched>();

/** The team's presence, re-rendering the component on each change. */
export function usePresence(team: Id): TeamPresence {
  const [value, setValue] = useState<TeamPresence>(
    () => teams.get(team)?.value.get() ?? EMPTY,
  );
  useEffect(() => {
    const watched = watch(team);
    setValue(watched.value.get());
    const unwatch = watched.value.watch(setValue);
    return () => {
      unwatch();
      release(team, watched);
    };
  }, [team]);
  return value;
}

/**
 * While mounted, keeps the conversation's read markers seeded from the
 * server: those set before the page opened show, not only later ones.
 */
export function useConversationReads(team: Id, conversation: Id): void {
  useEffect(() => {
    const watched = watch(team);
    watched.open.set(conversation, (watched.open.get(conversation) ?? 0) + 1);
    watched.seed(conversation);
    return () => {
      const left = (watched.open.get(conversation) ?? 1) - 1;
      if (left > 0) watched.open.set(conversation, left);
      else watched.open.delete(conversation);
      release(team, watched);
    };
  }, [team, conversation]);
}

function watch(team: Id): Watched {
  const existing = teams.get(team);
  if (existing !== undefined) {
    existing.watchers += 1;
    return existing;
  }
  const value = new Observable<TeamPresence>(EMPTY);
  const update = (change: (p: TeamPresence) => TeamPresence) => {
    value.set(change(value.get()));
  };
  // Read after the subscription is asked for (listenTeam first), so the
  // `presence` request also opts this connection in to the signals.
  const read = () => {
    if (link.get().state !== "open") return;
    live()
      .request({ type: "presence", team })
      .then((state) => {
        update((p) => fromState(p, state));
      })
      .catch(() => undefined);
  };
  const open = new Map<Id, number>();
  const seed = (conversation: Id) => {
    if (link.get().state !== "open") return;
    live()
      .request({ type: "conversation", conversation })
      .then((details) => {
        update((p) => withReads(p, conversation, details.reads));
      })
      // Refused (access taken away) or cut off: the markers already
      // shown stay, and the next open or reset reads them again.
      .catch(() => undefined);
  };
  const readAll = () => {
    read();
    for (const conversation of open.keys()) seed(conversation);
  };
  const stopNews = listenTeam(team, (news) => {
    if (news.kind === "reset") readAll();
    else if (news.kind === "signal") update((p) => onSignal(p, news.frame));
    else update((p) => onEvent(p, news.frame.event));
  });
  // The link opens before the client writes its subscribes again: read
  // once they are written, so the request also opts the connection in.
  const stopLink = link.watch((l) => {
    if (l.state === "open") queueMicrotask(readAll);
  });
  read();
  const watched: Watched = {
    value,
    watchers: 1,
    open,
    seed,
    stop: () => {
      stopLink();
      stopNews();
    },
  };
  teams.set(team, watched);
  return watched;
}

function release(team: Id, watched: Watched): void {
  watched.watchers -= 1;
  if (watched.watchers > 0 || teams.get(team) !== watched) return;
  teams.delete(team);
  watched.stop();
}

function fromState(p: TeamPresence, state: PresenceState): TeamPresence {
  const names = new Map(p.names);
  const online = new Map<Id, { name: string; devices: number }>();
  for (const u of state.users) {
    online.set(u.user, { name: u.name, devices: u.devices });
    names.set(u.user, u.name);
  }
  const viewing = new Map<Id, readonly Viewer[]>();
  for (const v of state.viewing) {
    viewing.set(v.conversation, v.users);
    for (const u of v.users) names.set(u.user, u.name);
  }
  const contactsOnline = new Set(
    (state.contacts ?? []).filter((c) => c.online).map((c) => c.conversation),
  );
  return { ...p, online, viewing, names: bounded(names), contactsOnline };
}

function onSignal(p: TeamPresence, frame: SignalFrame): TeamPresence {
  const signal = frame.signal;
  switch (signal.type) {
    case "presence": {
      const online = new Map(p.online);
      if (signal.online)
        online.set(signal.user, { name: signal.name, devices: signal.devices });
      else online.delete(signal.user);
      return { ...p, online, names: named(p.names, signal.user, signal.name) };
    }
    case "viewing": {
      const viewing = new Map(p.viewing);
      if (signal.users.length === 0) viewing.delete(signal.conversation);
      else viewing.set(signal.conversation, signal.users);
      let names = p.names;
      for (const u of signal.users) names = named(names, u.user, u.name);
      return { ...p, viewing, names };
    }
    case "typing":
      return { ...p, names: named(p.names, signal.user, signal.name) };
    case "contact_presence": {
      const contactsOnline = new Set(p.contactsOnline);
      if (signal.online) contactsOnline.add(signal.conversation);
      else contactsOnline.delete(signal.conversation);
      return { ...p, contactsOnline };
    }
    // The team's settings and members: live/teams.ts follows those.
    case "team_changed":
    case "members_changed":
      return p;
  }
}

function onEvent(p: TeamPresence, event: Event): TeamPresence {
  if (event.type === "read") {
    return {
      ...p,
      reads: marked(p.reads, event.conversation, event.user, event.seq),
    };
  }
  // A user's own message moves their marker, without a `read` event.
  if (event.type === "message" && event.sender.kind === "agent") {
    return {
      ...p,
      reads: marked(p.reads, event.conversation, event.sender.id, event.seq),
      names: named(p.names, event.sender.id, event.sender.name),
    };
  }
  return p;
}

function withReads(
  p: TeamPresence,
  conversation: Id,
  readers: readonly Reader[],
): TeamPresence {
  let reads = p.reads;
  let names = p.names;
  for (const r of readers) {
    reads = marked(reads, conversation, r.user, r.seq);
    names = named(names, r.user, r.name);
  }
  return reads === p.reads && names === p.names ? p : { ...p, reads, names };
}

function marked(
  reads: ReadonlyMap<Id, ReadonlyMap<Id, Id>>,
  conversation: Id,
  user: Id,
  seq: Id,
): ReadonlyMap<Id, ReadonlyMap<Id, Id>> {
  const markers = reads.get(conversation);
  if ((markers?.get(user) ?? 0) >= seq) return reads;
  const next = new Map(reads);
  // Re-inserted last, so the map's order is by latest change.
  next.delete(conversation);
  next.set(conversation, new Map(markers).set(user, seq));
  const oldest = next.keys().next();
  if (next.size > MAX_READ_CONVERSATIONS && oldest.done !== true)
    next.delete(oldest.value);
  return next;
}

function named(
  names: ReadonlyMap<Id, string>,
  user: Id,
  name: string,
): ReadonlyMap<Id, string> {
  if (names.get(user) === name) return names;
  return bounded(new Map(names).set(user, name));
}

function bounded(names: Map<Id, string>): Map<Id, string> {
  while (names.size > MAX_NAMES) {
    const oldest = names.keys().next();
    if (oldest.done === true) break;
    names.delete(oldest.value);
  }
  return names;
}
