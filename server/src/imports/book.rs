//! The importer's view of the contact book: the team's custom fields, who
//! holds a phone or email, how a row becomes a contact or is merged into
//! one (the book's own rule, `contacts::merge`), and a contact as an
//! export row in the columns an import takes.

use super::mapping::RowDraft;
use crate::contacts::MergeSource;
use crate::store::{ContactRecord, ContactSearch, Store, StoreResult};
use switchboard_protocol::contacts::FieldDef;
use switchboard_protocol::ids::{ContactId, Millis, TeamId};

/// The separator of several values in one exported cell.
const SEPARATOR: &str = "; ";

/// The team's custom fields, in their order of definition.
pub(crate) fn fields(store: &dyn Store, team: TeamId) -> Result<Vec<FieldDef>, String> {
    store.contact_fields(team).map_err(|e| e.to_string())
}

/// The keys of the team's custom fields, in their order of definition.
pub(crate) fn field_keys(store: &dyn Store, team: TeamId) -> Result<Vec<String>, String> {
    Ok(fields(store, team)?
        .into_iter()
        .map(|def| def.key)
        .collect())
}

/// The contact of the team holding a normalised phone or email, if any.
pub(crate) fn holder(store: &dyn Store, team: TeamId, id: &str) -> StoreResult<Option<ContactId>> {
    if id.starts_with('+') {
        store.contact_by_phone(team, id)
    } else {
        store.contact_by_email(team, id)
    }
}

/// Up to `limit` of the team's contacts with ids above `after`, by id.
pub(crate) fn page(
    store: &dyn Store,
    team: TeamId,
    after: Option<ContactId>,
    limit: usize,
) -> Result<Vec<ContactRecord>, String> {
    let search = ContactSearch {
        after,
        ..ContactSearch::default()
    };
    (store.search_contacts(team, &search, limit)).map_err(|e| e.to_string())
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
        contact.phones.join(SEPARATOR),
        contact.emails.join(SEPARATOR),
        contact.tags.join(SEPARATOR),
        contact.notes.clone(),
    ];
    row.extend(
        keys.iter()
            .map(|k| contact.fields.get(k).cloned().unwrap_or_default()),
    );
    row
}

/// A new contact from a row.
pub(crate) fn create(id: ContactId, team: TeamId, draft: &RowDraft, now: Millis) -> ContactRecord {
    ContactRecord {
        id,
        team,
        name: draft.name.clone(),
        phones: draft.phones.clone(),
        emails: draft.emails.clone(),
        tags: draft.tags.clone(),
        fields: draft.fields.clone(),
        notes: draft.notes.clone(),
        created_at: now,
        updated_at: now,
        opted_out_at: None,
    }
}

/// A row merged into the contact already holding one of its phones or
/// emails, by the book's rule (its name stays; the hub has checked that no
/// third contact holds any of the row's phones and emails).
pub(crate) fn merge(contact: &mut ContactRecord, draft: &RowDraft, now: Millis) {
    crate::contacts::merge(contact, &MergeSource::from(draft), &|_| false);
    contact.updated_at = now;
}

/// The normalised phones and emails of a contact.
pub(crate) fn identifiers(contact: &ContactRecord) -> Vec<String> {
    contact
        .phones
        .iter()
        .chain(&contact.emails)
        .cloned()
        .collect()
}
