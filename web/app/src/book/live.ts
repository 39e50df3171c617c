// How the book's events change what a screen holds: a list of contacts
// (a page of a search) and one contact. Pure functions, so the screens
// only pick which to call.
//
// Invariant: a list never shows a contact twice nor one that is gone (a
// merge's `from`, a deleted one); a changed contact replaces its row in
// place; a new contact is added only to a list holding the whole book
// (no search, no more pages), as elsewhere it may not match.
import type { ContactCard, Event, Id } from "switchboard-client";

/** The list after a book event; the same list when the event is not about it. */
export function listAfter(
  list: ContactCard[],
  event: Event,
  whole: boolean,
): ContactCard[] {
  switch (event.type) {
    case "contact_changed":
      return upsert(list, event.contact, whole);
    case "contacts_merged":
      return upsert(
        list.filter((c) => c.id !== event.from),
        event.into,
        whole,
      );
    case "contact_deleted":
      return list.filter((c) => c.id !== event.contact);
    default:
      return list;
  }
}

function upsert(
  list: ContactCard[],
  contact: ContactCard,
  whole: boolean,
): ContactCard[] {
  if (list.some((c) => c.id === contact.id))
    return list.map((c) => (c.id === contact.id ? contact : c));
  if (!whole) return list;
  return [...list, contact].sort((a, b) => a.id - b.id);
}

/** What became of one contact after an event about the book. */
export type ContactNews =
  | { kind: "changed"; contact: ContactCard; conversations: Id[] }
  | { kind: "merged_into"; into: ContactCard }
  | { kind: "deleted" }
  | null;

/** The news of `contact` in `event`, if it is about it. */
export function newsOf(contact: Id, event: Event): ContactNews {
  switch (event.type) {
    case "contact_changed":
      return event.contact.id === contact
        ? {
            kind: "changed",
            contact: event.contact,
            conversations: event.conversations,
          }
        : null;
    case "contacts_merged":
      if (event.into.id === contact)
        return {
          kind: "changed",
          contact: event.into,
          conversations: event.conversations,
        };
      return event.from === contact
        ? { kind: "merged_into", into: event.into }
        : null;
    case "contact_deleted":
      return event.contact === contact ? { kind: "deleted" } : null;
    default:
      return null;
  }
}

/** The address of a contact's page. */
export function contactPath(team: Id, contact: Id): string {
  return `/teams/${String(team)}/contacts/${String(contact)}`;
}

/** The contact id in a contacts page's address, if it has one. */
export function contactInPath(path: string): Id | null {
  const match = /^\/teams\/\d+\/contacts\/(\d+)\/?$/.exec(path);
  const id = match === null ? NaN : Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
