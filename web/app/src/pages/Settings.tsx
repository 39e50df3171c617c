// Team settings (a Manager's page): the team's name, chat identity,
// outcome statuses (ordered) and member limit. Save sends `update_team`;
// a refusal shows by the field it concerns; the saved state shows once
// the server answers.
//
// The form starts from the team as the session has it. When the team
// changes meanwhile (a `team_changed` signal updates the session, see
// live/teams.ts), an untouched form follows it; one with edits keeps
// them, and saving them replaces what the other Manager saved.
import { useEffect, useState } from "preact/hooks";
import type { TeamInfo } from "../api";
import { FieldDefs } from "../book/FieldDefs";
import { live } from "../live/connection";
import { teamChanged } from "../store";
import { fieldError, type FieldError } from "./errors";
import type { PageProps } from "./registry";
import { rowsOf, StatusList, type StatusRow } from "./StatusList";
import "./manage.css";

interface Form {
  name: string;
  identity: string;
  statuses: StatusRow[];
  /** The member limit as typed; empty: no limit. */
  limit: string;
}

/** Which refusals belong to which field (the server's messages). */
const FIELDS = {
  name: /^name /,
  identity: /^identity /,
  statuses: /^a status|statuses/,
  limit: /^member limit/,
};

function formOf(team: TeamInfo): Form {
  return {
    name: team.name,
    identity: team.identity,
    statuses: rowsOf(team.statuses),
    limit: team.max_members == null ? "" : String(team.max_members),
  };
}

function same(form: Form, team: TeamInfo): boolean {
  const limit = team.max_members == null ? "" : String(team.max_members);
  return (
    form.name === team.name &&
    form.identity === team.identity &&
    form.limit === limit &&
    form.statuses.length === team.statuses.length &&
    form.statuses.every((s, i) => s.text === team.statuses[i])
  );
}

export function Settings({ team }: PageProps) {
  if (team === null) return null;
  return (
    <>
      <SettingsForm key={team.id} team={team} />
      <FieldDefs key={`fields-${String(team.id)}`} team={team.id} />
    </>
  );
}

function SettingsForm({ team }: { team: TeamInfo }) {
  const [form, setForm] = useState(() => formOf(team));
  // The team the form was last in step with.
  const [base, setBase] = useState(team);
  const [error, setError] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const dirty = !same(form, base);

  useEffect(() => {
    if (same(form, team)) setBase(team);
    else if (!dirty) {
      setForm(formOf(team));
      setBase(team);
    }
  }, [team]);

  function edit(change: Partial<Form>) {
    setForm((f) => ({ ...f, ...change }));
    setSaved(false);
  }

  function save(event: Event) {
    event.preventDefault();
    const limit = form.limit.trim();
    const max = limit === "" ? 0 : Number(limit);
    if (!Number.isInteger(max) || max < 0 || max > 4_294_967_295) {
      setError({
        field: "limit",
        message: "member limit must be a whole number",
      });
      return;
    }
    if (form.statuses.some((s) => s.text.trim() === "")) {
      setError({
        field: "statuses",
        message: "a status cannot be empty: fill it in or remove it",
      });
      return;
    }
    setBusy(true);
    setError(null);
    live()
      .request({
        type: "update_team",
        team: team.id,
        name: form.name,
        identity: form.identity,
        statuses: form.statuses.map((s) => s.text),
        max_members: max,
      })
      .then((reply) => {
        const settings = {
          name: reply.name,
          identity: reply.identity,
          statuses: reply.statuses,
          max_members: reply.max_members ?? null,
        };
        teamChanged(team.id, settings);
        const now = { ...team, ...settings };
        setForm(formOf(now));
        setBase(now);
        setSaved(true);
      })
      .catch((failure: unknown) => {
        setError(fieldError(failure, FIELDS));
      })
      .finally(() => {
        setBusy(false);
      });
  }

  const errorOf = (field: keyof typeof FIELDS) =>
    error?.field === field ? (
      <p class="error field-error" id={`${field}-error`} role="alert">
        {error.message}
      </p>
    ) : null;
  const describedBy = (field: keyof typeof FIELDS) =>
    error?.field === field ? `${field}-error` : undefined;

  return (
    <form
      class="manage-form"
      onSubmit={save}
      aria-label="Team settings"
      noValidate
    >
      <div class="field">
        <label for="team-name">Name</label>
        <input
          id="team-name"
          value={form.name}
          required
          aria-invalid={error?.field === "name"}
          aria-describedby={describedBy("name")}
          onInput={(e) => {
            edit({ name: e.currentTarget.value });
          }}
        />
        {errorOf("name")}
      </div>
      <div class="field">
        <label for="team-identity">Identity</label>
        <input
          id="team-identity"
          value={form.identity}
          aria-invalid={error?.field === "identity"}
          aria-describedby={describedBy("identity") ?? "team-identity-hint"}
          onInput={(e) => {
            edit({ identity: e.currentTarget.value });
          }}
        />
        <p class="muted hint" id="team-identity-hint">
          The phone number or chat handle contacts reach the team at.
        </p>
        {errorOf("identity")}
      </div>
      <fieldset class="field">
        <legend>Statuses</legend>
        <p class="muted hint">
          The outcomes <code>^deliver</code> offers, in this order.
        </p>
        <StatusList
          rows={form.statuses}
          errorId={describedBy("statuses")}
          onChange={(statuses) => {
            edit({ statuses });
          }}
        />
        {errorOf("statuses")}
      </fieldset>
      <div class="field">
        <label for="team-limit">Member limit</label>
        <input
          id="team-limit"
          inputMode="numeric"
          value={form.limit}
          aria-invalid={error?.field === "limit"}
          aria-describedby={describedBy("limit") ?? "team-limit-hint"}
          onInput={(e) => {
            edit({ limit: e.currentTarget.value });
          }}
        />
        <p class="muted hint" id="team-limit-hint">
          The most members the team may hold; empty for no limit.
        </p>
        {errorOf("limit")}
      </div>
      {error?.field === null && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          Save
        </button>
        <span class="muted" role="status" data-testid="settings-state">
          {busy ? "Saving…" : dirty ? "Unsaved changes" : saved ? "Saved" : ""}
        </span>
      </div>
    </form>
  );
}
