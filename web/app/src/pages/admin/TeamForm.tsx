// The form that creates a team of an account: a name, a handle (unique on
// the server) and a chat identity. One idempotency key per submitted
// form: a create resent after a reconnect makes one team. The session is
// read again afterwards, so the team switcher lists the new team.
import { useRef, useState } from "preact/hooks";
import { live } from "../../live/connection";
import { load } from "../../store";
import { newKey, reasonOf } from "./common";

interface Props {
  account: number;
  connected: boolean;
  /** Told the new team's name, once the session lists it. */
  onCreated: (name: string) => void;
}

export function TeamForm({ account, connected, onCreated }: Props) {
  const [name, setName] = useState("");
  const [handle, setHandle] = useState("");
  const [identity, setIdentity] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const key = useRef<string | null>(null);

  function submit(event: Event) {
    event.preventDefault();
    if (name.trim() === "" || handle.trim() === "") {
      setProblem("A team needs a name and a handle.");
      return;
    }
    key.current ??= newKey();
    setBusy(true);
    setProblem(null);
    live()
      .request({
        type: "create_team",
        account,
        name: name.trim(),
        handle: handle.trim(),
        identity: identity.trim(),
        key: key.current,
      })
      .then(async (team) => {
        key.current = null;
        setName("");
        setHandle("");
        setIdentity("");
        await load();
        onCreated(team.name);
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
      class="admin-form stacked-form"
      aria-labelledby="new-team-title"
      onSubmit={submit}
    >
      <h2 id="new-team-title">New team</h2>
      <label>
        Team name
        <input
          value={name}
          maxLength={200}
          required
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
      </label>
      <div class="field">
        <label>
          Handle
          <input
            value={handle}
            maxLength={200}
            required
            spellcheck={false}
            autoCapitalize="off"
            aria-describedby="handle-help"
            onInput={(e) => {
              setHandle(e.currentTarget.value);
            }}
          />
        </label>
        <span class="muted hint" id="handle-help">
          What <code>^deliver #handle</code> names; unique on the server.
        </span>
      </div>
      <div class="field">
        <label>
          Identity (optional)
          <input
            value={identity}
            maxLength={200}
            aria-describedby="identity-help"
            onInput={(e) => {
              setIdentity(e.currentTarget.value);
            }}
          />
        </label>
        <span class="muted hint" id="identity-help">
          The team's phone number or chat handle.
        </span>
      </div>
      <button type="submit" disabled={busy || !connected}>
        {busy ? "Creating…" : "Create team"}
      </button>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
