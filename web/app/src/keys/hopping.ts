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
  /** Opens the conversation that most needs the user, if any. */
  next: () => void;
  /** Goes back to the conversation open before, if any. */
  previous: () => void;
  /** Whether `previous` has somewhere to go. */
  canGoBack: boolean;
}

export function useHopping(team: Id | null): Hopping {
  const [open, setOpen] = useState<Id | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  const [history, setHistory] = useState<Id[]>([]);
  // Bumped on each opening, to focus the composer once it has rendered
  // (the same conversation opened again does not render anew).
  const [opened, setOpened] = useState(0);
  const openRef = useRef(open);
  openRef.current = open;
  const teamRef = useRef(team);
  teamRef.current = team;

  useEffect(() => {
    setOpen(null);
    setHint(null);
    setHistory([]);
  }, [team]);

  useEffect(() => {
    if (opened > 0) document.getElementById(COMPOSER_ID)?.focus();
  }, [opened]);

  function show(conversation: Id) {
    const before = openRef.current;
    if (before !== null && before !== conversation) {
      setHistory((h) =>
        [...h.filter((c) => c !== before), before].slice(-HISTORY),
      );
    }
    setOpen(conversation);
    setHint(null);
    setOpened((n) => n + 1);
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
    const current = openRef.current;
    const back = history.filter((c) => c !== current);
    const target = back.at(-1);
    if (target === undefined) {
      setHint("No conversation to go back to.");
      return;
    }
    setHistory(back.slice(0, -1));
    setOpen(target);
    setHint(null);
    setOpened((n) => n + 1);
  }

  return {
    open,
    hint,
    show,
    next,
    previous,
    canGoBack: history.some((c) => c !== open),
  };
}
