// A modal dialog: the platform's <dialog>, opened with showModal(), so the
// rest of the page is inert (unreachable by Tab, click or screen reader)
// while it shows. Tab and Shift+Tab wrap inside it rather than leaving for
// the browser's own controls; Escape asks the owner to close it.
//
// Invariant: the dialog does not move the focus back when it closes: its
// owner decides where focus goes (where it was, or the composer of a
// conversation just opened), which a dialog cannot know.
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import "./keys.css";

interface Props {
  /** The id of the element naming the dialog (its heading). */
  labelledBy: string;
  class: string;
  /** Closing without a choice: Escape, or a click beside the dialog. */
  onDismiss: () => void;
  children: ComponentChildren;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function Modal({
  labelledBy,
  class: className,
  onDismiss,
  children,
}: Props) {
  const dialog = useRef<HTMLDialogElement>(null);

  useLayoutEffect(() => {
    const el = dialog.current;
    if (el === null) return;
    // showModal() focuses the first focusable element (or one marked
    // autofocus) inside.
    el.showModal();
    return () => {
      el.close();
    };
  }, []);

  function onKeyDown(event: KeyboardEvent) {
    const el = dialog.current;
    if (el === null) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onDismiss();
    } else if (event.key === "Tab") {
      const stops = [...el.querySelectorAll<HTMLElement>(FOCUSABLE)];
      const first = stops[0];
      const last = stops.at(-1);
      if (first === undefined || last === undefined) return;
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  return (
    <dialog
      ref={dialog}
      class={`modal ${className}`}
      aria-modal="true"
      aria-labelledby={labelledBy}
      onKeyDown={onKeyDown}
      // The browser's own Escape handling closes the dialog behind the
      // app's back; the app closes it by unmounting instead.
      onCancel={(e) => {
        e.preventDefault();
        onDismiss();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the <dialog> itself (its body
        // fills it, with no padding of its own).
        if (e.target === dialog.current) onDismiss();
      }}
    >
      <div class="modal-body">{children}</div>
    </dialog>
  );
}
