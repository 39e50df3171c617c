// The confirmation of a team's removal: the owner types the team's handle
// (as GitHub asks for a repository's name) before Remove is enabled, so a
// slip of the mouse removes nothing.
import { useState } from "preact/hooks";
import type { TeamInfo } from "../../api";
import { reasonOf } from "./common";
import { Modal } from "./Modal";

interface Props {
  team: TeamInfo;
  onRemove: () => Promise<void>;
  onClose: () => void;
}

export function RemoveTeam({ team, onRemove, onClose }: Props) {
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const matches = typed.trim() === team.handle;

  function submit(event: Event) {
    event.preventDefault();
    if (!matches || busy) return;
    setBusy(true);
    setError(null);
    onRemove()
      .then(onClose)
      .catch((failure: unknown) => {
        setBusy(false);
        setError(reasonOf(failure));
      });
  }

  return (
    <Modal
      titleId="remove-team-title"
      detailId="remove-team-detail"
      onClose={onClose}
      fallback={() => document.getElementById("teams-title")}
    >
      <form onSubmit={submit}>
        <h2 id="remove-team-title">Remove {team.name}?</h2>
        <p id="remove-team-detail">
          Nobody can reach its conversations any more, and everyone working in
          it is disconnected at once. This cannot be undone.
        </p>
        <label class="stacked">
          <span>
            To confirm, type the team's handle, <strong>{team.handle}</strong>
          </span>
          <input
            value={typed}
            autofocus
            spellcheck={false}
            autoCapitalize="off"
            autoComplete="off"
            onInput={(e) => {
              setTyped(e.currentTarget.value);
            }}
          />
        </label>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="danger" disabled={!matches || busy}>
            {busy ? "Removing…" : "Remove team"}
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
