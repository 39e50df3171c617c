//! The hub's contact-book writes: create (merging into a duplicate),
//! edit, delete, merge and the team's field definitions. Each is one
//! `Entry::ContactBook` appended through the hub's write path (`append`),
//! holding the contacts as they now are, the conversations moved, the
//! event logged whole and the request's receipt when it was sent with a
//! key; the answer and the event follow the commit.
//!
//! Invariants, kept here because the hub is the team's only writer:
//! - Within a team, a normalised phone or email belongs to one contact at
//!   most. A create holding one already taken merges into its owner
//!   (`merged: true`); an edit adding one refuses with `conflict`; a merge
//!   leaves out what a third contact holds.
//! - A contact with conversations is never deleted (the history keeps its
//!   contact): only merged into another, whose conversations then list
//!   both histories.
//! - A keyed write is done once: a retry with its key is answered with the
//!   first answer (see `answer_retry`).
//! - Every event names the contact's conversations, its audience.

use super::actor::Hub;
use super::append::Answer;
use super::ReplyTo;
use crate::contacts::{check_fields, merge, MergeSource};
use crate::store::{BookChange, ContactRecord, Entry, LogRecord, Receipt, StoreError};
use crate::time::now;
use serde::{Deserialize, Serialize};
use switchboard_protocol::contacts::{
    ContactChanged, ContactDeleted, ContactDraft, ContactFields, ContactPatch, ContactSaved,
    ContactsMerged, FieldDef,
};
use switchboard_protocol::ids::{ContactId, ConversationId, UserId};
use switchboard_protocol::server::{Event, Reply};
use switchboard_protocol::ErrorCode;

/// A contact-book write, as the session checked and normalised it.
#[derive(Serialize, Deserialize)]
pub(crate) enum BookOp {
    /// Add a contact, or merge it into the one holding its phone or email.
    Create {
        by: UserId,
        key: Option<String>,
        draft: ContactDraft,
    },
    /// Change a contact.
    Edit {
        by: UserId,
        contact: ContactId,
        key: Option<String>,
        patch: ContactPatch,
        /// Whether the caller reads the whole book (see `conflict`).
        book: bool,
    },
    /// Delete a contact without conversations.
    Delete { contact: ContactId },
    /// Merge `from` into `into`.
    Merge {
        by: UserId,
        into: ContactId,
        from: ContactId,
        key: Option<String>,
    },
    /// Replace the team's custom fields (checked by the session).
    DefineFields { fields: Vec<FieldDef> },
}

/// What a write appends and answers.
struct Write {
    change: BookChange,
    events: Vec<Event>,
    reply: Reply,
    failure: &'static str,
}

/// The log record of a book event.
pub(super) fn record_of(event: &Event) -> LogRecord {
    match event.clone() {
        Event::ContactChanged(c) => LogRecord::ContactChanged(c),
        Event::ContactDeleted(d) => LogRecord::ContactDeleted(d),
        Event::ContactsMerged(m) => LogRecord::ContactsMerged(m),
        Event::ContactFields(f) => LogRecord::ContactFields(f),
        Event::ContactUpdated(u) => LogRecord::ContactUpdated(u),
        other => unreachable!("not a contact-book event: {other:?}"),
    }
}

