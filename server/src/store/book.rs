//! The team's contact book in the store: what a book write holds
//! ([`BookChange`], committed as [`Entry::ContactBook`]), what a search asks
//! ([`ContactSearch`]) and the reads ([`Contacts`]).
//!
//! Invariants every implementation keeps:
//! - A book write is one atomic write: the contacts put (their index
//!   entries replaced: the old record's removed, the new one's added), the
//!   contacts removed (with every index entry), the conversations moved to
//!   another contact, the team's field definitions, the log records and the
//!   request's receipt, all or nothing.
//! - The store indexes what it is given: the uniqueness of a normalised
//!   phone or email within a team is the hub's rule (it checks before it
//!   writes, as the team's only writer), and an index entry names the
//!   contact written last with that phone or email.
//! - A contact's conversations are indexed when a conversation starts
//!   (`Entry::ConversationStarted`, `Entry::HandoffImported`) and when a
//!   book write moves it.
//! - [`Contacts::search_contacts`] returns contacts of the team by id
//!   ascending, after `after`; the sled store walks one index range (the
//!   most selective criterion given) and checks the rest on the record.

use super::records::{ContactRecord, ConversationRecord, LogRecord};
use super::StoreResult;
use switchboard_protocol::contacts::FieldDef;
use switchboard_protocol::ids::{ContactId, ConversationId, TeamId};

/// One write to a team's contact book (see the module's invariants).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BookChange {
    /// Contacts as they now are, created or replacing the stored ones.
    pub put: Vec<ContactRecord>,
    /// Contacts deleted.
    pub remove: Vec<ContactId>,
    /// Conversations as they now are, moved to another contact.
    pub moved: Vec<ConversationRecord>,
    /// The team's custom fields, replaced, if they changed.
    pub fields: Option<Vec<FieldDef>>,
    /// What to log: one record per offset, from the entry's offset on (at
    /// least one).
    pub log: Vec<LogRecord>,
}

/// A search of a team's book, its text already normalised by the caller:
/// every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactSearch {
    /// Lowercase prefixes: each must begin a word of the name.
    pub words: Vec<String>,
    /// A phone, E.164.
    pub phone: Option<String>,
    /// An email, lowercased.
    pub email: Option<String>,
    /// A tag, lowercased.
    pub tag: Option<String>,
    /// A custom field's key and exact value.
    pub field: Option<(String, String)>,
    /// Only contacts with a greater id.
    pub after: Option<ContactId>,
}

impl ContactSearch {
    /// Whether `contact` meets every criterion but `after`.
    pub fn matches(&self, contact: &ContactRecord) -> bool {
        let words = name_words(&contact.name);
        self.words
            .iter()
            .all(|p| words.iter().any(|w| w.starts_with(p.as_str())))
            && self
                .phone
                .as_ref()
                .is_none_or(|p| contact.phones.contains(p))
            && self
                .email
                .as_ref()
                .is_none_or(|e| contact.emails.contains(e))
            && self.tag.as_ref().is_none_or(|t| contact.tags.contains(t))
            && self
                .field
                .as_ref()
                .is_none_or(|(k, v)| contact.fields.get(k) == Some(v))
    }
}

/// The words of a name as the name index holds them: lowercase runs of
/// letters and digits, each once.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Reading a team's contact book. Writes go through the team's log, as
/// [`Entry::ContactBook`](super::Entry::ContactBook) (a contact by id is
/// [`Timeline::contact`](super::Timeline::contact)).
pub trait Contacts {
    /// The contact of a team holding a phone (E.164), if any.
    fn contact_by_phone(&self, team: TeamId, phone: &str) -> StoreResult<Option<ContactId>>;
    /// The contact of a team holding an email (lowercased), if any.
    fn contact_by_email(&self, team: TeamId, email: &str) -> StoreResult<Option<ContactId>>;
    /// Up to `limit` contacts of a team meeting `search`, by id ascending.
    fn search_contacts(
        &self,
        team: TeamId,
        search: &ContactSearch,
        limit: usize,
    ) -> StoreResult<Vec<ContactRecord>>;
    /// A contact's conversations, by id (the order they were started in).
    fn contact_conversations(&self, contact: ContactId) -> StoreResult<Vec<ConversationId>>;
    /// A team's custom contact fields (none until defined).
    fn contact_fields(&self, team: TeamId) -> StoreResult<Vec<FieldDef>>;
}
