// Phone-sized screens: the button that shows and hides the side
// navigation (teams, pages, who is online), which is otherwise off screen
// there, and the Back button from a conversation to the list. Both are
// hidden by the stylesheet on wider screens, where the navigation and the
// list are always beside the conversation.
import { useEffect, useState } from "preact/hooks";

export const SIDEBAR_ID = "sidebar";
const BUTTON_ID = "menu-button";

/**
 * Whether the menu is open: a choice in it (a new `team` or `page`)
 * closes it, and so does Escape, giving the focus back to the button.
 */
export function useMenu(
  team: unknown,
  page: unknown,
): { open: boolean; toggle: () => void } {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    setOpen(false);
  }, [team, page]);
  useEffect(() => {
    if (!open) return;
    function onKey(event: KeyboardEvent) {
      if (event.key !== "Escape") return;
      setOpen(false);
      document.getElementById(BUTTON_ID)?.focus();
    }
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);
  return {
    open,
    toggle: () => {
      setOpen(!open);
    },
  };
}

export function MenuButton({
  open,
  onToggle,
}: {
  open: boolean;
  onToggle: () => void;
}) {
  return (
    <button
      type="button"
      id={BUTTON_ID}
      class="secondary menu-button phone-only"
      aria-expanded={open}
      aria-controls={SIDEBAR_ID}
      onClick={onToggle}
    >
      Menu
    </button>
  );
}

export function BackButton({ onBack }: { onBack: () => void }) {
  return (
    <button type="button" class="secondary back phone-only" onClick={onBack}>
      Back
    </button>
  );
}
