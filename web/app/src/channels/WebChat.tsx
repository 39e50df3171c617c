// The Web chat page of a team, for its Managers: the chat's settings
// (`widget` / `set_widget`): paused (no new visitors, no visitor's
// message, at once), the greeting a contact first reads, and the sites
// allowed to embed it (origins, one a line, checked here before the
// server checks them again); and the one line a website adds to embed
// the chat, with a link to the team's own chat page.
//
// The settings are read again on a change of team and on a reconnect;
// what a Manager typed is kept until saved or the team changes.
import { useEffect, useState } from "preact/hooks";
import { parseOrigins, type Id, type WidgetSettings } from "switchboard-client";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { useLiveRead } from "../live/read";
import { newKey, reasonOf } from "../pages/admin/common";
import type { PageProps } from "../pages/registry";
import { EmbedSnippet } from "./EmbedSnippet";
import "../pages/admin/admin.css";
import "./channels.css";

export function WebChat({ team }: PageProps) {
  if (team === null) return <p>Choose a team to see its web chat.</p>;
  return (
    <div class="admin webchat">
      <p class="muted">
        Contacts write to {team.identity || team.name} from a chat page of its
        own, or from any website that embeds it. Their conversations land in the
        inbox like any other.
      </p>
      <SettingsForm key={team.id} team={team.id} />
      <EmbedSnippet handle={team.handle} />
    </div>
  );
}

function SettingsForm({ team }: { team: Id }) {
  const connected = useValue(link).state === "open";
  const read = useLiveRead(
    () => live().request({ type: "widget", team }).then(settingsOf),
    [team],
    reasonOf,
  );
  const [draft, setDraft] = useState<{
    paused: boolean;
    greeting: string;
    origins: string;
  } | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  // The first answer fills the form; later ones only while nothing is typed.
  const settings = read.value;
  useEffect(() => {
    if (settings === null || draft !== null) return;
    setDraft(draftOf(settings));
  }, [settings]);

  if (draft === null)
    return (
      <p class="muted" role="status">
        {read.error ??
          (connected ? "Loading the web chat settings…" : "Connecting…")}
      </p>
    );

  const parsed = parseOrigins(draft.origins);
  const edit = (change: Partial<typeof draft>) => {
    setDraft({ ...draft, ...change });
    setSaved(null);
  };

  function save(event: Event) {
    event.preventDefault();
    if (draft === null || parsed.problems.length > 0) return;
    const settings: WidgetSettings = {
      paused: draft.paused,
      greeting: draft.greeting.trim(),
      allowed_origins: parsed.origins,
    };
    setBusy(true);
    setProblem(null);
    live()
      .request({ type: "set_widget", team, settings, key: newKey() })
      .then((reply) => {
        const stored = settingsOf(reply);
        read.setValue(stored);
        setDraft(draftOf(stored));
        setSaved("Saved.");
      })
      .catch((failure: unknown) => {
        setProblem(reasonOf(failure));
      })
      .finally(() => {
        setBusy(false);
      });
  }

  return (
    <form
      class="admin-form stacked-form"
      aria-labelledby="webchat-title"
      onSubmit={save}
    >
      <h2 id="webchat-title">Settings</h2>
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          checked={draft.paused}
          aria-describedby="paused-hint"
          onChange={(e) => {
            edit({ paused: e.currentTarget.checked });
          }}
        />
        Paused
      </label>
      <p id="paused-hint" class="muted hint">
        While paused, nobody can start a chat or write in one; the chat says it
        is closed.
      </p>
      <label class="stacked">
        Greeting
        <textarea
          rows={2}
          maxLength={500}
          value={draft.greeting}
          onInput={(e) => {
            edit({ greeting: e.currentTarget.value });
          }}
        />
      </label>
      <label class="stacked">
        Allowed origins
        <textarea
          rows={3}
          value={draft.origins}
          spellcheck={false}
          aria-describedby="origins-hint origins-problems"
          aria-invalid={parsed.problems.length > 0}
          onInput={(e) => {
            edit({ origins: e.currentTarget.value });
          }}
        />
      </label>
      <p id="origins-hint" class="muted hint">
        The websites that may embed the chat, one a line, as{" "}
        <code>https://example.com</code>. None: only the chat page itself.
      </p>
      <ul id="origins-problems" class="error origin-problems" role="alert">
        {parsed.problems.map((p) => (
          <li key={p.line}>
            Line {p.line}, {p.text}: {p.reason}.
          </li>
        ))}
      </ul>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <button
        type="submit"
        disabled={busy || !connected || parsed.problems.length > 0}
      >
        {busy ? "Saving…" : "Save settings"}
      </button>
      <p class="muted" role="status">
        {saved ?? ""}
      </p>
    </form>
  );
}

/** The settings of a `widget` reply, without its tag. */
function settingsOf(reply: WidgetSettings): WidgetSettings {
  return {
    paused: reply.paused,
    greeting: reply.greeting,
    allowed_origins: reply.allowed_origins,
  };
}

function draftOf(settings: WidgetSettings) {
  return {
    paused: settings.paused,
    greeting: settings.greeting,
    origins: settings.allowed_origins.join("\n"),
  };
}
