//! The sled store's blasts: `blasts` (team ++ blast, the `BlastRecord`),
//! `blast_recipients` (team ++ blast ++ contact, the `BlastRecipient`),
//! `blast_conversations` (conversation ++ blast, the `BlastSend`) and
//! `blast_replies` (team ++ blast ++ contact, empty).

use super::SledStore;
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::{Batch, Db, Tree};
use switchboard_protocol::blast::{BlastRecipient, BlastStatus};
use switchboard_protocol::ids::{BlastId, ContactId, ConversationId, TeamId};

/// The trees of blasts.
pub(super) struct BlastTrees {
    records: Tree,
    recipients: Tree,
    conversations: Tree,
    replies: Tree,
}

impl BlastTrees {
    pub(super) fn open(db: &Db) -> StoreResult<BlastTrees> {
        Ok(BlastTrees {
            records: db.open_tree("blasts")?,
            recipients: db.open_tree("blast_recipients")?,
            conversations: db.open_tree("blast_conversations")?,
            replies: db.open_tree("blast_replies")?,
        })
    }
}

impl Blasts for SledStore {
    fn put_blast(&self, record: &BlastRecord) -> StoreResult<()> {
        let key = keys::two(record.info.team.0, record.info.id.0);
        self.blasts.records.insert(key, to_bytes(record))?;
        Ok(())
    }

    fn blast(&self, team: TeamId, id: BlastId) -> StoreResult<Option<BlastRecord>> {
        Self::get(&self.blasts.records, "blast", &keys::two(team.0, id.0))
    }

    fn team_blasts(&self, team: TeamId, limit: usize) -> StoreResult<Vec<BlastRecord>> {
        let range = keys::two(team.0, 0)..=keys::two(team.0, u64::MAX);
        let mut found = Vec::new();
        for item in self.blasts.records.range(range).rev().take(limit) {
            let (_, bytes) = item?;
            found.push(from_bytes("blast", &bytes)?);
        }
        Ok(found)
    }

    fn blast_count(&self, team: TeamId) -> StoreResult<u64> {
        let range = keys::two(team.0, 0)..=keys::two(team.0, u64::MAX);
        Ok(self.blasts.records.range(range).keys().count() as u64)
    }

    fn running_blasts(&self) -> StoreResult<Vec<BlastRecord>> {
        // Every blast is read: a start-up cost in the thousands at most.
        let mut found = Vec::new();
        for item in self.blasts.records.iter() {
            let (_, bytes) = item?;
            let record: BlastRecord = from_bytes("blast", &bytes)?;
            if record.info.status == BlastStatus::Running {
                found.push(record);
            }
        }
        Ok(found)
    }

    fn put_blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        recipients: &[BlastRecipient],
    ) -> StoreResult<()> {
        let mut rows = Batch::default();
        let mut sends = Batch::default();
        for r in recipients {
            rows.insert(&keys::three(team.0, blast.0, r.contact.0), to_bytes(r));
            if let (Some(conversation), Some(seq)) = (r.conversation, r.seq) {
                let send = BlastSend {
                    team,
                    blast,
                    contact: r.contact,
                    seq,
                };
                sends.insert(&keys::two(conversation.0, blast.0), to_bytes(&send));
            }
        }
        // The index first: a recipient read as sent is always indexed.
        self.blasts.conversations.apply_batch(sends)?;
        self.blasts.recipients.apply_batch(rows)?;
        Ok(())
    }

    fn blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        after: Option<ContactId>,
        limit: usize,
    ) -> StoreResult<Vec<BlastRecipient>> {
        let start = keys::three(team.0, blast.0, after.map_or(0, |a| a.0.saturating_add(1)));
        let end = keys::three(team.0, blast.0, u64::MAX);
        let mut found = Vec::new();
        for item in self.blasts.recipients.range(start..=end).take(limit) {
            let (_, bytes) = item?;
            found.push(from_bytes("blast recipient", &bytes)?);
        }
        Ok(found)
    }

    fn blast_sends(&self, conversation: ConversationId) -> StoreResult<Vec<BlastSend>> {
        let mut found = Vec::new();
        for item in self
            .blasts
            .conversations
            .scan_prefix(keys::one(conversation.0))
        {
            let (_, bytes) = item?;
            found.push(from_bytes("blast send", &bytes)?);
        }
        Ok(found)
    }

    fn put_blast_reply(
        &self,
        team: TeamId,
        blast: BlastId,
        contact: ContactId,
    ) -> StoreResult<bool> {
        let key = keys::three(team.0, blast.0, contact.0);
        Ok(self.blasts.replies.insert(key, &[])?.is_none())
    }

    fn blast_replied(&self, team: TeamId, blast: BlastId, contact: ContactId) -> StoreResult<bool> {
        let key = keys::three(team.0, blast.0, contact.0);
        Ok(self.blasts.replies.contains_key(key)?)
    }

    fn blast_reply_count(&self, team: TeamId, blast: BlastId) -> StoreResult<u64> {
        let prefix = keys::two(team.0, blast.0);
        Ok(self.blasts.replies.scan_prefix(prefix).keys().count() as u64)
    }
}
