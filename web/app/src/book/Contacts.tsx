// The team's contact book: a search (typed words go to the server's
// `contacts` query after a pause), tag and custom-field filters, pages
// loaded on demand, and a new contact's form. `/teams/ID/contacts/CID`
// shows one contact's page instead (ContactPage).
//
// Invariants: only the newest search's answer shows (an older one coming
// late is dropped); the list follows the book's events live (live.ts);
// after a gap in the team's stream the search runs again.
import { useEffect, useRef, useState } from "preact/hooks";
import type {
  ContactCard,
  ContactDraft,
  ContactQuery,
  Id,
} from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import { reason } from "../pages/errors";
import type { PageProps } from "../pages/registry";
import { goTo, usePath } from "../route";
import { ContactForm } from "./ContactForm";
import { ContactPage } from "./ContactPage";
import { useContactFields } from "./fields";
import { contactInPath, contactPath, listAfter } from "./live";
import { usePages } from "./pages";
import { randomKey } from "./keys";
import "./book.css";

/** How long typing pauses before the search is sent, in ms. */
const DEBOUNCE_MS = 250;
const PAGE = 50;

export function Contacts({ team }: PageProps) {
  const path = usePath();
  if (team === null) return null;
  const contact = contactInPath(path);
  return contact !== null ? (
    <ContactPage key={contact} team={team.id} contact={contact} />
  ) : (
    <ContactList key={team.id} team={team.id} />
  );
}

interface Filters {
  text: string;
  tag: string;
  field: string;
  value: string;
}

function queryOf(f: Filters): ContactQuery {
  const query: ContactQuery = { limit: PAGE };
  if (f.text.trim() !== "") query.text = f.text.trim();
  if (f.tag.trim() !== "") query.tag = f.tag.trim().toLowerCase();
  if (f.field !== "" && f.value.trim() !== "")
    query.field = { key: f.field, value: f.value.trim() };
  return query;
}

function ContactList({ team }: { team: Id }) {
  const fields = useContactFields(team);
  const [typed, setTyped] = useState<Filters>({
    text: "",
    tag: "",
    field: "",
    value: "",
  });
  const [filters, setFilters] = useState(typed);
  const [creating, setCreating] = useState(false);
  const [stale, setStale] = useState(0);
  const connected = useValue(link).state === "open";
  const newButton = useRef<HTMLButtonElement>(null);
  const query = queryOf(filters);
  const {
    items: contacts,
    setItems: setContacts,
    next,
    loading,
    error,
    load,
  } = usePages<ContactCard>(
    (after) =>
      live()
        .request({ type: "contacts", team, query: { ...query, after } })
        .then((reply) => ({ items: reply.contacts, next: reply.next })),
    JSON.stringify([team, stale, query]),
    connected,
  );
  const whole =
    next === null &&
    query.text === undefined &&
    query.tag === undefined &&
    query.field === undefined;
  const wholeRef = useRef(whole);
  wholeRef.current = whole;

  // Typing settles before it is sent.
  useEffect(() => {
    const timer = setTimeout(() => {
      setFilters(typed);
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [typed]);

  useEffect(
    () =>
      listenTeam(team, (news) => {
        if (news.kind === "reset") setStale((n) => n + 1);
        else if (news.kind === "event") {
          const event = news.frame.event;
          setContacts((list) => listAfter(list, event, wholeRef.current));
        }
      }),
    [team],
  );

  async function create(draft: ContactDraft): Promise<string | null> {
    try {
      const saved = await live().request({
        type: "create_contact",
        team,
        key: randomKey(),
        contact: draft,
      });
      goTo(
        contactPath(team, saved.contact.id) + (saved.merged ? "?merged=1" : ""),
      );
      return null;
    } catch (failure) {
      return reason(failure);
    }
  }

  const edit = (change: Partial<Filters>) => {
    setTyped((f) => ({ ...f, ...change }));
  };
  return (
    <div class="book">
      <div class="book-toolbar" role="search" aria-label="Contacts">
        <div class="field grow">
          <label for="contact-search">Search contacts</label>
          <input
            id="contact-search"
            type="search"
            value={typed.text}
            placeholder="Name, phone or email"
            onInput={(e) => {
              edit({ text: e.currentTarget.value });
            }}
          />
        </div>
        <div class="field">
          <label for="contact-tag">Tag</label>
          <input
            id="contact-tag"
            value={typed.tag}
            onInput={(e) => {
              edit({ tag: e.currentTarget.value });
            }}
          />
        </div>
        {fields.length > 0 && (
          <>
            <div class="field">
              <label for="contact-field">Field</label>
              <select
                id="contact-field"
                value={typed.field}
                onChange={(e) => {
                  edit({ field: e.currentTarget.value });
                }}
              >
                <option value="">Any</option>
                {fields.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.label}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="contact-field-value">Field value</label>
              <input
                id="contact-field-value"
                value={typed.value}
                disabled={typed.field === ""}
                onInput={(e) => {
                  edit({ value: e.currentTarget.value });
                }}
              />
            </div>
          </>
        )}
        <button
          type="button"
          ref={newButton}
          aria-expanded={creating}
          onClick={() => {
            setCreating(true);
          }}
        >
          New contact
        </button>
      </div>
      {creating && (
        <section class="book-panel" aria-labelledby="new-contact-title">
          <h2 id="new-contact-title">New contact</h2>
          <ContactForm
            id="new-contact"
            label="New contact"
            fields={fields}
            initial={null}
            submit="Create contact"
            onSave={create}
            onCancel={() => {
              setCreating(false);
              requestAnimationFrame(() => newButton.current?.focus());
            }}
          />
        </section>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" role="status" data-testid="contacts-state">
        {loading
          ? "Searching…"
          : contacts.length === 0
            ? "No contact matches."
            : `${String(contacts.length)}${next !== null ? "+" : ""} contact(s)`}
      </p>
      <ul class="book-list" aria-label="Contacts found" aria-busy={loading}>
        {contacts.map((c) => (
          <ContactRow key={c.id} team={team} contact={c} />
        ))}
      </ul>
      {next !== null && (
        <button
          type="button"
          class="secondary"
          disabled={loading}
          onClick={() => {
            load(next);
          }}
        >
          Load more
        </button>
      )}
    </div>
  );
}

function ContactRow({ team, contact }: { team: Id; contact: ContactCard }) {
  const path = contactPath(team, contact.id);
  return (
    <li class="book-row" data-testid="contact-row">
      <a
        href={path}
        class="book-title"
        onClick={(event) => {
          if (event.ctrlKey || event.metaKey || event.shiftKey) return;
          event.preventDefault();
          goTo(path);
        }}
      >
        {contact.name}
      </a>
      <span class="muted">
        {[...contact.phones, ...contact.emails].join(" · ")}
      </span>
      {contact.tags.length > 0 && (
        <ul class="tags" aria-label="Tags">
          {contact.tags.map((tag) => (
            <li key={tag} class="tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
