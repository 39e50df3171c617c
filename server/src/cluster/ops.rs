//! The operations a node publishes to the stream: every mutating call of
//! the storage contract, the reservation of a block of ids, a team's batch
//! of log entries and a new writer's fence, as owned values encoded in
//! MessagePack ([`Op::encode`]).
//!
//! Invariants:
//! - An op carries everything its effect depends on (the epoch of a new
//!   team, the `now` of a confirmation), so that applying it gives the
//!   same state and the same result on every node: the stream is a
//!   deterministic state machine's input.
//! - [`OwnedEntry::as_entry`] gives back the very [`Entry`] it was made
//!   from ([`OwnedEntry::from_entry`]).

use crate::store::{
    AccountRecord, BookChange, BotRecord, ContactRecord, ConversationRecord, Entry, GrantRecord,
    HandoffRecord, ImportMapping, InvitationRecord, MailRecord, Receipt, Rejection, SignupRecord,
    StoreError, StoreResult, TeamRecord, TokenRecord, TransferRecord, UsageCheckpoint, UserRecord,
    VisitorRecord,
};
use serde::{Deserialize, Serialize};
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::content::PostInfo;
use switchboard_protocol::deliver::Outcome;
use switchboard_protocol::ids::{Epoch, Millis, Offset, TeamId, UserId};
use switchboard_protocol::manage::ContactUpdated;
use switchboard_protocol::model::{Message, ReadMarker, Role};
use switchboard_protocol::server::Reply;

/// A token, invitation or sign-up hash: the key of its record.
pub(crate) type Hash = [u8; 32];

/// One operation of the stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Op {
    PutAccount(AccountRecord),
    /// `epoch` is the team's stream epoch if the team is new.
    PutTeam {
        team: TeamRecord,
        epoch: Epoch,
    },
    RemoveTeam(TeamId),
    PutUser(UserRecord),
    PutMembership {
        team: TeamId,
        user: UserId,
        role: Role,
    },
    RemoveMembership {
        team: TeamId,
        user: UserId,
    },
    PutToken {
        hash: Hash,
        token: TokenRecord,
    },
    DeleteToken(Hash),
    PutInvitation {
        hash: Hash,
        invitation: InvitationRecord,
    },
    TakeInvitation(Hash),
    PutMail(MailRecord),
    DeleteMail(u64),
    PutUsageCheckpoint {
        team: TeamId,
        checkpoint: UsageCheckpoint,
    },
    PutGrant(GrantRecord),
    PutBot(BotRecord),
    PutVisitor(VisitorRecord),
    CreateTeam {
        team: TeamRecord,
        epoch: Epoch,
        owner: UserId,
        receipt: Option<OwnedReceipt>,
    },
    AddMember {
        team: TeamId,
        user: UserId,
        role: Role,
        receipt: Option<OwnedReceipt>,
    },
    CreateBot {
        bot: BotRecord,
        receipt: Option<OwnedReceipt>,
    },
    PutSignup {
        hash: Hash,
        signup: SignupRecord,
    },
    ConfirmSignup {
        hash: Hash,
        user: UserRecord,
        account: AccountRecord,
        now: Millis,
    },
    DeleteExpiredSignup {
        hash: Hash,
        now: Millis,
    },
    PutTransfer(TransferRecord),
    PutImportRejects {
        team: TeamId,
        job: u64,
        rows: Vec<Rejection>,
    },
    PutImportMapping {
        team: TeamId,
        mapping: ImportMapping,
    },
    // Blasts.
    PutBlast(crate::store::BlastRecord),
    PutBlastRecipients {
        team: TeamId,
        blast: switchboard_protocol::ids::BlastId,
        recipients: Vec<switchboard_protocol::blast::BlastRecipient>,
    },
    PutBlastReply {
        team: TeamId,
        blast: switchboard_protocol::ids::BlastId,
        contact: switchboard_protocol::ids::ContactId,
    },
    /// Reserves `count` ids: the result is the first of the block.
    ReserveIds {
        count: u64,
    },
    /// Gives a team's stream `epoch` unless it has one (a stream read
    /// before any team or batch named it).
    StartStream {
        team: TeamId,
        epoch: Epoch,
    },
    /// Entries of a team's log at the offsets given, in order; `epoch` is
    /// the team's stream epoch if it has none yet.
    Batch {
        team: TeamId,
        epoch: Epoch,
        entries: Vec<(Offset, OwnedEntry)>,
    },
    /// A new writer of a team took over: published with the expected last
    /// sequence of the team's subject, it makes the deposed writer's next
    /// append fail. Changes nothing in the projection.
    Fence {
        team: TeamId,
        node: String,
    },
    // Webhook bridges (last: ops already in a stream keep their tags).
    PutWebhookBridge(UserId),
    PutDeadLetter {
        team: TeamId,
        letter: switchboard_protocol::webhook::DeadLetter,
    },
    RemoveDeadLetter {
        team: TeamId,
        id: u64,
    },
}

