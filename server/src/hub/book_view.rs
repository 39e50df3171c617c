//! The contact book as the team's hub reads it: the store, overlaid with
//! the hub's own book writes the store may not show yet (`unapplied`), so
//! every check of a write (a phone's owner, a contact's conversations, the
//! team's fields) sees the writes before it.

use super::actor::Hub;
use crate::store::{ContactRecord, ConversationRecord, StoreError};
use std::collections::HashMap;
use switchboard_protocol::contacts::FieldDef;
use switchboard_protocol::ids::{ContactId, ConversationId};

impl Hub<'_> {
    /// A contact of this team, as this hub last wrote it (see `unapplied`).
    pub(super) fn team_contact(&self, id: ContactId) -> Result<Option<ContactRecord>, StoreError> {
        let found = match self.unapplied.contact(id) {
            Some(written) => written.cloned(),
            None => self.registry.context.store.contact(id)?,
        };
        Ok(found.filter(|c| c.team == self.team))
    }

    /// A conversation of this team, with the contact this hub last moved
    /// it to (see `unapplied`); the rest of it as the store holds it, if
    /// the store shows it yet.
    pub(super) fn team_conversation(
        &self,
        id: ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let written = self.unapplied.conversation(id);
        let found = match self.registry.context.store.conversation(id)? {
            Some(mut stored) => {
                if let Some(written) = written {
                    stored.contact = written.contact;
                }
                Some(stored)
            }
            None => written.cloned(),
        };
        Ok(found.filter(|c| c.team == self.team))
    }

    /// The contact holding a normalised phone or email, if any, counting
    /// what this hub wrote and the store may not show yet.
    pub(super) fn owner(&self, value: &str) -> Result<Option<ContactId>, StoreError> {
        let store = &self.registry.context.store;
        let stored = if value.contains('@') {
            store.contact_by_email(self.team, value)?
        } else {
            store.contact_by_phone(self.team, value)?
        };
        Ok(self.unapplied.owner(value, stored))
    }

    /// The owners of each of `values`.
    pub(super) fn owners<'v>(
        &self,
        values: impl Iterator<Item = &'v String>,
    ) -> Result<HashMap<String, ContactId>, StoreError> {
        let mut owners = HashMap::new();
        for value in values {
            if let Some(owner) = self.owner(value)? {
                owners.insert(value.clone(), owner);
            }
        }
        Ok(owners)
    }

    pub(super) fn fields(&self) -> Result<Vec<FieldDef>, StoreError> {
        match self.unapplied.fields() {
            Some(fields) => Ok(fields.clone()),
            None => self.registry.context.store.contact_fields(self.team),
        }
    }

    /// A contact's conversations, counting what this hub wrote and the
    /// store may not show yet.
    pub(super) fn conversations_of(
        &self,
        contact: ContactId,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let stored = self.registry.context.store.contact_conversations(contact)?;
        Ok(self.unapplied.conversations(contact, stored))
    }
}
