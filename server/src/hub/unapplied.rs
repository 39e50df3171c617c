//! The contact-book writes this hub appended that the store may not show
//! yet, so that the next write's checks see them.
//!
//! The embedded log writes the store as it appends, but a cluster's
//! projection applies a team's write only once its message is
//! acknowledged: two creates with one phone sent back to back would both
//! find the phone free in the store and make two contacts. The hub, the
//! team's only writer, keeps what it appended here until the log says it
//! is committed (and so applied), and reads the book through this first.
//!
//! Invariants:
//! - An entry stays until a ticket at or past its own is committed, then
//!   the store holds it; a refused append leaves no entry, and entries
//!   whose appends will never commit (a reign lost) are dropped with them.
//! - Bounded by what waits for its commit (`pending`, itself bounded).
//! - Lookups give the newest state: the newest entry that speaks of a
//!   contact, a value or the fields wins over older ones and the store.

use crate::store::{BookChange, ContactRecord, ConversationRecord, Entry};
use std::collections::VecDeque;
use switchboard_protocol::contacts::FieldDef;
use switchboard_protocol::ids::{ContactId, ConversationId};

/// Book writes appended, not yet known committed, oldest first.
#[derive(Default)]
pub(super) struct Unapplied {
    writes: VecDeque<(u64, BookChange)>,
}

impl Unapplied {
    /// Keeps what `entry`, appended under `ticket`, changes in the book.
    pub(super) fn appended(&mut self, ticket: u64, entry: &Entry<'_>) {
        let change = match entry {
            Entry::ContactBook { change, .. } | Entry::ContactsImported { change, .. } => {
                BookChange {
                    put: change.put.clone(),
                    remove: change.remove.clone(),
                    moved: change.moved.clone(),
                    fields: change.fields.clone(),
                    log: Vec::new(),
                }
            }
            Entry::ConversationStarted {
                contact,
                conversation,
            } => BookChange {
                put: vec![(*contact).clone()],
                moved: vec![(*conversation).clone()],
                ..BookChange::default()
            },
            _ => return,
        };
        self.writes.push_back((ticket, change));
    }

    /// Forgets what is committed up to `ticket`: the store shows it.
    pub(super) fn committed(&mut self, ticket: u64) {
        while self.writes.front().is_some_and(|(t, _)| *t <= ticket) {
            self.writes.pop_front();
        }
    }

    /// Forgets everything: none of it will be committed.
    pub(super) fn abandoned(&mut self) {
        self.writes.clear();
    }

    /// A contact's newest state here: `Some(None)` if removed, `None` if
    /// no write here speaks of it.
    pub(super) fn contact(&self, id: ContactId) -> Option<Option<&ContactRecord>> {
        self.writes.iter().rev().find_map(|(_, change)| {
            if change.remove.contains(&id) {
                return Some(None);
            }
            change.put.iter().find(|c| c.id == id).map(Some)
        })
    }

    /// The owner of a normalised phone or email, given `stored`, the
    /// store's answer.
    pub(super) fn owner(&self, value: &str, stored: Option<ContactId>) -> Option<ContactId> {
        let claimed = self
            .writes
            .iter()
            .rev()
            .find_map(|(_, change)| change.put.iter().find(|c| holds(c, value)).map(|c| c.id));
        let candidate = claimed.or(stored)?;
        match self.contact(candidate) {
            // Its newest state here let the value go, or it went.
            Some(None) => None,
            Some(Some(contact)) if !holds(contact, value) => None,
            _ => Some(candidate),
        }
    }

    /// The team's fields, if a write here replaced them.
    pub(super) fn fields(&self) -> Option<&Vec<FieldDef>> {
        self.writes
            .iter()
            .rev()
            .find_map(|(_, change)| change.fields.as_ref())
    }

    /// A contact's conversations, given `stored`, the store's list: those
    /// moved away here left out, those started or moved to it here added.
    pub(super) fn conversations(
        &self,
        contact: ContactId,
        mut stored: Vec<ConversationId>,
    ) -> Vec<ConversationId> {
        for (_, change) in &self.writes {
            for conversation in &change.moved {
                let listed = stored.contains(&conversation.id);
                if conversation.contact == contact && !listed {
                    stored.push(conversation.id);
                } else if conversation.contact != contact && listed {
                    stored.retain(|c| *c != conversation.id);
                }
            }
        }
        stored
    }

