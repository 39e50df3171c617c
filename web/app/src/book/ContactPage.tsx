// One contact's page: its details, its conversations (each opens in the
// inbox), editing, deleting and merging with another contact.
//
// Invariants: what shows is the contact as stored (the `contact` request),
// then as the book's events say (an edit anywhere, a merge into it); when
// it is merged into another or deleted elsewhere, the page says so instead
// of showing a contact that is gone. An edit refused (a phone of another
// contact) keeps the form open with the reason, and offers to merge the
// two instead (the merge dialog, searching for that phone).
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type {
  ContactCard,
  ContactDraft,
  ContactPatch,
  ConversationInfo,
  FieldDef,
  Id,
} from "switchboard-client";
import { RequestError } from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import { Confirm } from "../pages/Confirm";
import { reason } from "../pages/errors";
import { AppLink, goTo } from "../route";
import { ContactForm } from "./ContactForm";
import { useContactFields } from "./fields";
import { randomKey } from "./keys";
import { contactPath, newsOf } from "./live";
import { MergeDialog } from "./MergeDialog";
import { openConversation } from "./open";
import { sameList } from "./text";

interface Props {
  team: Id;
  contact: Id;
}

type Gone = { kind: "deleted" } | { kind: "merged_into"; into: ContactCard };

export function ContactPage({ team, contact: id }: Props) {
  const fields = useContactFields(team);
  const [contact, setContact] = useState<ContactCard | null>(null);
  const [conversations, setConversations] = useState<ConversationInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [gone, setGone] = useState<Gone | null>(null);
  const [editing, setEditing] = useState(false);
  const [dialog, setDialog] = useState<"merge" | "delete" | null>(null);
  /** A phone or email an edit was refused for: another contact has it. */
  const [taken, setTaken] = useState<string | null>(null);
  const [stale, setStale] = useState(0);
  const connected = useValue(link).state === "open";
  const heading = useRef<HTMLHeadingElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const mergeButton = useRef<HTMLButtonElement>(null);
  /** The ids of the conversations shown, to notice when a merge moved some in. */
  const shown = useRef<string[]>([]);
  shown.current = conversations.map((c) => String(c.id));
  const merged = new URLSearchParams(location.search).has("merged");

  useEffect(
    () =>
      listenTeam(team, (news) => {
        if (news.kind === "reset") {
          setStale((n) => n + 1);
          return;
        }
        if (news.kind !== "event") return;
        const about = newsOf(id, news.frame.event);
        if (about === null) return;
        if (about.kind === "changed") {
          setContact(about.contact);
          // Conversations moved in (a merge): read them again.
          const now = about.conversations.map(String);
          if (!sameList(shown.current, now)) setStale((n) => n + 1);
        } else setGone(about);
      }),
    [team, id],
  );

  useEffect(() => {
    if (!connected) return;
    let current = true;
    live()
      .request({ type: "contact", team, contact: id })
      .then((page) => {
        if (!current) return;
        setContact(page.contact);
        setConversations(page.conversations);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (current) setError(reason(failure));
      });
    return () => {
      current = false;
    };
  }, [team, id, connected, stale]);

  const loaded = contact !== null;
  useLayoutEffect(() => {
    if (loaded) heading.current?.focus();
  }, [loaded]);

  async function save(draft: Required<ContactDraft>): Promise<string | null> {
    if (contact === null) return null;
    try {
      const saved = await live().request({
        type: "edit_contact",
        team,
        contact: id,
        key: randomKey(),
        changes: patchOf(contact, draft),
      });
      setContact(saved.contact);
      setEditing(false);
      setTaken(null);
      requestAnimationFrame(() => editButton.current?.focus());
      return null;
    } catch (failure) {
      setTaken(takenOf(failure));
      return reason(failure);
    }
  }

  if (gone !== null)
    return (
      <section class="book" aria-label="Contact">
        <p role="status" data-testid="contact-gone">
          {gone.kind === "deleted"
            ? "This contact was deleted."
            : `This contact was merged into ${gone.into.name}.`}
        </p>
        {gone.kind === "merged_into" && (
          <AppLink path={contactPath(team, gone.into.id)}>
            {`Open ${gone.into.name}`}
          </AppLink>
        )}{" "}
        <AppLink path={`/teams/${String(team)}/contacts`}>All contacts</AppLink>
      </section>
    );

  return (
    <section class="book contact-page" aria-labelledby="contact-title">
      <AppLink path={`/teams/${String(team)}/contacts`}>All contacts</AppLink>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {contact !== null && (
        <>
          <h2 id="contact-title" ref={heading} tabIndex={-1}>
            {contact.name}
          </h2>
          {merged && (
            <p class="muted" role="status" data-testid="contact-merged-notice">
              A contact with this phone or email existed: the details were
              merged into it.
            </p>
          )}
          {editing ? (
            <ContactForm
              id="edit-contact"
              label="Edit contact"
              fields={fields}
              initial={contact}
              submit="Save contact"
              onSave={save}
              onCancel={() => {
                setEditing(false);
                setTaken(null);
                requestAnimationFrame(() => editButton.current?.focus());
              }}
            />
          ) : (
            <Details contact={contact} fields={fields} />
          )}
          {editing && taken !== null && (
            <p class="actions">
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  setDialog("merge");
                }}
              >
                Merge with the contact that has {taken}…
              </button>
            </p>
          )}
          <div class="actions">
            {!editing && (
              <button
                type="button"
                ref={editButton}
                onClick={() => {
                  setEditing(true);
                }}
              >
                Edit contact
              </button>
            )}
            <button
              type="button"
              class="secondary"
              ref={mergeButton}
              onClick={() => {
                setDialog("merge");
              }}
            >
              Merge with…
            </button>
            <button
              type="button"
              class="danger"
              id="delete-contact"
              onClick={() => {
                setDialog("delete");
              }}
            >
              Delete contact
            </button>
          </div>
          <h3>Conversations</h3>
          {conversations.length === 0 ? (
            <p class="muted">No conversation yet.</p>
          ) : (
            <ul class="book-list" aria-label="Conversations of this contact">
              {conversations.map((c) => (
                <li
                  key={c.id}
                  class="book-row"
                  data-testid="contact-conversation"
                >
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => {
                      openConversation(c.id);
                    }}
                  >
                    Open conversation {String(c.id)}
                  </button>
                  <span class="muted">
                    {c.status} · started{" "}
                    {new Date(c.created_at).toLocaleDateString()}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {dialog === "merge" && (
            <MergeDialog
              team={team}
              into={contact}
              search={editing ? (taken ?? "") : ""}
              onClose={() => {
                setDialog(null);
                requestAnimationFrame(() => mergeButton.current?.focus());
              }}
              onMerged={(into) => {
                setContact(into);
                setTaken(null);
                setStale((n) => n + 1);
              }}
            />
          )}
          {dialog === "delete" && (
            <Confirm
              title={`Delete ${contact.name}?`}
              action="Delete contact"
              fallback="contact-search"
              onClose={() => {
                setDialog(null);
              }}
              onConfirm={async () => {
                await live().request({
                  type: "delete_contact",
                  team,
                  contact: id,
                });
                goTo(`/teams/${String(team)}/contacts`);
              }}
            >
              The contact leaves the book for everyone in the team. A contact
              with conversations cannot be deleted: merge it instead.
            </Confirm>
          )}
        </>
      )}
    </section>
  );
}

function Details({
  contact,
  fields,
}: {
  contact: ContactCard;
  fields: FieldDef[];
}) {
  const rows: [string, string, string][] = [
    ["phones", "Phones", contact.phones.join(", ")],
    ["emails", "Emails", contact.emails.join(", ")],
    ["tags", "Tags", contact.tags.join(", ")],
    ...fields.map((f): [string, string, string] => [
      `field-${f.key}`,
      f.label,
      contact.fields[f.key] ?? "",
    ]),
    ["notes", "Notes", contact.notes],
  ];
  return (
    <dl class="contact-details">
      {rows.map(([key, label, value]) => (
        <div key={key} class="contact-field" data-testid={`contact-${key}`}>
          <dt>{label}</dt>
          <dd class={value === "" ? "muted" : undefined}>
            {value === "" ? "—" : value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The phone or email of a `conflict` refusal (another contact has it),
 * as the server names it first in its message; null for another refusal.
 */
function takenOf(failure: unknown): string | null {
  if (!(failure instanceof RequestError) || failure.code !== "conflict")
    return null;
  const match = /^(.+?) belongs to another contact/.exec(reason(failure));
  return match?.[1] ?? null;
}

/** The members of a draft that differ from the contact as stored. */
function patchOf(
  contact: ContactCard,
  draft: Required<ContactDraft>,
): ContactPatch {
  const patch: ContactPatch = {};
  if (draft.name !== contact.name) patch.name = draft.name;
  if (!sameList(draft.phones, contact.phones)) patch.phones = draft.phones;
  if (!sameList(draft.emails, contact.emails)) patch.emails = draft.emails;
  if (!sameList(draft.tags, contact.tags)) patch.tags = draft.tags;
  if (JSON.stringify(draft.fields) !== JSON.stringify(contact.fields))
    patch.fields = draft.fields;
  if (draft.notes !== contact.notes) patch.notes = draft.notes;
  return patch;
}
