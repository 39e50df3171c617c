// A new bot's token, shown this once: the server keeps only its hash
// (PROTOCOL.md section 5, `create_bot`). Copy puts it on the clipboard;
// where the browser refuses that, the field is selected for the user to
// copy by hand. A repeated create (same key) brings no token: the panel
// says so, and what to do.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Created } from "./BotForm";

interface Props {
  created: Created;
  onDone: () => void;
}

export function TokenPanel({ created, onDone }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  // The panel is what matters now: the focus goes to it.
  useEffect(() => {
    heading.current?.focus();
  }, [created]);

  function selectField() {
    field.current?.focus();
    field.current?.select();
  }

  function copy() {
    // Absent outside a secure context (plain HTTP on another host).
    const clipboard = (navigator as { clipboard?: Clipboard }).clipboard;
    const write = clipboard?.writeText(created.token);
    if (write === undefined) {
      selectField();
      setCopied(
        "Copying is not allowed here: press Ctrl+C (⌘C) to copy the selected token.",
      );
      return;
    }
    write
      .then(() => {
        setCopied("Copied to the clipboard.");
      })
      .catch(() => {
        selectField();
        setCopied(
          "Copying is not allowed here: press Ctrl+C (⌘C) to copy the selected token.",
        );
      });
  }

  const { bot, token } = created;
  return (
    <section class="token-panel" aria-labelledby="token-title">
      <h2 id="token-title" ref={heading} tabIndex={-1}>
        Token of {bot.name}
      </h2>
      {token === "" ? (
        <p role="alert">
          This bot was made by an earlier try of the same form, and its token
          cannot be shown again. Revoke it and create another.
        </p>
      ) : (
        <>
          <p class="token-warning" id="token-note">
            <strong>Copy it now: you will not see it again.</strong> The server
            keeps no copy. Whoever holds it acts as this bot until it is
            revoked.
          </p>
          <div class="token-row">
            <input
              ref={field}
              class="token"
              readOnly
              value={token}
              aria-label={`Token of ${bot.name}`}
              aria-describedby="token-note"
              spellcheck={false}
              onFocus={(e) => {
                e.currentTarget.select();
              }}
            />
            <button type="button" onClick={copy}>
              Copy
            </button>
          </div>
          <p class="muted" role="status">
            {copied ?? ""}
          </p>
        </>
      )}
      <button type="button" class="secondary" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
