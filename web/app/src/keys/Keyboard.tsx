// The inbox's keyboard: the global shortcuts of the keymap, and the two
// dialogs they open (the command palette and the help overlay). Renders
// nothing while no dialog shows.
//
// Focus: a dialog dismissed (Escape, Close) gives the focus back to where
// it was when the first dialog opened (the palette's "Help" passes it on
// to the help overlay). A choice that opens a conversation leaves it to
// the composer instead. Escape in the composer moves the focus to the
// conversation's message list, where the arrows scroll and the
// single-letter keys work. (Not to the dashboard's row: a live update
// that reorders the rows moves that element, and the focus falls off it.)
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import type { TeamInfo } from "../api";
import { selectTeam } from "../store";
import { HelpOverlay } from "./HelpOverlay";
import type { Hopping } from "./hopping";
import { TIMELINE_ID, useShortcuts } from "./keymap";
import { type Choice, Palette } from "./Palette";

interface Props {
  team: Id | null;
  teams: TeamInfo[];
  hopping: Hopping;
  /** Where focus goes when there is nowhere better (the inbox heading). */
  fallback: { current: HTMLElement | null };
}

type Open = "palette" | "help" | null;

export function Keyboard({ team, teams, hopping, fallback }: Props) {
  const [dialog, setDialog] = useState<Open>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  // Whether a dialog shows, read by handlers that may run twice in one
  // tick (an Escape and the dialog's own cancel).
  const showing = useRef(false);
  // Set when a dismissed dialog should give the focus back.
  const [restore, setRestore] = useState(0);

  useEffect(() => {
    if (restore === 0) return;
    const target = returnTo.current;
    returnTo.current = null;
    if (target?.isConnected) target.focus();
    else fallback.current?.focus();
  }, [restore, fallback]);

  function show(kind: "palette" | "help") {
    if (!showing.current) {
      const focused = document.activeElement;
      returnTo.current = focused instanceof HTMLElement ? focused : null;
    }
    showing.current = true;
    setDialog(kind);
  }

  /** Closes the dialog, leaving the focus to whatever comes next. */
  function hide() {
    showing.current = false;
    setDialog(null);
  }

  /** Closes the dialog, the focus back where it was. */
  function dismiss() {
    if (!showing.current) return;
    hide();
    setRestore((n) => n + 1);
  }

  useShortcuts(dialog === null, (action) => {
    switch (action) {
      case "next":
        hopping.next();
        break;
      case "previous":
        hopping.previous();
        break;
      case "palette":
        if (team !== null) show("palette");
        break;
      case "help":
        show("help");
        break;
      case "leave":
        leaveComposer(fallback.current);
        break;
    }
  });

  function choose(choice: Choice) {
    switch (choice.kind) {
      case "conversation":
        hide();
        hopping.show(choice.conversation);
        break;
      case "next":
        // If nothing needs the user, the hint says so and the focus goes
        // back; otherwise the composer of the conversation opened takes it.
        dismiss();
        hopping.next();
        break;
      case "previous":
        hide();
        hopping.previous();
        break;
      case "team":
        dismiss();
        selectTeam(choice.team);
        break;
      case "help":
        setDialog("help");
        break;
    }
  }

  if (dialog === "help") return <HelpOverlay onDismiss={dismiss} />;
  if (dialog === "palette" && team !== null)
    return (
      <Palette
        team={team}
        teams={teams}
        canGoBack={hopping.canGoBack}
        onChoose={choose}
        onDismiss={dismiss}
      />
    );
  return null;
}

/** Out of the composer, to the conversation's messages. */
function leaveComposer(fallback: HTMLElement | null) {
  (document.getElementById(TIMELINE_ID) ?? fallback)?.focus();
}
