// Chat hopping: which conversation of the team is open, `next` (the one
// that most needs the user, asked of the server) and `previous` (back
// through the conversations opened before, in this team).
//
// Invariants: the history holds at most HISTORY conversations, the oldest
// dropped first, and never the open one on top; a team switch empties it
// (its conversations are another team's). Opening a conversation puts the
// focus in its composer, so the user can type at once.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import { live } from "../live/connection";
import { COMPOSER_ID } from "./keymap";

/** How many conversations `previous` can go back through. */
const HISTORY = 50;

export interface Hopping {
  /** The open conversation, if any. */
  open: Id | null;
  /** What the last hop had to say (nothing waits, it failed), if anything. */
  hint: string | null;
  /** Opens a conversation, remembering the one open before. */
  show: (conversation: Id) => void;
  /** Closes the open conversation (a phone's Back), keeping it for `previous`. */
  close: () => void;
  /** Opens the conversation that most needs the user, if any. */
  next: () => void;
  /** Goes back to the conversation open before, if any. */
  previous: () => void;
  /** Whether `previous` has somewhere to go. */
  canGoBack: boolean;
}

/** The hopping state of one team. */
interface Hops {
  team: Id | null;
  open: Id | null;
  history: Id[];
  hint: string | null;
}

export function useHopping(team: Id | null): Hopping {
  const [stored, setStored] = useState<Hops>(empty(team));
  // Another team's state is no state: read as empty from the very render
  // that switches, so the old team's conversation never shows in the new.
  const hops = stored.team === team ? stored : empty(team);
  const { open, history, hint } = hops;
  // Bumped on each opening, to focus the composer once it has rendered
  // (the same conversation opened again does not render anew).
  const [opened, setOpened] = useState(0);
  const teamRef = useRef(team);
  teamRef.current = team;

  useEffect(() => {
    if (opened > 0) document.getElementById(COMPOSER_ID)?.focus();
  }, [opened]);

  /** Changes this team's state (dropping another team's). */
  function update(change: (h: Hops) => Partial<Hops>) {
    setStored((s) => {
      const h = s.team === teamRef.current ? s : empty(teamRef.current);
      return { ...h, ...change(h) };
    });
  }

  function setHint(text: string) {
    update(() => ({ hint: text }));
  }

  function show(conversation: Id) {
    update((h) => ({
      open: conversation,
      hint: null,
      history:
        h.open === null || h.open === conversation
          ? h.history
          : [...h.history.filter((c) => c !== h.open), h.open].slice(-HISTORY),
    }));
    setOpened((n) => n + 1);
  }

  function close() {
    update((h) => ({
      open: null,
      hint: null,
      history:
        h.open === null
          ? h.history
          : [...h.history.filter((c) => c !== h.open), h.open].slice(-HISTORY),
    }));
  }

  function next() {
    const asked = teamRef.current;
    if (asked === null) return;
    live()
      .request({ type: "next", team: asked })
      .then((reply) => {
        // The answer is about a team the user may have left meanwhile.
        if (teamRef.current !== asked) return;
        if (reply.row === null) setHint("Nothing needs you right now.");
        else show(reply.row.conversation);
      })
      .catch((failure: unknown) => {
        setHint(failure instanceof Error ? failure.message : "failed");
      });
  }

  function previous() {
    const back = history.filter((c) => c !== open);
    const target = back.at(-1);
    if (target === undefined) {
      setHint("No conversation to go back to.");
      return;
    }
    update(() => ({ open: target, hint: null, history: back.slice(0, -1) }));
    setOpened((n) => n + 1);
  }

  return {
    open,
    hint,
    show,
    close,
    next,
    previous,
    canGoBack: history.some((c) => c !== open),
  };
}

function empty(team: Id | null): Hops {
  return { team, open: null, history: [], hint: null };
}
