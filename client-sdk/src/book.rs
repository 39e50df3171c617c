//! Typed requests for the team's contact book: search, read, create (a
//! duplicate phone or email merges), edit, delete, merge, and the team's
//! custom fields. Who may send each is in PROTOCOL.md ("Contact book"):
//! the team's people and bots (writes: `read_write` bots), a Restricted
//! Member only for the contact of a conversation they read (any other
//! contact is `not_found`), custom fields defined by Managers.
//!
//! The writes that change a contact whole (create, edit, merge) carry a
//! key of the client's drawing and are resent with it after a dropped
//! connection: each is carried out once, and a resend gets the first
//! answer back.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::{new_key, Call};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::contacts::{
    self, ContactDeleted, ContactDraft, ContactList, ContactPage, ContactPatch, ContactQuery,
    ContactSaved, FieldDef,
};
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ContactId, RequestId, TeamId};

/// A contact-book request, without its id.
#[derive(Debug, Clone)]
pub(crate) enum BookRequest {
    Search(TeamId, ContactQuery),
    Read(TeamId, ContactId),
    Create(TeamId, String, ContactDraft),
    Edit(TeamId, ContactId, String, ContactPatch),
    Delete(TeamId, ContactId),
    Merge(TeamId, ContactId, ContactId, String),
    Fields(TeamId),
    Define(TeamId, Vec<FieldDef>),
}

impl BookRequest {
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        use contacts::*;
        match self {
            BookRequest::Search(team, query) => ClientFrame::Contacts(Contacts { id, team, query }),
            BookRequest::Read(team, contact) => {
                ClientFrame::Contact(ContactRequest { id, team, contact })
            }
            BookRequest::Create(team, key, contact) => ClientFrame::CreateContact(CreateContact {
                id,
                team,
                key: Some(key),
                contact,
            }),
            BookRequest::Edit(team, contact, key, changes) => {
                ClientFrame::EditContact(EditContact {
                    id,
                    team,
                    contact,
                    key: Some(key),
                    changes,
                })
            }
            BookRequest::Delete(team, contact) => {
                ClientFrame::DeleteContact(DeleteContact { id, team, contact })
            }
            BookRequest::Merge(team, into, from, key) => {
                ClientFrame::MergeContacts(MergeContacts {
                    id,
                    team,
                    into,
                    from,
                    key: Some(key),
                })
            }
            BookRequest::Fields(team) => {
                ClientFrame::ContactFields(ContactFieldsRequest { id, team })
            }
            BookRequest::Define(team, fields) => {
                ClientFrame::DefineContactFields(DefineContactFields { id, team, fields })
            }
        }
    }
}

fn saved(reply: Reply) -> Result<ContactSaved, Error> {
    match reply {
        Reply::ContactSaved(saved) => Ok(saved),
        other => Err(unexpected("contact_saved", &other)),
    }
}

fn fields(reply: Reply) -> Result<Vec<FieldDef>, Error> {
    match reply {
        Reply::ContactFields(fields) => Ok(fields.fields),
        other => Err(unexpected("contact_fields", &other)),
    }
}

impl Client {
    /// A page of the team's contacts meeting `query`, by id; pass the
    /// page's `next` as the query's `after` for the following page.
    pub async fn contacts(&self, team: TeamId, query: ContactQuery) -> Result<ContactList, Error> {
        match self
            .call(Call::Book(BookRequest::Search(team, query)))
            .await?
        {
            Reply::Contacts(list) => Ok(list),
            other => Err(unexpected("contacts", &other)),
        }
    }

    /// One contact and its conversations the caller reads, oldest first.
    pub async fn contact(&self, team: TeamId, contact: ContactId) -> Result<ContactPage, Error> {
        match self
            .call(Call::Book(BookRequest::Read(team, contact)))
            .await?
        {
            Reply::ContactPage(page) => Ok(page),
            other => Err(unexpected("contact_page", &other)),
        }
    }

    /// Adds a contact to the book; one of its phones or emails already in
    /// the book merges it into that contact instead (`merged: true`).
    pub async fn create_contact(
        &self,
        team: TeamId,
        contact: ContactDraft,
    ) -> Result<ContactSaved, Error> {
        let request = BookRequest::Create(team, new_key(), contact);
        saved(self.keyed(Call::Book(request)).await?)
    }

    /// Changes a contact; a phone or email of another contact is refused
    /// with `conflict` (merge the two instead).
    pub async fn edit_contact(
        &self,
        team: TeamId,
        contact: ContactId,
        changes: ContactPatch,
    ) -> Result<ContactSaved, Error> {
        let request = BookRequest::Edit(team, contact, new_key(), changes);
        saved(self.keyed(Call::Book(request)).await?)
    }

    /// Deletes a contact without conversations (one with conversations is
    /// refused with `conflict`: merge it instead).
    pub async fn delete_contact(
        &self,
        team: TeamId,
        contact: ContactId,
    ) -> Result<ContactDeleted, Error> {
        match self
            .call(Call::Book(BookRequest::Delete(team, contact)))
            .await?
        {
            Reply::ContactDeleted(deleted) => Ok(deleted),
            other => Err(unexpected("contact_deleted", &other)),
        }
    }

    /// Merges `from` into `into`: its details join, its conversations move
    /// with their histories, and it is deleted.
    pub async fn merge_contacts(
        &self,
        team: TeamId,
        into: ContactId,
        from: ContactId,
    ) -> Result<ContactSaved, Error> {
        let request = BookRequest::Merge(team, into, from, new_key());
        saved(self.keyed(Call::Book(request)).await?)
    }

    /// The team's custom contact fields.
    pub async fn contact_fields(&self, team: TeamId) -> Result<Vec<FieldDef>, Error> {
        fields(self.call(Call::Book(BookRequest::Fields(team))).await?)
    }

    /// Replaces the team's custom contact fields (Managers).
    pub async fn define_contact_fields(
        &self,
        team: TeamId,
        definitions: Vec<FieldDef>,
    ) -> Result<Vec<FieldDef>, Error> {
        fields(
            self.call(Call::Book(BookRequest::Define(team, definitions)))
                .await?,
        )
    }
}
