//! What a team's hub writes to the store in one atomic write ([`Entry`]),
//! the idempotency receipt that goes with a command ([`Receipt`],
//! [`KeyUse`]), and which page of a conversation a read asks for
//! ([`Page`]).

use super::book::BookChange;
use super::records::*;
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::content::PostInfo;
use switchboard_protocol::deliver::Outcome;
use switchboard_protocol::ids::{ConversationId, Offset, Seq, UserId};
use switchboard_protocol::manage::ContactUpdated;
use switchboard_protocol::model::{Message, ReadMarker};
use switchboard_protocol::server::Reply;

use super::transfers::{Rejection, TransferRecord};

/// A command's result, kept under the idempotency key it was sent with (a
/// `send`'s `client_msg_id`, a frame's `key`) so that a retry gets it back.
/// Written in the same atomic write as the command's effect (an [`Entry`],
/// or one of [`KeyedWrites`]): a command is either done and keyed, or
/// neither.
#[derive(Debug, Clone, Copy)]
pub struct Receipt<'a> {
    /// Who sent the command.
    pub user: UserId,
    /// The key it was sent under.
    pub key: &'a str,
    /// Its result, as first answered.
    pub reply: &'a Reply,
}

/// What an idempotency key of a user in a team was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUse {
    /// A message, stored at this seq of this conversation.
    Message {
        /// The conversation.
        conversation: ConversationId,
        /// The message's seq.
        seq: Seq,
    },
    /// A command or request, first answered with this result.
    Reply(Box<Reply>),
}

/// One atomic write to a team's stream, at an offset chosen by its hub.
#[derive(Debug, Clone)]
pub enum Entry<'a> {
    /// A message, with the idempotency key it was sent under.
    Message {
        /// The message (its `offset` and `seq` are the ones assigned).
        message: &'a Message,
        /// The sending user and their `client_msg_id`, if sent by a client.
        idempotency: Option<(UserId, &'a str)>,
    },
    /// A system message recording a command sent with an idempotency key,
    /// and the command's receipt (see [`Receipt`]).
    Command {
        /// The system message (its `offset` and `seq` are the ones assigned).
        message: &'a Message,
        /// The key and result of the command it records.
        receipt: Receipt<'a>,
    },
    /// A new conversation with a new contact.
    ConversationStarted {
        /// The contact.
        contact: &'a ContactRecord,
        /// The conversation.
        conversation: &'a ConversationRecord,
    },
    /// A read marker moved.
    Read(&'a ReadMarker),
    /// A contact's details changed: the contact as it now is, and the event
    /// (logged whole, for replays).
    ContactUpdated {
        /// The contact, replacing the stored one.
        contact: &'a ContactRecord,
        /// What changed, through which conversation.
        update: &'a ContactUpdated,
    },
    /// A conversation's assignees changed: the only entry that takes two
    /// offsets, the system message's (`message.offset`, the one committed
    /// at) and the `assignees` record's, the next one. Written atomically
    /// with the conversation's new assignee list.
    Assignees {
        /// The system message recording the change.
        message: &'a Message,
        /// The event (logged whole, for replays).
        update: &'a Assignees,
        /// The key and result of the command, if sent with a key.
        receipt: Option<Receipt<'a>>,
    },
    /// A conversation was delivered: the system message at `offset`, for a
    /// delivery to a user the `assignees` record at the next offset, then
    /// the `delivered` record; with the conversation record (status
    /// delivered, the outcome) and, for a delivery to another team, the
    /// pending handoff, all in one atomic write.
    Delivered {
        /// The system message recording the delivery.
        message: &'a Message,
        /// The conversation's new assignees (a delivery to a user).
        assignees: Option<&'a Assignees>,
        /// The outcome (logged whole, for replays).
        outcome: &'a Outcome,
        /// The conversation as it now is, replacing the stored one.
        conversation: &'a ConversationRecord,
        /// The handoff the receiving team will import (a delivery to a team).
        handoff: Option<&'a HandoffRecord>,
        /// The key and result of the command, if sent with a key.
        receipt: Option<Receipt<'a>>,
    },
    /// A handoff imported into the receiving team, in one atomic write: the
    /// new contact and conversation (`conversation_started` at `offset`),
    /// then `messages` at the offsets after it (the copied history and the
    /// handoff message, by seq from 1), and the handoff record deleted.
    HandoffImported {
        /// The handoff, deleted from the pending ones.
        handoff: &'a HandoffRecord,
        /// The receiving team's copy of the contact.
        contact: &'a ContactRecord,
        /// The receiving team's new conversation.
        conversation: &'a ConversationRecord,
        /// Its messages, seqs 1..=n, offsets `offset + 1..=offset + n`.
        messages: &'a [Message],
    },
    /// A write to the team's contact book (see [`BookChange`]), with the
    /// request's receipt if it was sent with a key; its log records take
    /// the offsets from `offset` on.
    ContactBook {
        /// What changes.
        change: &'a BookChange,
        /// The key and result of the request, if sent with a key.
        receipt: Option<Receipt<'a>>,
    },
    /// A batch of an import, in one atomic write: the book write of the
    /// contacts it created or merged (as they now are; its one log record
    /// the `ImportProgress`), the job's record with its new cursor and
    /// counts, and the rows it refused.
    ContactsImported {
        /// The contacts written, and the progress logged.
        change: &'a BookChange,
        /// The job, with the cursor after the batch.
        record: &'a TransferRecord,
        /// The batch's rejected rows.
        rejects: &'a [Rejection],
    },
    /// A post created or changed: the post as it now is (replacing the
    /// stored one, and logged whole as `post_changed` for replays), with
    /// the request's receipt if it was sent with a key.
    PostSaved {
        /// The post.
        post: &'a PostInfo,
        /// The key and result of the request, if sent with a key.
        receipt: Option<Receipt<'a>>,
    },
    /// A bridge's delivery report: the message as it now is (its
    /// `delivery` the report's), replacing the stored one where it stands
    /// (its own offset and seq), and the report logged at the entry's
    /// offset, in one atomic write.
    Delivery {
        /// The message, its delivery updated.
        message: &'a Message,
        /// The report (logged whole, for replays).
        report: &'a switchboard_protocol::bridge::Receipt,
    },
}

impl Entry<'_> {
    /// The newest offset the entry takes when committed at `offset`.
    pub fn last_offset(&self, offset: Offset) -> Offset {
        match self {
            Entry::Assignees { .. } => offset.next(),
            Entry::Delivered { assignees, .. } => {
                Offset(offset.0 + 1 + u64::from(assignees.is_some()))
            }
            Entry::HandoffImported { messages, .. } => Offset(offset.0 + messages.len() as u64),
            Entry::ContactBook { change, .. } | Entry::ContactsImported { change, .. } => {
                Offset(offset.0 + (change.log.len() as u64).saturating_sub(1))
            }
            _ => offset,
        }
    }
}

/// Which page of a conversation to read.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    /// The newest messages.
    Latest,
    /// Messages with a seq below this one, the nearest first.
    Before(Seq),
    /// Messages with a seq above this one, the nearest first.
    After(Seq),
}