impl Op {
    /// The op as a message payload.
    pub(crate) fn encode(&self) -> Vec<u8> {
        // Ops are plain records of strings and numbers: encoding cannot fail.
        rmp_serde::to_vec_named(self).expect("ops always encode")
    }

    /// An op read from the stream.
    pub(crate) fn decode(payload: &[u8]) -> StoreResult<Op> {
        rmp_serde::from_slice(payload).map_err(|e| StoreError::Corrupt {
            what: "stream op",
            detail: e.to_string(),
        })
    }
}

/// A [`Receipt`] that owns its key and reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OwnedReceipt {
    pub(crate) user: UserId,
    pub(crate) key: String,
    pub(crate) reply: Reply,
}

impl OwnedReceipt {
    pub(crate) fn from_receipt(receipt: Receipt<'_>) -> OwnedReceipt {
        OwnedReceipt {
            user: receipt.user,
            key: receipt.key.to_owned(),
            reply: receipt.reply.clone(),
        }
    }

    pub(crate) fn as_receipt(&self) -> Receipt<'_> {
        Receipt {
            user: self.user,
            key: &self.key,
            reply: &self.reply,
        }
    }
}

/// An [`Entry`] that owns its data, to travel in a [`Op::Batch`].
// Entries are made once per append and moved into their batch: boxing the
// larger variants would save nothing worth an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum OwnedEntry {
    Message {
        message: Message,
        idempotency: Option<(UserId, String)>,
    },
    Command {
        message: Message,
        receipt: OwnedReceipt,
    },
    ConversationStarted {
        contact: ContactRecord,
        conversation: ConversationRecord,
    },
    Read(ReadMarker),
    ContactUpdated {
        contact: ContactRecord,
        update: ContactUpdated,
    },
    Delivery {
        message: Message,
        report: switchboard_protocol::bridge::Receipt,
    },
    ContactsImported {
        change: BookChange,
        record: TransferRecord,
        rejects: Vec<Rejection>,
    },
    Assignees {
        message: Message,
        update: Assignees,
        receipt: Option<OwnedReceipt>,
    },
    Delivered {
        message: Message,
        assignees: Option<Assignees>,
        outcome: Outcome,
        conversation: ConversationRecord,
        handoff: Option<HandoffRecord>,
        receipt: Option<OwnedReceipt>,
    },
    HandoffImported {
        handoff: HandoffRecord,
        contact: ContactRecord,
        conversation: ConversationRecord,
        messages: Vec<Message>,
    },
    PostSaved {
        post: PostInfo,
        receipt: Option<OwnedReceipt>,
    },
    ContactBook {
        change: BookChange,
        receipt: Option<OwnedReceipt>,
    },
}

impl OwnedEntry {
    pub(crate) fn from_entry(entry: &Entry<'_>) -> OwnedEntry {
        let owned = |r: &Option<Receipt<'_>>| r.map(OwnedReceipt::from_receipt);
        match entry {
            Entry::Message {
                message,
                idempotency,
            } => OwnedEntry::Message {
                message: (*message).clone(),
                idempotency: idempotency.map(|(user, key)| (user, key.to_owned())),
            },
            Entry::Command { message, receipt } => OwnedEntry::Command {
                message: (*message).clone(),
                receipt: OwnedReceipt::from_receipt(*receipt),
            },
            Entry::ConversationStarted {
                contact,
                conversation,
            } => OwnedEntry::ConversationStarted {
                contact: (*contact).clone(),
                conversation: (*conversation).clone(),
            },
            Entry::Read(marker) => OwnedEntry::Read((*marker).clone()),
            Entry::Delivery { message, report } => OwnedEntry::Delivery {
                message: (*message).clone(),
                report: (*report).clone(),
            },
            Entry::ContactUpdated { contact, update } => OwnedEntry::ContactUpdated {
                contact: (*contact).clone(),
                update: (*update).clone(),
            },
            Entry::ContactsImported {
                change,
                record,
                rejects,
            } => OwnedEntry::ContactsImported {
                change: (*change).clone(),
                record: (*record).clone(),
                rejects: rejects.to_vec(),
            },
            Entry::Assignees {
                message,
                update,
                receipt,
            } => OwnedEntry::Assignees {
                message: (*message).clone(),
                update: (*update).clone(),
                receipt: owned(receipt),
            },
            Entry::Delivered {
                message,
                assignees,
                outcome,
                conversation,
                handoff,
                receipt,
            } => OwnedEntry::Delivered {
                message: (*message).clone(),
                assignees: assignees.cloned(),
                outcome: (*outcome).clone(),
                conversation: (*conversation).clone(),
                handoff: handoff.cloned(),
                receipt: owned(receipt),
            },
            Entry::HandoffImported {
                handoff,
                contact,
                conversation,
                messages,
            } => OwnedEntry::HandoffImported {
                handoff: (*handoff).clone(),
                contact: (*contact).clone(),
                conversation: (*conversation).clone(),
                messages: messages.to_vec(),
            },
            Entry::PostSaved { post, receipt } => OwnedEntry::PostSaved {
                post: (*post).clone(),
                receipt: owned(receipt),
            },
            Entry::ContactBook { change, receipt } => OwnedEntry::ContactBook {
                change: (*change).clone(),
                receipt: owned(receipt),
            },
        }
    }

