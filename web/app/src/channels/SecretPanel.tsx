// A new bridge's signing secret, shown this once (the server keeps what it
// needs to check signatures, and never shows it again), with the address
// the gateway posts inbound messages to and how each request is signed.
// A repeated create (same key) brings no secret: the panel says so.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { BridgeCreated } from "switchboard-client";

interface Props {
  created: BridgeCreated;
  onDone: () => void;
}

export function SecretPanel({ created, onDone }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useLayoutEffect(() => {
    heading.current?.focus();
  }, [created]);

  function byHand() {
    field.current?.focus();
    field.current?.select();
    setCopied(
      "Copying is not allowed here: press Ctrl+C (⌘C) to copy the selected secret.",
    );
  }

  function copy() {
    const clipboard = (navigator as { clipboard?: Clipboard }).clipboard;
    const write = clipboard?.writeText(created.secret);
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

  const { bridge, secret } = created;
  const inbound = `${location.origin}/api/bridges/${String(bridge.id)}/messages`;
  return (
    <section
      class="token-panel"
      aria-labelledby="secret-title"
      data-testid="bridge-secret"
    >
      <h2 id="secret-title" ref={heading} tabIndex={-1}>
        Secret of {bridge.name}
      </h2>
      {secret === "" ? (
        <p role="alert">
          This bridge was made by an earlier try of the same form, and its
          secret cannot be shown again. Remove it and create another.
        </p>
      ) : (
        <>
          <p class="token-warning" id="secret-note">
            <strong>Copy it now: you will not see it again.</strong> Whoever
            holds it can write as this bridge.
          </p>
          <div class="token-row">
            <input
              ref={field}
              class="token"
              readOnly
              value={secret}
              aria-label={`Secret of ${bridge.name}`}
              aria-describedby="secret-note"
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
      <h3>Connecting the gateway</h3>
      <p>
        The gateway POSTs each inbound message to{" "}
        <code data-testid="inbound-url">{inbound}</code> as JSON{" "}
        <code>{'{"id", "from", "body", "name"}'}</code>, and delivery news to{" "}
        <code>…/status</code>.
      </p>
      <p>
        Every request carries the header{" "}
        <code>X-Switchboard-Signature: sha256=HEX</code>, where HEX is the
        HMAC-SHA256 of the raw body with this secret as the key. Messages from
        the team go to <code>{bridge.outbound_url}</code>, signed the same way.
      </p>
      <button type="button" class="secondary" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
