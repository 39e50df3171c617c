// The form that creates a bot: a name and a scope. Each submitted form
// carries one idempotency key, kept until it is answered, so a create
// resent after a reconnect makes one bot; the next form gets a new key.
import { useRef, useState } from "preact/hooks";
import type { BotInfo } from "switchboard-client";
import { live } from "../../live/connection";
import { newKey, reasonOf } from "./common";

/** What a create answered: the bot, and its token (empty on a repeat). */
export interface Created {
  bot: BotInfo;
  token: string;
}

interface Props {
  team: number;
  connected: boolean;
  onCreated: (created: Created) => void;
}

export function BotForm({ team, connected, onCreated }: Props) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"read" | "read_write">("read_write");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const key = useRef<string | null>(null);

  function submit(event: Event) {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === "") {
      setProblem("Give the bot a name.");
      return;
    }
    key.current ??= newKey();
    setBusy(true);
    setProblem(null);
    live()
      .request({
        type: "create_bot",
        team,
        name: trimmed,
        scope,
        key: key.current,
      })
      .then((reply) => {
        key.current = null;
        setName("");
        onCreated({ bot: reply.bot, token: reply.token });
      })
      .catch((failure: unknown) => {
        // Refused: nothing was made; the next try is a new request.
        key.current = null;
        setProblem(reasonOf(failure));
      })
      .finally(() => {
        setBusy(false);
      });
  }

  return (
    <form class="admin-form" aria-labelledby="new-bot-title" onSubmit={submit}>
      <h2 id="new-bot-title">New bot</h2>
      <label>
        Bot name
        <input
          value={name}
          maxLength={200}
          required
          aria-invalid={problem !== null}
          aria-describedby={problem !== null ? "new-bot-problem" : undefined}
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
      </label>
      <label>
        Scope
        <select
          value={scope}
          onChange={(e) => {
            setScope(e.currentTarget.value === "read" ? "read" : "read_write");
          }}
        >
          <option value="read_write">Read and write</option>
          <option value="read">Read only</option>
        </select>
      </label>
      <button type="submit" disabled={busy || !connected}>
        {busy ? "Creating…" : "Create bot"}
      </button>
      {problem !== null && (
        <p class="error" role="alert" id="new-bot-problem">
          {problem}
        </p>
      )}
    </form>
  );
}
