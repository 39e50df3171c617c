// The app's one keymap table: every keyboard shortcut, what it does, and
// the keys the help overlay shows for it. The global shortcuts are matched
// here and nowhere else; the composer's and its command helpers' keys are
// handled where they live (Conversation.tsx, commands.tsx) and only listed
// here, so that the help overlay tells the whole truth in one place.
//
// Invariant: a single-letter shortcut never fires while the user types in
// a text field (it would eat the letter); the Alt and Ctrl/Cmd chords
// work everywhere, since they type nothing.
import { useEffect, useRef } from "preact/hooks";

/** The composer's textarea id (Conversation.tsx). */
export const COMPOSER_ID = "composer-body";
/** The open conversation's message list (Conversation.tsx). */
export const TIMELINE_ID = "timeline";

export type Action = "next" | "previous" | "palette" | "help" | "leave";

interface Shortcut {
  action: Action;
  /** The keys as the help overlay shows them, one chord per entry. */
  keys: string[][];
  description: string;
  matches: (event: KeyboardEvent, typing: boolean) => boolean;
}

/** A plain key, with no modifier that would make it a chord. */
function plain(event: KeyboardEvent, key: string): boolean {
  return event.key === key && !event.ctrlKey && !event.metaKey && !event.altKey;
}

// Alt chords are matched by `code`: on a Mac, Alt+N types "˜", not "n".
export const KEYMAP: Shortcut[] = [
  {
    action: "next",
    keys: [["j"], ["Alt", "N"]],
    description: "Open the next conversation that needs you",
    matches: (e, typing) =>
      (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyN") ||
      (!typing && plain(e, "j")),
  },
  {
    action: "previous",
    keys: [["k"], ["Alt", "P"]],
    description: "Go back to the conversation open before",
    matches: (e, typing) =>
      (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyP") ||
      (!typing && plain(e, "k")),
  },
  {
    action: "palette",
    keys: [
      ["Ctrl", "K"],
      ["⌘", "K"],
    ],
    description: "Search conversations and actions (command palette)",
    matches: (e) =>
      (e.ctrlKey || e.metaKey) &&
      !e.altKey &&
      !e.shiftKey &&
      e.key.toLowerCase() === "k",
  },
  {
    action: "help",
    keys: [["?"]],
    description: "Show this list of shortcuts",
    matches: (e, typing) => !typing && plain(e, "?"),
  },
  {
    action: "leave",
    keys: [["Esc"]],
    description:
      "Leave the message box for the messages (arrows scroll them; j, k and ? work again); close a window",
    // Only from the composer: elsewhere Escape belongs to whatever has it.
    matches: (e) =>
      e.key === "Escape" &&
      e.target instanceof HTMLElement &&
      e.target.id === COMPOSER_ID,
  },
];

/** Keys handled by the composer and its command helpers, listed for help. */
export const COMPOSER_KEYS: { keys: string[][]; description: string }[] = [
  { keys: [["Enter"]], description: "Send the message" },
  { keys: [["Shift", "Enter"]], description: "Break the line" },
  {
    keys: [["↑"], ["↓"]],
    description:
      "In a command helper (^assign, ^deliver): move through the choices",
  },
  {
    keys: [["Enter"], ["Tab"]],
    description: "In a command helper: take the chosen entry",
  },
  {
    keys: [["Esc"]],
    description:
      "Close a command helper or the invite window, keeping the text",
  },
];

/** Keys of the command palette itself, listed for help. */
export const PALETTE_KEYS: { keys: string[][]; description: string }[] = [
  { keys: [["↑"], ["↓"]], description: "Move through the results" },
  { keys: [["Enter"]], description: "Open the chosen conversation or action" },
  { keys: [["Esc"]], description: "Close, back to where you were" },
];

/** Whether the key was typed into something that takes text. */
function inTextField(event: KeyboardEvent): boolean {
  return (
    event.target instanceof HTMLElement &&
    event.target.closest("input, textarea, select, [contenteditable]") !== null
  );
}

/** The action a key asks for, if any. */
export function actionOf(event: KeyboardEvent): Action | null {
  if (event.defaultPrevented || event.isComposing) return null;
  const typing = inTextField(event);
  return KEYMAP.find((s) => s.matches(event, typing))?.action ?? null;
}

/**
 * Runs `handle` for each shortcut pressed anywhere in the page while
 * `enabled` (false while a dialog holds the keyboard). The listener sits
 * on the window, so an element's own handler (the composer's, a helper's)
 * runs first and takes a key by preventing its default. It stays
 * installed, reading `enabled` as of the last render: a key pressed just
 * as a dialog closes (before effects run) is not lost.
 */
export function useShortcuts(
  enabled: boolean,
  handle: (action: Action, event: KeyboardEvent) => void,
): void {
  const latest = useRef({ enabled, handle });
  latest.current = { enabled, handle };
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (!latest.current.enabled) return;
      const action = actionOf(event);
      if (action === null) return;
      event.preventDefault();
      latest.current.handle(action, event);
    }
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, []);
}
