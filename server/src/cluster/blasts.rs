//! The storage contract's blasts over the cluster's stream: writes are
//! published as ops like every directory write, reads are served by this
//! node's projection. (A reply mark answers with `Applied::Deleted`,
//! whose flag says whether it was new.)

use super::ops::Op;
use super::store::{unexpected, NatsStore};
use crate::cluster::applier::Applied;
use crate::store::*;
use switchboard_protocol::blast::BlastRecipient;
use switchboard_protocol::ids::{BlastId, ContactId, ConversationId, TeamId};

impl Blasts for NatsStore {
    fn put_blast(&self, record: &BlastRecord) -> StoreResult<()> {
        self.done(Op::PutBlast(record.clone()))
    }

    fn blast(&self, team: TeamId, id: BlastId) -> StoreResult<Option<BlastRecord>> {
        self.found(|p| p.blast(team, id))
    }

    fn team_blasts(&self, team: TeamId, limit: usize) -> StoreResult<Vec<BlastRecord>> {
        self.projection().team_blasts(team, limit)
    }

    fn blast_count(&self, team: TeamId) -> StoreResult<u64> {
        self.projection().blast_count(team)
    }

    fn running_blasts(&self) -> StoreResult<Vec<BlastRecord>> {
        self.projection().running_blasts()
    }

    fn put_blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        recipients: &[BlastRecipient],
    ) -> StoreResult<()> {
        self.done(Op::PutBlastRecipients {
            team,
            blast,
            recipients: recipients.to_vec(),
        })
    }

    fn blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        after: Option<ContactId>,
        limit: usize,
    ) -> StoreResult<Vec<BlastRecipient>> {
        self.projection()
            .blast_recipients(team, blast, after, limit)
    }

    fn blast_sends(&self, conversation: ConversationId) -> StoreResult<Vec<BlastSend>> {
        self.projection().blast_sends(conversation)
    }

    fn put_blast_reply(
        &self,
        team: TeamId,
        blast: BlastId,
        contact: ContactId,
    ) -> StoreResult<bool> {
        match self.write(Op::PutBlastReply {
            team,
            blast,
            contact,
        })? {
            Applied::Deleted(new) => Ok(new),
            other => Err(unexpected(other)),
        }
    }

    fn blast_replied(&self, team: TeamId, blast: BlastId, contact: ContactId) -> StoreResult<bool> {
        self.projection().blast_replied(team, blast, contact)
    }

    fn blast_reply_count(&self, team: TeamId, blast: BlastId) -> StoreResult<u64> {
        self.projection().blast_reply_count(team, blast)
    }
}
