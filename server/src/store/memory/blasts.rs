//! The in-memory store's blasts: ordered maps under their own lock (taken
//! alone, never with another of the store's locks).

use super::MemoryStore;
use crate::store::*;
use std::collections::{BTreeMap, BTreeSet};
use switchboard_protocol::blast::{BlastRecipient, BlastStatus};
use switchboard_protocol::ids::{BlastId, ContactId, ConversationId, TeamId};

/// Blasts by (team, id), recipients by (team, blast, contact), sends by
/// (conversation, blast), replies as (team, blast, contact).
#[derive(Default)]
pub(super) struct BlastMaps {
    records: BTreeMap<(TeamId, BlastId), BlastRecord>,
    recipients: BTreeMap<(TeamId, BlastId, ContactId), BlastRecipient>,
    sends: BTreeMap<(ConversationId, BlastId), BlastSend>,
    replies: BTreeSet<(TeamId, BlastId, ContactId)>,
}

impl MemoryStore {
    fn blast_maps(&self) -> std::sync::MutexGuard<'_, BlastMaps> {
        // As `lock`: a panic while holding it already failed its test.
        self.blasts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Blasts for MemoryStore {
    fn put_blast(&self, record: &BlastRecord) -> StoreResult<()> {
        let key = (record.info.team, record.info.id);
        self.blast_maps().records.insert(key, record.clone());
        Ok(())
    }

    fn blast(&self, team: TeamId, id: BlastId) -> StoreResult<Option<BlastRecord>> {
        Ok(self.blast_maps().records.get(&(team, id)).cloned())
    }

    fn team_blasts(&self, team: TeamId, limit: usize) -> StoreResult<Vec<BlastRecord>> {
        let maps = self.blast_maps();
        let range = (team, BlastId(0))..=(team, BlastId(u64::MAX));
        Ok(maps
            .records
            .range(range)
            .rev()
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect())
    }

    fn blast_count(&self, team: TeamId) -> StoreResult<u64> {
        let maps = self.blast_maps();
        let range = (team, BlastId(0))..=(team, BlastId(u64::MAX));
        Ok(maps.records.range(range).count() as u64)
    }

    fn running_blasts(&self) -> StoreResult<Vec<BlastRecord>> {
        Ok((self.blast_maps().records.values())
            .filter(|r| r.info.status == BlastStatus::Running)
            .cloned()
            .collect())
    }

    fn put_blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        recipients: &[BlastRecipient],
    ) -> StoreResult<()> {
        let mut maps = self.blast_maps();
        for r in recipients {
            if let (Some(conversation), Some(seq)) = (r.conversation, r.seq) {
                let send = BlastSend {
                    team,
                    blast,
                    contact: r.contact,
                    seq,
                };
                maps.sends.insert((conversation, blast), send);
            }
            maps.recipients.insert((team, blast, r.contact), r.clone());
        }
        Ok(())
    }

    fn blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        after: Option<ContactId>,
        limit: usize,
    ) -> StoreResult<Vec<BlastRecipient>> {
        let maps = self.blast_maps();
        let from = ContactId(after.map_or(0, |a| a.0.saturating_add(1)));
        let range = (team, blast, from)..=(team, blast, ContactId(u64::MAX));
        Ok(maps
            .recipients
            .range(range)
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect())
    }

    fn blast_sends(&self, conversation: ConversationId) -> StoreResult<Vec<BlastSend>> {
        let maps = self.blast_maps();
        let range = (conversation, BlastId(0))..=(conversation, BlastId(u64::MAX));
        Ok(maps.sends.range(range).map(|(_, s)| *s).collect())
    }

    fn put_blast_reply(
        &self,
        team: TeamId,
        blast: BlastId,
        contact: ContactId,
    ) -> StoreResult<bool> {
        Ok(self.blast_maps().replies.insert((team, blast, contact)))
    }

    fn blast_replied(&self, team: TeamId, blast: BlastId, contact: ContactId) -> StoreResult<bool> {
        Ok(self.blast_maps().replies.contains(&(team, blast, contact)))
    }

    fn blast_reply_count(&self, team: TeamId, blast: BlastId) -> StoreResult<u64> {
        let maps = self.blast_maps();
        let range = (team, blast, ContactId(0))..=(team, blast, ContactId(u64::MAX));
        Ok(maps.replies.range(range).count() as u64)
    }
}
