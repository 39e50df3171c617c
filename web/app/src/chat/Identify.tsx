// "Leave your email or phone": an optional form, folded behind a button,
// that tells the team how to reach the contact (the `identify` request:
// the server links the chat to the contact book, merging it with a
// contact who already has that email or phone).
//
// Focus: opening moves it to the first field (before any keystroke); Escape or Cancel folds the
// form and gives it back to the button.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ChatSession } from "./session";

export function Identify({ session }: { session: ChatSession }) {
  const [open, setOpen] = useState(false);
  const [fields, setFields] = useState({ name: "", email: "", phone: "" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLInputElement>(null);

  // In the render's own task: an effect after paint could take the focus
  // from a field the contact has already started typing in.
  useLayoutEffect(() => {
    if (open) first.current?.focus();
  }, [open]);

  function fold() {
    setOpen(false);
    setError(null);
    toggle.current?.focus();
  }

  async function submit(event: Event) {
    event.preventDefault();
    if (fields.email.trim() === "" && fields.phone.trim() === "") {
      setError("Leave an email or a phone number.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await session.identify(fields);
      setSaved(true);
      setOpen(false);
      toggle.current?.focus();
    } catch (failure) {
      setError(
        failure instanceof Error ? failure.message : "Not saved. Please retry.",
      );
    } finally {
      setBusy(false);
    }
  }

  const field = (name: keyof typeof fields) => ({
    value: fields[name],
    onInput: (e: { currentTarget: HTMLInputElement }) => {
      setFields({ ...fields, [name]: e.currentTarget.value });
    },
  });

  return (
    <section class="chat-identify" aria-label="How to reach you">
      {saved && (
        <p role="status" class="chat-saved">
          Thanks, the team can now reach you.
        </p>
      )}
      <button
        type="button"
        ref={toggle}
        class="chat-link-button"
        aria-expanded={open}
        aria-controls="chat-identify-form"
        onClick={() => {
          if (open) fold();
          else setOpen(true);
        }}
      >
        {saved ? "Change your email or phone" : "Leave your email or phone"}
      </button>
      {open && (
        <form
          id="chat-identify-form"
          class="chat-identify-form"
          onSubmit={(e) => void submit(e)}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.stopPropagation();
              fold();
            }
          }}
        >
          <label>
            Name <span class="muted">(optional)</span>
            <input ref={first} autocomplete="name" {...field("name")} />
          </label>
          <label>
            Email
            <input type="email" autocomplete="email" {...field("email")} />
          </label>
          <label>
            Phone
            <input type="tel" autocomplete="tel" {...field("phone")} />
          </label>
          {error !== null && (
            <p class="chat-error" role="alert">
              {error}
            </p>
          )}
          <div class="chat-actions">
            <button type="submit" disabled={busy}>
              Save
            </button>
            <button type="button" onClick={fold}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