impl Hub<'_> {
    pub(super) fn book(&mut self, to: ReplyTo, op: BookOp) -> Result<(), StoreError> {
        let (by, key) = match &op {
            BookOp::Create { by, key, .. }
            | BookOp::Edit { by, key, .. }
            | BookOp::Merge { by, key, .. } => (Some(*by), key.clone()),
            BookOp::Delete { .. } | BookOp::DefineFields { .. } => (None, None),
        };
        if let Some(by) = by {
            if self.answer_retry(&to, by, key.as_deref())? {
                return Ok(());
            }
        }
        let write = match op {
            BookOp::Create { draft, .. } => self.create_contact(draft)?,
            BookOp::Edit {
                contact,
                patch,
                book,
                ..
            } => self.edit_contact(contact, patch, book)?,
            BookOp::Delete { contact } => self.delete_contact(contact)?,
            BookOp::Merge { into, from, .. } => self.merge_contacts(into, from)?,
            BookOp::DefineFields { fields } => Ok(Write {
                change: BookChange {
                    fields: Some(fields.clone()),
                    ..BookChange::default()
                },
                events: vec![Event::ContactFields(ContactFields {
                    fields: fields.clone(),
                })],
                reply: Reply::ContactFields(ContactFields { fields }),
                failure: "could not define the contact fields",
            }),
        };
        let mut write = match write {
            Ok(write) => write,
            Err((code, message)) => {
                to.refuse(code, &message);
                return Ok(());
            }
        };
        write.change.log = write.events.iter().map(record_of).collect();
        let receipt = match (by, key.as_deref()) {
            (Some(user), Some(key)) => Some(Receipt {
                user,
                key,
                reply: &write.reply,
            }),
            _ => None,
        };
        let entry = Entry::ContactBook {
            change: &write.change,
            receipt,
        };
        let answer = Answer {
            to,
            reply: write.reply.clone(),
            failure: write.failure,
        };
        self.append(entry, write.events, Some(answer))
    }

    fn create_contact(&mut self, draft: ContactDraft) -> Result<Refusable<Write>, StoreError> {
        let fields = match check_fields(&self.fields()?, &draft.fields) {
            Ok(fields) => fields,
            Err(e) => return Ok(Err((ErrorCode::BadRequest, e.to_string()))),
        };
        let draft = ContactDraft { fields, ..draft };
        let owners = self.owners(draft.phones.iter().chain(&draft.emails))?;
        // The first of its phones, then emails, already in the book.
        let duplicate = draft
            .phones
            .iter()
            .chain(&draft.emails)
            .find_map(|v| owners.get(v).copied());
        let at = now();
        let (contact, merged) = match duplicate.map(|id| self.team_contact(id)).transpose()? {
            Some(Some(mut contact)) => {
                let id = contact.id;
                let taken = |v: &str| owners.get(v).is_some_and(|o| *o != id);
                merge(&mut contact, &MergeSource::from(&draft), &taken);
                contact.updated_at = at;
                (contact, true)
            }
            _ => {
                let store = &self.registry.context.store;
                let mut contact = ContactRecord::new(
                    store.next_id()?.into(),
                    self.team,
                    draft.name.clone(),
                    None,
                    None,
                    at,
                );
                merge(&mut contact, &MergeSource::from(&draft), &|_| false);
                (contact, false)
            }
        };
        let conversations = self.conversations_of(contact.id)?;
        Ok(Ok(saved(
            contact,
            conversations,
            merged,
            "could not save the contact",
        )))
    }

    fn edit_contact(
        &mut self,
        id: ContactId,
        patch: ContactPatch,
        book: bool,
    ) -> Result<Refusable<Write>, StoreError> {
        let Some(mut contact) = self.team_contact(id)? else {
            return Ok(Err(not_found()));
        };
        if let Some(fields) = &patch.fields {
            match check_fields(&self.fields()?, fields) {
                Ok(fields) => contact.fields = fields,
                Err(e) => return Ok(Err((ErrorCode::BadRequest, e.to_string()))),
            }
        }
        let added = patch.phones.iter().chain(&patch.emails).flatten();
        for (value, owner) in self.owners(added)? {
            if owner != id {
                return Ok(Err(conflict(&value, owner, book)));
            }
        }
        let ContactPatch {
            name,
            phones,
            emails,
            tags,
            notes,
            ..
        } = patch;
        contact.name = name.unwrap_or(contact.name);
        contact.phones = phones.unwrap_or(contact.phones);
        contact.emails = emails.unwrap_or(contact.emails);
        contact.tags = tags.unwrap_or(contact.tags);
        contact.notes = notes.unwrap_or(contact.notes);
        contact.updated_at = now();
        let conversations = self.conversations_of(id)?;
        Ok(Ok(saved(
            contact,
            conversations,
            false,
            "could not save the contact",
        )))
    }

    fn delete_contact(&mut self, id: ContactId) -> Result<Refusable<Write>, StoreError> {
        if self.team_contact(id)?.is_none() {
            return Ok(Err(not_found()));
        }
        let conversations = self.conversations_of(id)?;
        if !conversations.is_empty() {
            return Ok(Err((
                ErrorCode::Conflict,
                format!(
                    "the contact has {} conversation(s), which keep it: merge it into another contact instead",
                    conversations.len()
                ),
            )));
        }
        let deleted = ContactDeleted {
            contact: id,
            conversations,
        };
        Ok(Ok(Write {
            change: BookChange {
                remove: vec![id],
                ..BookChange::default()
            },
            events: vec![Event::ContactDeleted(deleted.clone())],
            reply: Reply::ContactDeleted(deleted),
            failure: "could not delete the contact",
        }))
    }

    fn merge_contacts(
        &mut self,
        into: ContactId,
        from: ContactId,
    ) -> Result<Refusable<Write>, StoreError> {
        if into == from {
            return Ok(Err((
                ErrorCode::BadRequest,
                "a contact cannot be merged into itself".to_string(),
            )));
        }
        let (Some(mut kept), Some(gone)) = (self.team_contact(into)?, self.team_contact(from)?)
        else {
            return Ok(Err(not_found()));
        };
        let owners = self.owners(gone.phones.iter().chain(&gone.emails))?;
        let taken = |v: &str| owners.get(v).is_some_and(|o| *o != into && *o != from);
        merge(&mut kept, &MergeSource::from(&gone), &taken);
        // An opt-out is the contact's word: a merge never drops it.
        kept.opted_out_at = kept.opted_out_at.or(gone.opted_out_at);
        kept.updated_at = now();
        let mut moved = Vec::new();
        for id in self.conversations_of(from)? {
            if let Some(mut conversation) = self.team_conversation(id)? {
                conversation.contact = into;
                moved.push(conversation);
            }
        }
        let mut conversations = self.conversations_of(into)?;
        conversations.extend(moved.iter().map(|c| c.id));
        conversations.sort();
        let event = ContactsMerged {
            into: kept.card(),
            from,
            conversations,
        };
        let reply = Reply::ContactSaved(ContactSaved {
            contact: kept.card(),
            merged: true,
        });
        Ok(Ok(Write {
            change: BookChange {
                put: vec![kept],
                remove: vec![from],
                moved,
                ..BookChange::default()
            },
            events: vec![Event::ContactsMerged(event)],
            reply,
            failure: "could not merge the contacts",
        }))
    }
}

/// A write, or the refusal to answer instead.
type Refusable<T> = Result<T, (ErrorCode, String)>;

/// The refusal of a phone or email another contact holds: naming that
/// contact to whoever reads the book (a client offers to merge the two),
/// not to a Restricted Member.
pub(super) fn conflict(value: &str, owner: ContactId, book: bool) -> (ErrorCode, String) {
    let message = if book {
        format!("{value} belongs to another contact ({owner}): merge the two instead")
    } else {
        format!("{value} belongs to another contact")
    };
    (ErrorCode::Conflict, message)
}

fn not_found() -> (ErrorCode, String) {
    (ErrorCode::NotFound, "no such contact".to_string())
}

/// A contact written whole, told to whoever reads its conversations.
fn saved(
    contact: ContactRecord,
    conversations: Vec<ConversationId>,
    merged: bool,
    failure: &'static str,
) -> Write {
    let card = contact.card();
    Write {
        change: BookChange {
            put: vec![contact],
            ..BookChange::default()
        },
        events: vec![Event::ContactChanged(ContactChanged {
            contact: card.clone(),
            conversations,
        })],
        reply: Reply::ContactSaved(ContactSaved {
            contact: card,
            merged,
        }),
        failure,
    }
}
