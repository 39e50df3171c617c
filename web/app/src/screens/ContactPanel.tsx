// The panel beside a conversation: its contact's name, email and phone,
// each editable in place (`update_contact`). Enter saves, Escape cancels;
// focus goes back to the field's Edit button either way.
//
// Invariants: the server decides who may edit. Everyone gets the Edit
// buttons; a `forbidden` answer shows its reason and turns the panel
// read-only, and a refused value (`bad_request`) stays in its field with
// the server's reason beside it, so nothing typed is lost and nothing
// changes. What is shown is the contact as stored: read with the
// `conversation` request (allowed to whoever may read the conversation, a
// Restricted Member let into it included), then kept live by
// `contact_updated` events (an edit by anyone, this panel's included), by
// the book's `contact_changed` and `contacts_merged` (an edit on the
// contact's page, a merge that moved this conversation) and read again
// after a gap.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  RequestError,
  type ContactCard,
  type ContactInfo,
  type ContactUpdated,
  type Id,
} from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";

type Field = "name" | "email" | "phone";

const FIELDS: { field: Field; label: string; type: string }[] = [
  { field: "name", label: "Name", type: "text" },
  { field: "email", label: "Email", type: "email" },
  { field: "phone", label: "Phone", type: "tel" },
];

interface Props {
  team: Id;
  conversation: Id;
}

export function ContactPanel({ team, conversation }: Props) {
  const [contact, setContact] = useState<ContactInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  /** Why this user may not edit, once the server said so. */
  const [readOnly, setReadOnly] = useState<string | null>(null);
  const [stale, setStale] = useState(0);
  const connected = useValue(link).state === "open";
  const readOnlyNote = useRef<HTMLParagraphElement>(null);

  // The Edit button that had the focus is gone: the reason takes it.
  useLayoutEffect(() => {
    if (readOnly !== null) readOnlyNote.current?.focus();
  }, [readOnly]);

  useEffect(() => {
    return listenTeam(team, (news) => {
      if (news.kind === "reset") {
        setStale((n) => n + 1);
        return;
      }
      if (news.kind !== "event") return;
      const event = news.frame.event;
      if (
        event.type === "contact_updated" &&
        event.conversation === conversation
      )
        setContact(contactOf(event));
      else if (
        event.type === "contact_changed" &&
        event.conversations.includes(conversation)
      )
        setContact(infoOf(event.contact));
      else if (
        event.type === "contacts_merged" &&
        event.conversations.includes(conversation)
      )
        setContact(infoOf(event.into));
    });
  }, [team, conversation]);

  useEffect(() => {
    if (!connected) return;
    let current = true;
    live()
      .request({ type: "conversation", conversation })
      .then((details) => {
        if (!current) return;
        setContact(details.conversation.contact);
        setProblem(null);
      })
      .catch((failure: unknown) => {
        if (current) setProblem(reasonOf(failure));
      });
    return () => {
      current = false;
    };
  }, [team, conversation, connected, stale]);

  async function save(field: Field, value: string): Promise<string | null> {
    try {
      const stored = await live().request({
        type: "update_contact",
        conversation,
        [field]: value.trim(),
      });
      setContact(contactOf(stored));
      return null;
    } catch (failure) {
      if (failure instanceof RequestError && failure.code === "forbidden") {
        setReadOnly(reasonOf(failure));
        return null;
      }
      return reasonOf(failure);
    }
  }

  return (
    <aside
      class="contact-panel"
      aria-label="Contact"
      data-testid="contact-panel"
    >
      <h2 class="label">Contact</h2>
      {problem !== null && (
        <p class="muted" role="status">
          {problem}
        </p>
      )}
      {readOnly !== null && (
        <p
          class="muted"
          role="status"
          tabIndex={-1}
          ref={readOnlyNote}
          data-testid="contact-read-only"
        >
          You may not edit this contact: {readOnly}
        </p>
      )}
      {contact !== null && (
        <dl class="contact-fields">
          {FIELDS.map((f) => (
            <EditableField
              key={f.field}
              id={`contact-${f.field}`}
              label={f.label}
              type={f.type}
              value={contact[f.field] ?? ""}
              editable={readOnly === null}
              onSave={(value) => save(f.field, value)}
            />
          ))}
        </dl>
      )}
    </aside>
  );
}

interface FieldProps {
  id: string;
  label: string;
  type: string;
  value: string;
  editable: boolean;
  /** Resolves to the server's reason when refused, or null once stored. */
  onSave: (value: string) => Promise<string | null>;
}

function EditableField({
  id,
  label,
  type,
  value,
  editable,
  onSave,
}: FieldProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const editing = draft !== null && editable;

  useLayoutEffect(() => {
    if (editing) input.current?.focus();
  }, [editing]);

  function close() {
    setDraft(null);
    setError(null);
    // After the button is back in the page.
    requestAnimationFrame(() => editButton.current?.focus());
  }

  async function submit() {
    if (draft === null || saving) return;
    if (draft.trim() === value) {
      close();
      return;
    }
    setSaving(true);
    const refused = await onSave(draft);
    setSaving(false);
    if (refused === null) close();
    else setError(refused);
  }

  const errorId = `${id}-error`;
  return (
    <div class="contact-field" data-testid={id}>
      <dt id={`${id}-label`}>{label}</dt>
      <dd>
        {editing ? (
          <form
            class="contact-edit"
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <input
              id={id}
              ref={input}
              type={type}
              aria-labelledby={`${id}-label`}
              value={draft}
              maxLength={200}
              disabled={saving}
              aria-invalid={error !== null}
              aria-describedby={error !== null ? errorId : undefined}
              onInput={(e) => {
                setDraft(e.currentTarget.value);
              }}
              onKeyDown={(e) => {
                if (e.key === "Escape") {
                  e.preventDefault();
                  e.stopPropagation();
                  close();
                }
              }}
            />
            <button type="submit" disabled={saving}>
              Save
            </button>
            <button type="button" class="secondary" onClick={close}>
              Cancel
            </button>
            {error !== null && (
              <p class="error field-error" id={errorId} role="alert">
                {error}
              </p>
            )}
          </form>
        ) : (
          <span class="contact-value">
            <span
              class={value === "" ? "muted" : undefined}
              data-testid={`${id}-value`}
            >
              {value === "" ? "—" : value}
            </span>
            {editable && (
              <button
                type="button"
                class="secondary edit"
                ref={editButton}
                aria-label={`Edit ${label.toLowerCase()}`}
                onClick={() => {
                  setDraft(value);
                }}
              >
                Edit
              </button>
            )}
          </span>
        )}
      </dd>
    </div>
  );
}

function contactOf(updated: ContactUpdated): ContactInfo {
  return {
    id: updated.contact,
    name: updated.name,
    email: updated.email,
    phone: updated.phone,
  };
}

/** A book's contact as a conversation shows it: its first email and phone. */
function infoOf(card: ContactCard): ContactInfo {
  return {
    id: card.id,
    name: card.name,
    email: card.emails[0] ?? null,
    phone: card.phones[0] ?? null,
  };
}

/** The server's reason, without the code in front of it. */
function reasonOf(failure: unknown): string {
  if (failure instanceof RequestError)
    return failure.message.replace(`${failure.code}: `, "");
  return failure instanceof Error ? failure.message : String(failure);
}
