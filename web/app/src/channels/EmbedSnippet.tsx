// The one line a website adds to show the team's chat, with Copy, and a
// link to the team's own chat page (which needs no website at all).
// Where the browser refuses the clipboard, the line is selected for the
// user to copy by hand.
import { useRef, useState } from "preact/hooks";
import { chatPageUrl, embedSnippet } from "switchboard-client";

export function EmbedSnippet({ handle }: { handle: string }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const snippet = embedSnippet(location.origin, handle);
  const page = chatPageUrl(location.origin, handle);

  function byHand() {
    field.current?.focus();
    field.current?.select();
    setCopied("Copying is not allowed here: press Ctrl+C (⌘C) to copy it.");
  }

  function copy() {
    // Absent outside a secure context (plain HTTP on another host).
    const clipboard = (navigator as { clipboard?: Clipboard }).clipboard;
    const write = clipboard?.writeText(snippet);
    if (write === undefined) {
      byHand();
      return;
    }
    write
      .then(() => {
        setCopied("Copied to the clipboard.");
      })
      .catch(byHand);
  }

  return (
    <section aria-labelledby="embed-title" class="embed">
      <h2 id="embed-title">Embed on a website</h2>
      <p class="muted" id="embed-note">
        Add this line to the pages of an allowed origin: a chat button shows in
        their corner.
      </p>
      <div class="token-row">
        <input
          ref={field}
          class="token"
          readOnly
          value={snippet}
          aria-label="Embed code"
          aria-describedby="embed-note"
          spellcheck={false}
          data-testid="embed-snippet"
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
      <p>
        The team&apos;s chat page:{" "}
        <a href={page} target="_blank" rel="noopener">
          {page}
        </a>
      </p>
    </section>
  );
}
