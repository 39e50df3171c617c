//! System messages: the timeline's record of an accepted command
//! (`^invite`, revoking an invitation), written by the hub like any
//! message (the conversation's next seq, the team's next offset, one
//! atomic log entry) under the system sender. The command's reply is
//! answered, and the message fanned out to every connection entitled to
//! the conversation, only after the group commit that makes it durable.
//! A command sent with an idempotency key keeps its receipt in the same
//! atomic entry as the message (see `idempotency`).
//!
//! What the command changed outside the timeline (grants, invitations) the
//! session has written before it hands the message over: the reply never
//! announces a change that is not stored.

use super::actor::Hub;
use super::append::Answer;
use super::ReplyTo;
use crate::idempotency::Claim;
use crate::store::{Entry, Receipt, StoreError};
use crate::time::now;
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::model::{Message, Sender, SenderKind};
use switchboard_protocol::server::{Event, Reply};

/// The name system messages are shown under.
pub(super) const SYSTEM_NAME: &str = "Switchboard";

/// The author of every system message.
pub(super) fn system_sender() -> Sender {
    Sender {
        kind: SenderKind::System,
        id: 0,
        name: SYSTEM_NAME.to_string(),
    }
}

impl Hub<'_> {
    /// Appends a system message saying `body` to `conversation` (of this
    /// team, as the session checked), then answers `to` with `reply`
    /// behind the flush that covers the message. With the `claim` on the
    /// command's idempotency key, `reply` is kept under that key in the
    /// same entry.
    pub(super) fn system_message(
        &mut self,
        to: ReplyTo,
        conversation: ConversationId,
        body: String,
        reply: Reply,
        claim: Option<&Claim>,
    ) -> Result<(), StoreError> {
        let seq = self.last_seq(conversation)?.next();
        let offset = self.next_offset();
        let message = Message {
            conversation,
            seq,
            offset,
            sender: system_sender(),
            body,
            client_msg_id: None,
            at: now(),
            status: None,
            post: None,
            delivery: None,
        };
        let entry = match claim {
            Some(claim) => Entry::Command {
                message: &message,
                receipt: Receipt {
                    user: claim.user(),
                    key: claim.key(),
                    reply: &reply,
                },
            },
            None => Entry::Message {
                message: &message,
                idempotency: None,
            },
        };
        let events = vec![Event::Message(message.clone())];
        let answer = Answer {
            to,
            reply: reply.clone(),
            failure: "could not record the change in the conversation",
        };
        self.append(entry, events, Some(answer))?;
        self.seqs.insert(conversation, seq);
        Ok(())
    }
}