    pub(crate) fn as_entry(&self) -> Entry<'_> {
        match self {
            OwnedEntry::Message {
                message,
                idempotency,
            } => Entry::Message {
                message,
                idempotency: idempotency
                    .as_ref()
                    .map(|(user, key)| (*user, key.as_str())),
            },
            OwnedEntry::Command { message, receipt } => Entry::Command {
                message,
                receipt: receipt.as_receipt(),
            },
            OwnedEntry::ConversationStarted {
                contact,
                conversation,
            } => Entry::ConversationStarted {
                contact,
                conversation,
            },
            OwnedEntry::Read(marker) => Entry::Read(marker),
            OwnedEntry::Delivery { message, report } => Entry::Delivery { message, report },
            OwnedEntry::ContactUpdated { contact, update } => {
                Entry::ContactUpdated { contact, update }
            }
            OwnedEntry::ContactsImported {
                change,
                record,
                rejects,
            } => Entry::ContactsImported {
                change,
                record,
                rejects,
            },
            OwnedEntry::Assignees {
                message,
                update,
                receipt,
            } => Entry::Assignees {
                message,
                update,
                receipt: receipt.as_ref().map(OwnedReceipt::as_receipt),
            },
            OwnedEntry::Delivered {
                message,
                assignees,
                outcome,
                conversation,
                handoff,
                receipt,
            } => Entry::Delivered {
                message,
                assignees: assignees.as_ref(),
                outcome,
                conversation,
                handoff: handoff.as_ref(),
                receipt: receipt.as_ref().map(OwnedReceipt::as_receipt),
            },
            OwnedEntry::HandoffImported {
                handoff,
                contact,
                conversation,
                messages,
            } => Entry::HandoffImported {
                handoff,
                contact,
                conversation,
                messages,
            },
            OwnedEntry::PostSaved { post, receipt } => Entry::PostSaved {
                post,
                receipt: receipt.as_ref().map(OwnedReceipt::as_receipt),
            },
            OwnedEntry::ContactBook { change, receipt } => Entry::ContactBook {
                change,
                receipt: receipt.as_ref().map(OwnedReceipt::as_receipt),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::ids::{ConversationId, Seq};
    use switchboard_protocol::model::{Sender, SenderKind};

    #[test]
    fn a_batch_decodes_to_the_entries_it_was_made_from() {
        let message = Message {
            conversation: ConversationId(3),
            seq: Seq(1),
            offset: Offset(1),
            sender: Sender {
                kind: SenderKind::Agent,
                id: 5,
                name: "A".into(),
            },
            body: "hello".into(),
            client_msg_id: Some("c1".into()),
            at: Millis(9),
            status: None,
            post: None,
            delivery: None,
        };
        let entry = Entry::Message {
            message: &message,
            idempotency: Some((UserId(5), "c1")),
        };
        let op = Op::Batch {
            team: TeamId(7),
            epoch: Epoch(11),
            entries: vec![(Offset(1), OwnedEntry::from_entry(&entry))],
        };
        let Op::Batch { entries, .. } = Op::decode(&op.encode()).unwrap() else {
            panic!("a batch decodes as a batch");
        };
        let Entry::Message {
            message: decoded,
            idempotency,
        } = entries[0].1.as_entry()
        else {
            panic!("a message entry decodes as one");
        };
        assert_eq!(decoded, &message);
        assert_eq!(idempotency, Some((UserId(5), "c1")));
    }

    #[test]
    fn arbitrary_bytes_decode_to_an_error_not_a_panic() {
        for bytes in [&b""[..], b"\x91\xc1", b"\xa3abc", &[0xff; 40]] {
            assert!(Op::decode(bytes).is_err());
        }
    }
}
