//! The in-memory store's contact book: the phone and email indexes kept
//! as maps, searches by scanning the team's contacts in id order (the
//! store is for tests; the sled store walks indexes).

use super::{Inner, MemoryStore};
use crate::store::*;
use switchboard_protocol::contacts::FieldDef;
use switchboard_protocol::ids::ContactId;

/// The phone and email index keys of a contact (emails cannot clash with
/// phones: an email holds an `@`, an E.164 phone never does).
fn index_keys(contact: &ContactRecord) -> impl Iterator<Item = (TeamId, String)> + '_ {
    (contact.phones.iter().chain(&contact.emails)).map(|k| (contact.team, k.clone()))
}

/// Removes a contact and the index entries still naming it.
fn remove(inner: &mut Inner, id: ContactId) {
    if let Some(old) = inner.contacts.remove(&id) {
        for key in index_keys(&old) {
            if inner.contact_keys.get(&key) == Some(&id) {
                inner.contact_keys.remove(&key);
            }
        }
    }
}

/// Stores a contact, its index entries replacing its old record's.
pub(super) fn put(inner: &mut Inner, contact: &ContactRecord) {
    remove(inner, contact.id);
    for key in index_keys(contact) {
        inner.contact_keys.insert(key, contact.id);
    }
    inner.contacts.insert(contact.id, contact.clone());
}

/// Applies a book write at `offset`.
pub(super) fn apply(inner: &mut Inner, team: TeamId, offset: Offset, change: &BookChange) {
    for id in &change.remove {
        remove(inner, *id);
    }
    for contact in &change.put {
        put(inner, contact);
    }
    for conversation in &change.moved {
        inner
            .conversations
            .insert((team, conversation.id), conversation.clone());
    }
    if let Some(fields) = &change.fields {
        inner.contact_fields.insert(team, fields.clone());
    }
    for (i, record) in (0..).zip(&change.log) {
        inner
            .log
            .insert((team, Offset(offset.0 + i)), record.clone());
    }
}

impl Contacts for MemoryStore {
    fn contact_by_phone(&self, team: TeamId, phone: &str) -> StoreResult<Option<ContactId>> {
        Ok(self.lock().contact_keys.get(&(team, phone.into())).copied())
    }

    fn contact_by_email(&self, team: TeamId, email: &str) -> StoreResult<Option<ContactId>> {
        Ok(self.lock().contact_keys.get(&(team, email.into())).copied())
    }

    fn search_contacts(
        &self,
        team: TeamId,
        search: &ContactSearch,
        limit: usize,
    ) -> StoreResult<Vec<ContactRecord>> {
        let inner = self.lock();
        let after = search.after.unwrap_or_default();
        let mut found: Vec<&ContactRecord> = inner
            .contacts
            .values()
            .filter(|c| c.team == team && c.id > after && search.matches(c))
            .collect();
        found.sort_by_key(|c| c.id);
        Ok(found.into_iter().take(limit).cloned().collect())
    }

    fn contact_conversations(&self, contact: ContactId) -> StoreResult<Vec<ConversationId>> {
        let inner = self.lock();
        let mut ids: Vec<ConversationId> = inner
            .conversations
            .values()
            .filter(|c| c.contact == contact)
            .map(|c| c.id)
            .collect();
        ids.sort();
        Ok(ids)
    }

    fn contact_fields(&self, team: TeamId) -> StoreResult<Vec<FieldDef>> {
        Ok(self
            .lock()
            .contact_fields
            .get(&team)
            .cloned()
            .unwrap_or_default())
    }
}
