// A contact's form, for a new contact and for editing one: name, phones,
// emails and tags (comma-separated), the team's custom fields (an input
// by kind: text, number, date, a choice's list) and notes.
//
// Invariant: a refusal (a bad phone, a phone of another contact) shows in
// the form with the server's reason and nothing typed is lost; the form
// closes only once the server stored the contact.
import { useState } from "preact/hooks";
import type { ContactCard, ContactDraft, FieldDef } from "switchboard-client";
import { listOf, textOf } from "./text";

interface Props {
  /** Prefixes the inputs' ids: two forms may be in the page. */
  id: string;
  label: string;
  fields: FieldDef[];
  /** The contact being edited; null for a new one. */
  initial: ContactCard | null;
  submit: string;
  /** Resolves to the server's reason when refused, null once stored. */
  onSave: (draft: Required<ContactDraft>) => Promise<string | null>;
  onCancel: () => void;
}

interface Form {
  name: string;
  phones: string;
  emails: string;
  tags: string;
  fields: Record<string, string>;
  notes: string;
}

function formOf(contact: ContactCard | null): Form {
  return {
    name: contact?.name ?? "",
    phones: textOf(contact?.phones ?? []),
    emails: textOf(contact?.emails ?? []),
    tags: textOf(contact?.tags ?? []),
    fields: { ...(contact?.fields ?? {}) },
    notes: contact?.notes ?? "",
  };
}

export function ContactForm(props: Props) {
  const [form, setForm] = useState(() => formOf(props.initial));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const p = props.id;

  function edit(change: Partial<Form>) {
    setForm((f) => ({ ...f, ...change }));
  }

  function save(event: Event) {
    event.preventDefault();
    if (form.name.trim() === "") {
      setError("A contact needs a name.");
      return;
    }
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(form.fields)) {
      if (value.trim() !== "") fields[key] = value.trim();
    }
    setBusy(true);
    setError(null);
    void props
      .onSave({
        name: form.name.trim(),
        phones: listOf(form.phones),
        emails: listOf(form.emails),
        tags: listOf(form.tags),
        fields,
        notes: form.notes,
      })
      .then((refused) => {
        setBusy(false);
        setError(refused);
      });
  }

  const described = error !== null ? `${p}-error` : undefined;
  return (
    <form
      class="book-form"
      aria-label={props.label}
      onSubmit={save}
      noValidate
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          props.onCancel();
        }
      }}
    >
      <div class="field">
        <label for={`${p}-name`}>Name</label>
        <input
          id={`${p}-name`}
          value={form.name}
          required
          maxLength={200}
          aria-describedby={described}
          onInput={(e) => {
            edit({ name: e.currentTarget.value });
          }}
        />
      </div>
      <div class="field">
        <label for={`${p}-phones`}>Phones</label>
        <input
          id={`${p}-phones`}
          type="tel"
          value={form.phones}
          aria-describedby={`${p}-list-hint`}
          onInput={(e) => {
            edit({ phones: e.currentTarget.value });
          }}
        />
      </div>
      <div class="field">
        <label for={`${p}-emails`}>Emails</label>
        <input
          id={`${p}-emails`}
          value={form.emails}
          aria-describedby={`${p}-list-hint`}
          onInput={(e) => {
            edit({ emails: e.currentTarget.value });
          }}
        />
      </div>
      <div class="field">
        <label for={`${p}-tags`}>Tags</label>
        <input
          id={`${p}-tags`}
          value={form.tags}
          aria-describedby={`${p}-list-hint`}
          onInput={(e) => {
            edit({ tags: e.currentTarget.value });
          }}
        />
      </div>
      <p class="muted hint" id={`${p}-list-hint`}>
        Several phones, emails or tags: separate them with commas.
      </p>
      {props.fields.map((def) => (
        <CustomField
          key={def.key}
          id={`${p}-field-${def.key}`}
          def={def}
          value={form.fields[def.key] ?? ""}
          onInput={(value) => {
            edit({ fields: { ...form.fields, [def.key]: value } });
          }}
        />
      ))}
      <div class="field">
        <label for={`${p}-notes`}>Notes</label>
        <textarea
          id={`${p}-notes`}
          rows={3}
          value={form.notes}
          onInput={(e) => {
            edit({ notes: e.currentTarget.value });
          }}
        />
      </div>
      {error !== null && (
        <p class="error" id={`${p}-error`} role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {props.submit}
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function CustomField({
  id,
  def,
  value,
  onInput,
}: {
  id: string;
  def: FieldDef;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{def.label}</label>
      {def.kind === "choice" ? (
        <select
          id={id}
          value={value}
          onChange={(e) => {
            onInput(e.currentTarget.value);
          }}
        >
          <option value="">—</option>
          {(def.options ?? []).map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type={def.kind === "date" ? "date" : "text"}
          inputMode={def.kind === "number" ? "decimal" : undefined}
          value={value}
          onInput={(e) => {
            onInput(e.currentTarget.value);
          }}
        />
      )}
    </div>
  );
}
