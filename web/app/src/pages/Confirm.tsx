// A modal confirmation (the native <dialog>): the page behind it is inert
// (the focus stays inside), Escape or Cancel closes it, and the focus
// returns to what had it, or to `fallback` when that is gone (the row of
// what was just removed, say). A refusal shows inside it.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { reason } from "./errors";

interface Props {
  title: string;
  children: ComponentChildren;
  /** The confirming button's words. */
  action: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  /** The id of what takes the focus when its opener is gone. */
  fallback: string;
}

export function Confirm({
  title,
  children,
  action,
  onConfirm,
  onClose,
  fallback,
}: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

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
      else document.getElementById(fallback)?.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      class="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-detail"
      onCancel={(e) => {
        // Escape: closed by unmounting, so that focus goes back.
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="confirm-title">{title}</h2>
      <p id="confirm-detail">{children}</p>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            onConfirm()
              .then(onClose)
              .catch((failure: unknown) => {
                setBusy(false);
                setError(reason(failure));
              });
          }}
        >
          {action}
        </button>
        <button type="button" class="secondary" autofocus onClick={onClose}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
