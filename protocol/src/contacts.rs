//! The team's contact book: its records ([`ContactCard`]), what a client
//! sends to create or change one ([`ContactDraft`], [`ContactPatch`]), the
//! team's custom fields ([`FieldDef`]), a search ([`ContactQuery`]), the
//! requests that carry them and the events that tell of their changes.
//!
//! Invariants the server keeps (see PROTOCOL.md, "Contact book"):
//! - phones are E.164 (`+14155550123`), emails trimmed and lowercased, tags
//!   trimmed, lowercased and without duplicates;
//! - within a team, a normalised phone or email belongs to one contact at
//!   most: a second contact with it is merged into the first, never doubled;
//! - a contact's `fields` hold only keys the team defined, each value valid
//!   for its [`FieldKind`].

use crate::ids::{ContactId, ConversationId, Millis, TeamId};
use crate::model::{ContactInfo, ConversationInfo};
use crate::RequestId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A contact of the team's book, whole, as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCard {
    /// Its id.
    pub id: ContactId,
    /// The team whose book holds it.
    pub team: TeamId,
    /// The name to show.
    pub name: String,
    /// Phone numbers, E.164.
    pub phones: Vec<String>,
    /// Emails, trimmed and lowercased.
    pub emails: Vec<String>,
    /// Tags, trimmed and lowercased, each once.
    pub tags: Vec<String>,
    /// Custom field values by key, valid for the team's [`FieldDef`]s.
    pub fields: BTreeMap<String, String>,
    /// Free notes.
    pub notes: String,
    /// When it was created.
    pub created_at: Millis,
    /// When it last changed.
    pub updated_at: Millis,
    /// When the contact opted out of messages through a bridge (`STOP`);
    /// absent while they take them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opted_out_at: Option<Millis>,
}

impl ContactCard {
    /// The contact as conversations show it: its first email and phone.
    pub fn info(&self) -> ContactInfo {
        ContactInfo {
            id: self.id,
            name: self.name.clone(),
            email: self.emails.first().cloned(),
            phone: self.phones.first().cloned(),
        }
    }
}

/// A new contact, as a client describes it (normalised by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDraft {
    /// The name to show (not empty).
    pub name: String,
    /// Phone numbers, in any usual notation.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Emails.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom field values by key.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Free notes.
    #[serde(default)]
    pub notes: String,
}

/// Changes to a contact: each field given replaces the stored one whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPatch {
    /// A new name (not empty).
    #[serde(default)]
    pub name: Option<String>,
    /// New phone numbers.
    #[serde(default)]
    pub phones: Option<Vec<String>>,
    /// New emails.
    #[serde(default)]
    pub emails: Option<Vec<String>>,
    /// New tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// New custom field values (a key left out is cleared).
    #[serde(default)]
    pub fields: Option<BTreeMap<String, String>>,
    /// New notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// The kind of a custom field, which decides what values it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Any text.
    Text,
    /// A decimal number.
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of the field's `options`.
    Choice,
}

/// A custom field the team defines for its contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Its key in [`ContactCard::fields`].
    pub key: String,
    /// The label to show.
    pub label: String,
    /// What values it takes.
    pub kind: FieldKind,
    /// The values a `choice` field offers.
    #[serde(default)]
    pub options: Vec<String>,
}

/// A search of the book: every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactQuery {
    /// A name word's prefix, a phone (normalised before matching) or an
    /// email.
    #[serde(default)]
    pub text: Option<String>,
    /// A tag the contact carries.
    #[serde(default)]
    pub tag: Option<String>,
    /// A custom field's exact value.
    #[serde(default)]
    pub field: Option<FieldFilter>,
    /// Continue after this contact (the `next` of the previous page).
    #[serde(default)]
    pub after: Option<ContactId>,
    /// The most contacts to return (default 50, at most 200).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A custom field's exact value, to filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldFilter {
    /// The field's key.
    pub key: String,
    /// The value it must hold.
    pub value: String,
}

/// Searches the team's book (`contacts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// What to look for.
    #[serde(default)]
    pub query: ContactQuery,
}

/// Reads one contact and its conversations (`contact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRequest {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The contact.
    pub contact: ContactId,
}

/// Adds a contact to the book, or merges it into the one already holding
/// one of its phones or emails (`create_contact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateContact {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// An idempotency key: a retry with it gets the first answer back.
    #[serde(default)]
    pub key: Option<String>,
    /// The contact.
    pub contact: ContactDraft,
}

/// Changes a contact (`edit_contact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditContact {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The contact.
    pub contact: ContactId,
    /// An idempotency key: a retry with it gets the first answer back.
    #[serde(default)]
    pub key: Option<String>,
    /// What to change.
    pub changes: ContactPatch,
}

/// Deletes a contact that has no conversation (`delete_contact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteContact {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The contact.
    pub contact: ContactId,
}

/// Merges `from` into `into` (`merge_contacts`): `from`'s details join
/// `into`'s, its conversations move to `into` with their histories, and
/// `from` is deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeContacts {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The contact that stays.
    pub into: ContactId,
    /// The contact merged into it, then deleted.
    pub from: ContactId,
    /// An idempotency key: a retry with it gets the first answer back.
    #[serde(default)]
    pub key: Option<String>,
}

/// Reads the team's custom fields (`contact_fields`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFieldsRequest {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Replaces the team's custom fields (`define_contact_fields`, Managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefineContactFields {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// Every field, in the order to show them.
    pub fields: Vec<FieldDef>,
}

/// A page of the book: the `contacts` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactList {
    /// The contacts, by id ascending.
    pub contacts: Vec<ContactCard>,
    /// Pass as the query's `after` for the next page; absent on the last.
    #[serde(default)]
    pub next: Option<ContactId>,
}

/// A contact and its conversations: the `contact_page` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPage {
    /// The contact.
    pub contact: ContactCard,
    /// Its conversations the caller may read, oldest first.
    pub conversations: Vec<ConversationInfo>,
}

/// A contact as saved: the `contact_saved` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactSaved {
    /// The contact as it now is.
    pub contact: ContactCard,
    /// Whether a created contact was merged into an existing one.
    #[serde(default)]
    pub merged: bool,
}

/// The team's custom fields: the `contact_fields` reply and event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFields {
    /// Every field, in the order to show them.
    pub fields: Vec<FieldDef>,
}

/// A contact was created or changed: the `contact_changed` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChanged {
    /// The contact as it now is.
    pub contact: ContactCard,
    /// Its conversations, which decide who is told.
    pub conversations: Vec<ConversationId>,
}

/// A contact was deleted: the `contact_deleted` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDeleted {
    /// The contact.
    pub contact: ContactId,
    /// Its conversations (none: a contact with conversations is kept).
    pub conversations: Vec<ConversationId>,
}

/// Two contacts were merged: the `contacts_merged` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactsMerged {
    /// The contact that stayed, as it now is.
    pub into: ContactCard,
    /// The contact merged into it, now deleted.
    pub from: ContactId,
    /// Every conversation now under `into`.
    pub conversations: Vec<ConversationId>,
}
