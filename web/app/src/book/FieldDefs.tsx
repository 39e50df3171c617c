// The team's custom contact fields (a Manager's, on the settings page):
// each with its key, label, kind (text, number, date, choice) and, for a
// choice, its options. Save sends `define_contact_fields` with the whole
// list; a refusal shows with the server's reason and the rows stay.
//
// Invariant: an untouched editor follows the team's definitions live (a
// `contact_fields` event); one with edits keeps them.
import { useEffect, useState } from "preact/hooks";
import type { FieldDef, FieldKind, Id } from "switchboard-client";
import { live } from "../live/connection";
import { reason } from "../pages/errors";
import { useContactFields } from "./fields";
import { listOf, textOf } from "./text";
import "./book.css";

interface Row {
  key: string;
  label: string;
  kind: FieldKind;
  options: string;
}

const KINDS: FieldKind[] = ["text", "number", "date", "choice"];

function rowsOf(defs: FieldDef[]): Row[] {
  return defs.map((d) => ({
    key: d.key,
    label: d.label,
    kind: d.kind,
    options: textOf(d.options ?? []),
  }));
}

export function FieldDefs({ team }: { team: Id }) {
  const defs = useContactFields(team);
  const [rows, setRows] = useState<Row[]>([]);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [state, setState] = useState("");

  useEffect(() => {
    if (!dirty) setRows(rowsOf(defs));
  }, [defs]);

  function edit(i: number, change: Partial<Row>) {
    setRows((all) => all.map((r, j) => (j === i ? { ...r, ...change } : r)));
    setDirty(true);
    setState("Unsaved changes");
  }

  function save(event: Event) {
    event.preventDefault();
    setError(null);
    setState("Saving…");
    live()
      .request({
        type: "define_contact_fields",
        team,
        fields: rows.map((r) => ({
          key: r.key.trim(),
          label: r.label.trim(),
          kind: r.kind,
          options: r.kind === "choice" ? listOf(r.options) : [],
        })),
      })
      .then((reply) => {
        setRows(rowsOf(reply.fields));
        setDirty(false);
        setState("Saved");
      })
      .catch((failure: unknown) => {
        setError(reason(failure));
        setState("");
      });
  }

  return (
    <form
      class="book-form field-defs"
      aria-labelledby="field-defs-title"
      onSubmit={save}
    >
      <h2 id="field-defs-title">Contact fields</h2>
      <p class="muted hint">
        The custom fields every contact of the team has, besides name, phones,
        emails, tags and notes.
      </p>
      {rows.map((row, i) => {
        const id = `field-def-${String(i)}`;
        const name = row.label === "" ? `field ${String(i + 1)}` : row.label;
        return (
          <fieldset key={i} class="book-panel" data-testid="field-def">
            <legend>{name}</legend>
            <div class="field">
              <label for={`${id}-key`}>Key</label>
              <input
                id={`${id}-key`}
                value={row.key}
                onInput={(e) => {
                  edit(i, { key: e.currentTarget.value });
                }}
              />
            </div>
            <div class="field">
              <label for={`${id}-label`}>Label</label>
              <input
                id={`${id}-label`}
                value={row.label}
                onInput={(e) => {
                  edit(i, { label: e.currentTarget.value });
                }}
              />
            </div>
            <div class="field">
              <label for={`${id}-kind`}>Kind</label>
              <select
                id={`${id}-kind`}
                value={row.kind}
                onChange={(e) => {
                  edit(i, { kind: e.currentTarget.value as FieldKind });
                }}
              >
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
            {row.kind === "choice" && (
              <div class="field">
                <label for={`${id}-options`}>Options (comma-separated)</label>
                <input
                  id={`${id}-options`}
                  value={row.options}
                  onInput={(e) => {
                    edit(i, { options: e.currentTarget.value });
                  }}
                />
              </div>
            )}
            <button
              type="button"
              class="secondary"
              aria-label={`Remove ${name}`}
              onClick={() => {
                setRows((all) => all.filter((_, j) => j !== i));
                setDirty(true);
                setState("Unsaved changes");
              }}
            >
              Remove
            </button>
          </fieldset>
        );
      })}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setRows((all) => [
              ...all,
              { key: "", label: "", kind: "text", options: "" },
            ]);
            setDirty(true);
            setState("Unsaved changes");
            requestAnimationFrame(() =>
              document
                .getElementById(`field-def-${String(rows.length)}-key`)
                ?.focus(),
            );
          }}
        >
          Add a field
        </button>
        <button type="submit">Save fields</button>
        <span class="muted" role="status" data-testid="field-defs-state">
          {state}
        </span>
      </div>
    </form>
  );
}
