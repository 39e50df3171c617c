// A modal dialog on the native <dialog>: showModal() makes the page
// behind it inert (the focus stays inside) and Escape asks to close it.
// It closes by unmounting, so the focus always returns to what had it
// before (or to `fallback` when that is gone, a revoked bot's button).
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

interface Props {
  /** The id of the dialog's heading, which names it. */
  titleId: string;
  /** The id of the text that says what confirming does. */
  detailId: string;
  onClose: () => void;
  /** Takes the focus back when the opener is gone. */
  fallback: () => HTMLElement | null;
  children: ComponentChildren;
}

export function Modal({
  titleId,
  detailId,
  onClose,
  fallback,
  children,
}: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Read on unmount: the caller's latest fallback.
  const fallbackRef = useRef(fallback);
  fallbackRef.current = fallback;

  useEffect(() => {
    const opener =
      document.activeElement instanceof HTMLElement
        ? document.activeElement
        : null;
    const element = dialog.current;
    element?.showModal();
    return () => {
      element?.close();
      if (opener?.isConnected === true) opener.focus();
      else fallbackRef.current()?.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      class="confirm"
      aria-labelledby={titleId}
      aria-describedby={detailId}
      onCancel={(e) => {
        // Escape: closed by unmounting, so that focus goes back.
        e.preventDefault();
        onClose();
      }}
    >
      {children}
    </dialog>
  );
}
