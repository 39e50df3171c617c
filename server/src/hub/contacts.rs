//! The hub's contact edits through a conversation (`update_contact`): like
//! every write of the team, one atomic log entry appended through the
//! hub's write path (`append`): the contact as it now is (in the book, its
//! indexes with it), the `contact_updated` event and the book's
//! `contact_changed`; then the answer and the events behind the commit.
//! The book's rule holds here too: the email and phone are normalised
//! (a channel's identifier that is no phone number is kept as given), and
//! one that belongs to another contact is refused with `conflict`.
//! The event names the conversation it was made through, so the fan-out
//! and replays filter it like that conversation's other events: a
//! Restricted Member of another conversation never sees it.

use super::actor::Hub;
use super::append::Answer;
use super::book::{conflict, record_of};
use super::ContactChanges;
use super::ReplyTo;
use crate::contacts::normal;
use crate::store::{BookChange, Entry, StoreError};
use crate::time::now;
use switchboard_protocol::contacts::ContactChanged;
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::manage::ContactUpdated;
use switchboard_protocol::server::{Event, Reply};
use switchboard_protocol::ErrorCode;

impl Hub<'_> {
    pub(super) fn update_contact(
        &mut self,
        to: ReplyTo,
        conversation: ConversationId,
        changes: ContactChanges,
    ) -> Result<(), StoreError> {
        let found = match self.team_conversation(conversation)? {
            Some(record) => self.team_contact(record.contact)?,
            None => None,
        };
        let Some(mut contact) = found else {
            // The session found the conversation in this team: a missing
            // contact is a broken store, not the caller's doing.
            to.refuse(ErrorCode::Internal, "internal error");
            return Err(StoreError::Corrupt {
                what: "conversation",
                detail: format!("conversation {conversation} has no contact"),
            });
        };
        if let Some(name) = changes.name {
            contact.name = name;
        }
        // The book's rule: normalised, and each phone or email one
        // contact's (a channel's odd identifier is kept as given).
        let email = changes.email.map(|e| match normal::email(&e) {
            Ok(email) => email,
            Err(_) => e.trim().to_lowercase(),
        });
        let phone = changes.phone.map(|p| normal::channel_phone(&p));
        for value in email.iter().chain(&phone).filter(|v| !v.is_empty()) {
            match self.owner(value)? {
                Some(owner) if owner != contact.id => {
                    let (code, message) = conflict(value, owner, changes.book);
                    to.refuse(code, &message);
                    return Ok(());
                }
                _ => {}
            }
        }
        if let Some(email) = email {
            replace_first(&mut contact.emails, email);
        }
        if let Some(phone) = phone {
            replace_first(&mut contact.phones, phone);
        }
        contact.updated_at = now();
        let update = ContactUpdated {
            conversation,
            contact: contact.id,
            name: contact.name.clone(),
            email: contact.emails.first().cloned(),
            phone: contact.phones.first().cloned(),
        };
        let conversations = self.conversations_of(contact.id)?;
        // The conversation's event, then the book's, at two offsets.
        let events = vec![
            Event::ContactUpdated(update.clone()),
            Event::ContactChanged(ContactChanged {
                contact: contact.card(),
                conversations,
            }),
        ];
        let change = BookChange {
            log: events.iter().map(record_of).collect(),
            put: vec![contact],
            ..BookChange::default()
        };
        let entry = Entry::ContactBook {
            change: &change,
            receipt: None,
        };
        let answer = Answer {
            to,
            reply: Reply::Contact(update),
            failure: "could not update the contact",
        };
        self.append(entry, events, Some(answer))
    }
}

/// Replaces the first value of a list (the one conversations show), or
/// removes it when `value` is empty.
fn replace_first(list: &mut Vec<String>, value: String) {
    match (list.is_empty(), value.is_empty()) {
        (_, true) if !list.is_empty() => {
            list.remove(0);
        }
        (_, true) => {}
        (true, false) => list.push(value),
        (false, false) => list[0] = value,
    }
}
