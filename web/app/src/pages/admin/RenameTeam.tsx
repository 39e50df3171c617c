// A team's name and identity, edited in place (`update_team`); the
// session is read again afterwards, so the team switcher shows the new
// name. Escape or Cancel leaves them as they were.
import { useEffect, useRef, useState } from "preact/hooks";
import type { TeamInfo } from "../../api";
import { live } from "../../live/connection";
import { load } from "../../store";
import { reasonOf } from "./common";

interface Props {
  team: TeamInfo;
  connected: boolean;
  onDone: () => void;
}

export function RenameTeam({ team, connected, onDone }: Props) {
  const [name, setName] = useState(team.name);
  const [identity, setIdentity] = useState(team.identity);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);

  // The form takes the place of the team's row: the focus goes into it.
  useEffect(() => {
    first.current?.focus();
  }, []);

  function submit(event: Event) {
    event.preventDefault();
    if (name.trim() === "") {
      setProblem("A team needs a name.");
      return;
    }
    setBusy(true);
    setProblem(null);
    live()
      .request({
        type: "update_team",
        team: team.id,
        name: name.trim(),
        identity: identity.trim(),
      })
      .then(async () => {
        await load();
        onDone();
      })
      .catch((failure: unknown) => {
        setBusy(false);
        setProblem(reasonOf(failure));
      });
  }

  return (
    <form
      class="rename"
      aria-label={`Rename ${team.name}`}
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === "Escape") onDone();
      }}
    >
      <label>
        Team name
        <input
          value={name}
          maxLength={200}
          required
          ref={first}
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
      </label>
      <label>
        Identity
        <input
          value={identity}
          maxLength={200}
          onInput={(e) => {
            setIdentity(e.currentTarget.value);
          }}
        />
      </label>
      <div class="actions">
        <button type="submit" disabled={busy || !connected}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
