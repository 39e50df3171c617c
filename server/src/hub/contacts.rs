//! The hub's contact edits: like every write of the team, one atomic log
//! entry appended through the hub's write path (`append`): the contact as
//! it now is, and the event; then the answer and the `contact_updated`
//! event behind the commit.
//! The event names the conversation it was made through, so the fan-out
//! and replays filter it like that conversation's other events: a
//! Restricted Member of another conversation never sees it.

use super::actor::Hub;
use super::append::Answer;
use super::ContactChanges;
use super::ReplyTo;
use crate::store::{Entry, StoreError};
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
        let store = &self.registry.context.store;
        let found = match store.conversation(conversation)? {
            Some(record) if record.team == self.team => store.contact(record.contact)?,
            _ => None,
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
        if let Some(email) = changes.email {
            replace_first(&mut contact.emails, email);
        }
        if let Some(phone) = changes.phone {
            replace_first(&mut contact.phones, phone);
        }
        let update = ContactUpdated {
            conversation,
            contact: contact.id,
            name: contact.name.clone(),
            email: contact.emails.first().cloned(),
            phone: contact.phones.first().cloned(),
        };
        let entry = Entry::ContactUpdated {
            contact: &contact,
            update: &update,
        };
        let answer = Answer {
            to,
            reply: Reply::Contact(update.clone()),
            failure: "could not update the contact",
        };
        let events = vec![Event::ContactUpdated(update.clone())];
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
