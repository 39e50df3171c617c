// The form that creates a webhook bridge: a name and the URL its outbound
// messages are POSTed to (http or https). One idempotency key per
// submitted form, kept until answered, so a create resent after a
// reconnect makes one bridge.
import { useRef, useState } from "preact/hooks";
import type { BridgeCreated, Id } from "switchboard-client";
import { live } from "../live/connection";
import { newKey, reasonOf } from "../pages/admin/common";

interface Props {
  team: Id;
  connected: boolean;
  onCreated: (created: BridgeCreated) => void;
}

function urlProblem(text: string): string | null {
  try {
    const url = new URL(text);
    if (url.protocol === "https:" || url.protocol === "http:") return null;
  } catch {
    // Not an address at all: said below.
  }
  return "Write the gateway's address as https://gateway.example/messages.";
}

export function BridgeForm({ team, connected, onCreated }: Props) {
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const key = useRef<string | null>(null);

  function submit(event: Event) {
    event.preventDefault();
    if (name.trim() === "") {
      setProblem("Give the bridge a name.");
      return;
    }
    const wrong = urlProblem(url.trim());
    if (wrong !== null) {
      setProblem(wrong);
      return;
    }
    key.current ??= newKey();
    setBusy(true);
    setProblem(null);
    live()
      .request({
        type: "create_bridge",
        team,
        name: name.trim(),
        outbound_url: url.trim(),
        key: key.current,
      })
      .then((reply) => {
        key.current = null;
        setName("");
        setUrl("");
        onCreated({ bridge: reply.bridge, secret: reply.secret });
      })
      .catch((failure: unknown) => {
        key.current = null;
        setProblem(reasonOf(failure));
      })
      .finally(() => {
        setBusy(false);
      });
  }

  return (
    <form
      class="admin-form"
      aria-labelledby="new-bridge-title"
      onSubmit={submit}
    >
      <h2 id="new-bridge-title">New bridge</h2>
      <label>
        Bridge name
        <input
          value={name}
          maxLength={200}
          required
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
      </label>
      <label>
        Outbound URL
        <input
          type="url"
          value={url}
          required
          placeholder="https://gateway.example/messages"
          aria-invalid={problem !== null}
          aria-describedby={problem !== null ? "new-bridge-problem" : undefined}
          onInput={(e) => {
            setUrl(e.currentTarget.value);
          }}
        />
      </label>
      <button type="submit" disabled={busy || !connected}>
        {busy ? "Creating…" : "Create bridge"}
      </button>
      {problem !== null && (
        <p class="error" role="alert" id="new-bridge-problem">
          {problem}
        </p>
      )}
    </form>
  );
}
