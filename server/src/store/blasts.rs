//! Blasts in the store: each blast's record ([`BlastRecord`]: what it
//! sends, to which audience, where it stands), the snapshot of its
//! recipients taken at its creation (one [`BlastRecipient`] per contact),
//! which conversation each recipient's message went to, and who replied.
//!
//! Invariants every implementation keeps:
//! - A blast's recipients are written once at creation, all `pending`, and
//!   afterwards only change state; the set never grows.
//! - A recipient written `sent` with a conversation is indexed under that
//!   conversation (`blast_conversations`), so that a contact's message
//!   there finds the blast it answers.
//! - A reply is a set member (team, blast, contact): marking it twice
//!   counts once.
//!
//! These are not written through the team's log: the messages a blast
//! sends are (each keyed `blast:{blast}:{contact}`, so that resending
//! after a crash stores nothing twice), and the records here say how far
//! the blast got. A record that lags its messages by one (a crash between
//! the message and the record) is mended by the resend, which finds the
//! key and answers with the stored message.

use super::StoreResult;
use serde::{Deserialize, Serialize};
use switchboard_protocol::blast::{BlastInfo, BlastRecipient};
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::ids::{BlastId, ContactId, ConversationId, Seq, TeamId};

/// One blast (`blasts`, team ++ id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastRecord {
    /// The blast as clients see it (its `replies` is counted when read,
    /// from the reply marks; the stored one is not kept up to date).
    pub info: BlastInfo,
    /// The audience it was created with.
    pub audience: ContactQuery,
    /// The idempotency key it was created with (its creator's).
    pub key: String,
}

/// A blast message sent in a conversation (`blast_conversations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastSend {
    /// The team.
    pub team: TeamId,
    /// The blast.
    pub blast: BlastId,
    /// Its recipient.
    pub contact: ContactId,
    /// The message's seq in the conversation.
    pub seq: Seq,
}

/// Teams' blasts: records in `blasts` (team ++ blast), recipients in
/// `blast_recipients` (team ++ blast ++ contact), the conversations their
/// messages went to in `blast_conversations` (conversation ++ blast), and
/// replies in `blast_replies` (team ++ blast ++ contact).
pub trait Blasts {
    /// Stores a blast's record (replacing the one of that id).
    fn put_blast(&self, record: &BlastRecord) -> StoreResult<()>;
    /// A team's blast by id.
    fn blast(&self, team: TeamId, id: BlastId) -> StoreResult<Option<BlastRecord>>;
    /// Up to `limit` of a team's blasts, newest first.
    fn team_blasts(&self, team: TeamId, limit: usize) -> StoreResult<Vec<BlastRecord>>;
    /// How many blasts a team ever created.
    fn blast_count(&self, team: TeamId) -> StoreResult<u64>;
    /// Every blast still `running`, of every team: what a starting server
    /// resumes.
    fn running_blasts(&self) -> StoreResult<Vec<BlastRecord>>;
    /// Stores recipients of a blast (replacing those of the same contact),
    /// indexing the sent ones under their conversation.
    fn put_blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        recipients: &[BlastRecipient],
    ) -> StoreResult<()>;
    /// Up to `limit` recipients of a blast with contact ids above `after`,
    /// by contact id.
    fn blast_recipients(
        &self,
        team: TeamId,
        blast: BlastId,
        after: Option<ContactId>,
        limit: usize,
    ) -> StoreResult<Vec<BlastRecipient>>;
    /// The blast messages sent in a conversation, by blast id.
    fn blast_sends(&self, conversation: ConversationId) -> StoreResult<Vec<BlastSend>>;
    /// Marks that a recipient replied; whether it was not marked before.
    fn put_blast_reply(
        &self,
        team: TeamId,
        blast: BlastId,
        contact: ContactId,
    ) -> StoreResult<bool>;
    /// Whether a recipient replied.
    fn blast_replied(&self, team: TeamId, blast: BlastId, contact: ContactId) -> StoreResult<bool>;
    /// How many recipients of a blast replied.
    fn blast_reply_count(&self, team: TeamId, blast: BlastId) -> StoreResult<u64>;
}
