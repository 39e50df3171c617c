//! The contact book's requests: checked through `Principal::allows`,
//! normalised here (a user's mistake answered with `bad_request` naming the
//! value), then read from the store or written by the team's hub, which
//! answers once the write is durable.
//!
//! Who may:
//! - the team's Managers and Members: everything but defining the team's
//!   custom fields (Managers: `ManageTeam`);
//! - the team's bots: read (`ReadContacts`), and with `read_write` create,
//!   edit, delete and merge (`EditContact`);
//! - a Restricted Member: read and edit one contact, of a conversation
//!   they read; for any other contact, or any other request, `not_found`,
//!   the same answer as for a contact that does not exist, so nothing is
//!   learnt of the book.

use super::{Refusal, Session};
use crate::access::{Action, Resource};
use crate::contacts::{check_definitions, normalise_draft, normalise_patch, BookError};
use crate::hub::{BookOp, HubCommand};
use crate::store::ContactRecord;
use switchboard_protocol::contacts::{
    ContactFields, ContactList, ContactPage, ContactQuery, FieldDef,
};
use switchboard_protocol::ids::{ContactId, ConversationId, TeamId};
use switchboard_protocol::model::ConversationInfo;
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ClientFrame, ErrorCode, RequestId};

/// A page of the book when the query names no limit.
const DEFAULT_PAGE: usize = 50;
/// The largest page of the book.
const MAX_PAGE: usize = 200;

impl From<BookError> for Refusal {
    fn from(e: BookError) -> Refusal {
        Refusal::new(ErrorCode::BadRequest, e.to_string())
    }
}

fn no_contact(id: ContactId) -> Refusal {
    Refusal::new(ErrorCode::NotFound, format!("no contact {id}"))
}

impl Session {
    pub(super) async fn contact_book(
        &self,
        request: RequestId,
        frame: ClientFrame,
    ) -> Result<Option<Reply>, Refusal> {
        let by = self.principal.user.id;
        let (team, op) = match frame {
            ClientFrame::Contacts(c) => return self.search(c.team, c.query).map(Some),
            ClientFrame::Contact(c) => return self.contact_page(c.team, c.contact).map(Some),
            ClientFrame::ContactFields(f) => {
                self.team_for(Action::ReadContacts, f.team)?;
                let fields = self.state.store.contact_fields(f.team)?;
                return Ok(Some(Reply::ContactFields(ContactFields { fields })));
            }
            ClientFrame::CreateContact(c) => {
                self.team_for(Action::EditContact, c.team)?;
                let draft = normalise_draft(c.contact)?;
                let key = checked_key(c.key)?;
                (c.team, BookOp::Create { by, key, draft })
            }
            ClientFrame::EditContact(e) => {
                self.contact_for(Action::EditContact, e.team, e.contact)?;
                let patch = normalise_patch(e.changes)?;
                let key = checked_key(e.key)?;
                let contact = e.contact;
                let book = self.book_reader(e.team);
                (
                    e.team,
                    BookOp::Edit {
                        by,
                        contact,
                        key,
                        patch,
                        book,
                    },
                )
            }
            ClientFrame::DeleteContact(d) => {
                self.team_for(Action::EditContact, d.team)?;
                (d.team, BookOp::Delete { contact: d.contact })
            }
            ClientFrame::MergeContacts(m) => {
                self.team_for(Action::EditContact, m.team)?;
                let key = checked_key(m.key)?;
                let (into, from) = (m.into, m.from);
                (
                    m.team,
                    BookOp::Merge {
                        by,
                        into,
                        from,
                        key,
                    },
                )
            }
            ClientFrame::DefineContactFields(d) => {
                self.team_for(Action::ManageTeam, d.team)?;
                check_definitions(&d.fields)?;
                let fields = d.fields.into_iter().map(trimmed).collect();
                (d.team, BookOp::DefineFields { fields })
            }
            _ => return Err(Refusal::new(ErrorCode::BadRequest, "not a contact request")),
        };
        self.dispatch(team, request, HubCommand::Book(op)).await
    }

    /// Whether the caller reads the team's whole book: a conflict may then
    /// name the other contact (a Restricted Member learns nothing of it).
    pub(super) fn book_reader(&self, team: TeamId) -> bool {
        self.principal
            .allows(Action::ReadContacts, Resource::Team(team))
    }

    /// The contact, if it is the team's and the caller may do `action` to
    /// it: to the whole book, or (a Restricted Member) through one of the
    /// contact's conversations. Returns the conversations the caller reads.
    fn contact_for(
        &self,
        action: Action,
        team: TeamId,
        id: ContactId,
    ) -> Result<(ContactRecord, Vec<ConversationId>), Refusal> {
        let store = &self.state.store;
        let contact = store.contact(id)?.filter(|c| c.team == team);
        let whole_book = self.principal.allows(action, Resource::Team(team));
        // Missing and not the caller's read the same: nothing is learnt.
        let Some(contact) = contact else {
            return Err(no_contact(id));
        };
        let mut readable = Vec::new();
        let mut allowed = whole_book;
        for conversation in store.contact_conversations(id)? {
            let Some(record) = store.conversation(conversation)? else {
                continue;
            };
            let resource = Resource::Conversation(&record);
            if self.principal.allows(Action::ReadConversation, resource) {
                readable.push(conversation);
                allowed |= self.principal.allows(action, resource);
            }
        }
        if allowed {
            Ok((contact, readable))
        } else if self
            .principal
            .allows(Action::ReadContacts, Resource::Team(team))
        {
            Err(super::forbidden())
        } else {
            Err(no_contact(id))
        }
    }

    fn contact_page(&self, team: TeamId, id: ContactId) -> Result<Reply, Refusal> {
        let (contact, readable) = self.contact_for(Action::ReadContacts, team, id)?;
        let store = &self.state.store;
        let mut conversations: Vec<ConversationInfo> = Vec::new();
        for conversation in readable {
            if let Some(record) = store.conversation(conversation)? {
                let mut info = record.info(&contact, store.last_seq(record.id)?);
                info.assignees = store.assignees(record.id)?;
                conversations.push(info);
            }
        }
        conversations.sort_by_key(|c| (c.created_at, c.id));
        Ok(Reply::ContactPage(ContactPage {
            contact: contact.card(),
            conversations,
        }))
    }

    fn search(&self, team: TeamId, query: ContactQuery) -> Result<Reply, Refusal> {
        self.team_for(Action::ReadContacts, team)?;
        let limit = query
            .limit
            .map_or(DEFAULT_PAGE, |l| (l as usize).clamp(1, MAX_PAGE));
        let search = crate::contacts::query::search(&query);
        let mut contacts = self.state.store.search_contacts(team, &search, limit + 1)?;
        let next = (contacts.len() > limit).then(|| {
            contacts.truncate(limit);
            contacts.last().map(|c| c.id)
        });
        Ok(Reply::Contacts(ContactList {
            contacts: contacts.iter().map(ContactRecord::card).collect(),
            next: next.flatten(),
        }))
    }
}

/// An idempotency key, 1 to 64 bytes, or none.
fn checked_key(key: Option<String>) -> Result<Option<String>, Refusal> {
    match key {
        Some(k) if k.is_empty() || k.len() > 64 => Err(Refusal::new(
            ErrorCode::BadRequest,
            "a key holds 1 to 64 bytes",
        )),
        key => Ok(key),
    }
}

/// A field definition with its label and options trimmed.
fn trimmed(field: FieldDef) -> FieldDef {
    FieldDef {
        label: field.label.trim().to_string(),
        options: field.options.iter().map(|o| o.trim().to_string()).collect(),
        ..field
    }
}