    /// The newest state of a conversation moved or started here.
    pub(super) fn conversation(&self, id: ConversationId) -> Option<&ConversationRecord> {
        self.writes
            .iter()
            .rev()
            .find_map(|(_, change)| change.moved.iter().find(|c| c.id == id))
    }
}

/// Whether a contact holds a normalised phone or email.
fn holds(contact: &ContactRecord, value: &str) -> bool {
    contact
        .phones
        .iter()
        .chain(&contact.emails)
        .any(|v| v == value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::ids::{Millis, TeamId};

    fn contact(id: u64, phone: &str) -> ContactRecord {
        ContactRecord::new(
            ContactId(id),
            TeamId(1),
            format!("Contact {id}"),
            None,
            Some(phone.to_string()),
            Millis(0),
        )
    }

    fn book(put: Vec<ContactRecord>, remove: Vec<ContactId>) -> BookChange {
        BookChange {
            put,
            remove,
            ..BookChange::default()
        }
    }

    fn append(unapplied: &mut Unapplied, ticket: u64, change: &BookChange) {
        let entry = Entry::ContactBook {
            change,
            receipt: None,
        };
        unapplied.appended(ticket, &entry);
    }

    #[test]
    fn a_phone_claimed_by_an_uncommitted_write_is_taken_until_the_store_shows_it() {
        let mut unapplied = Unapplied::default();
        assert_eq!(unapplied.owner("+14155550100", None), None);
        append(
            &mut unapplied,
            1,
            &book(vec![contact(5, "+14155550100")], vec![]),
        );
        assert_eq!(unapplied.owner("+14155550100", None), Some(ContactId(5)));
        assert_eq!(
            unapplied.contact(ContactId(5)).flatten().map(|c| c.id),
            Some(ContactId(5))
        );
        unapplied.committed(1);
        assert_eq!(
            unapplied.owner("+14155550100", None),
            None,
            "the store answers now"
        );
        assert!(unapplied.contact(ContactId(5)).is_none());
    }

    #[test]
    fn a_value_let_go_or_a_contact_removed_frees_what_the_store_still_holds() {
        let mut unapplied = Unapplied::default();
        let stored = Some(ContactId(5));
        let mut edited = contact(5, "+14155550199");
        edited.phones = vec!["+14155550199".into()];
        append(&mut unapplied, 1, &book(vec![edited], vec![]));
        assert_eq!(unapplied.owner("+14155550100", stored), None);
        assert_eq!(unapplied.owner("+14155550199", None), Some(ContactId(5)));
        append(&mut unapplied, 2, &book(vec![], vec![ContactId(5)]));
        assert_eq!(unapplied.owner("+14155550199", None), None);
        assert_eq!(unapplied.contact(ContactId(5)), Some(None));
        unapplied.abandoned();
        assert_eq!(unapplied.owner("+14155550100", stored), stored);
    }

    #[test]
    fn conversations_moved_or_started_here_are_listed_under_their_new_contact() {
        let mut unapplied = Unapplied::default();
        let mut moved =
            ConversationRecord::new(ConversationId(9), TeamId(1), ContactId(6), Millis(0));
        let change = BookChange {
            moved: vec![moved.clone()],
            ..BookChange::default()
        };
        append(&mut unapplied, 1, &change);
        assert_eq!(
            unapplied.conversations(ContactId(6), vec![ConversationId(3)]),
            vec![ConversationId(3), ConversationId(9)]
        );
        assert_eq!(
            unapplied.conversations(ContactId(5), vec![ConversationId(9)]),
            Vec::<ConversationId>::new()
        );
        moved.contact = ContactId(7);
        let started = contact(7, "+14155550123");
        unapplied.appended(
            2,
            &Entry::ConversationStarted {
                contact: &started,
                conversation: &moved,
            },
        );
        assert_eq!(
            unapplied.conversations(ContactId(6), vec![]),
            Vec::<ConversationId>::new()
        );
        assert_eq!(
            unapplied.conversations(ContactId(7), vec![]),
            vec![ConversationId(9)]
        );
        assert_eq!(
            unapplied.conversation(ConversationId(9)).map(|c| c.contact),
            Some(ContactId(7))
        );
    }
}
