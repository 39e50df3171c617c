//! The hub's assignee changes (`^assign`, `^unassign`): one atomic log
//! entry taking two offsets, the system message that records the change
//! (the conversation's next seq) and the `assignees` record after it, with
//! the conversation's new assignee list. Both events reach every entitled
//! connection after the flush, filtered like the conversation's messages.
//!
//! A change that changes nothing (assigning an assignee, unassigning
//! someone who is not) writes nothing and answers the current list. A
//! change sent with an idempotency key keeps its receipt in the same
//! entry; a retry gets the original list back (see `idempotency`).

use super::actor::{result_frame, Hub};
use super::append::Answer;
use super::AssigneeChange;
use super::ReplyTo;
use crate::store::{Entry, Receipt, StoreError};
use crate::time::now;
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::model::{Message, Sender, SenderKind};
use switchboard_protocol::server::{Event, Reply};

/// The name system messages are shown under.
const SYSTEM_NAME: &str = "Switchboard";

impl Hub<'_> {
    pub(super) fn assign(
        &mut self,
        to: ReplyTo,
        conversation: ConversationId,
        change: AssigneeChange,
        key: Option<String>,
    ) -> Result<(), StoreError> {
        if self.answer_retry(&to, change.by, key.as_deref())? {
            return Ok(());
        }
        let store = &self.registry.context.store;
        // The hub is the list's only writer: what it reads is current.
        let mut assignees = store.assignees(conversation)?;
        let present = assignees.contains(&change.user);
        if present == change.add {
            // Nothing to change: answer where it stands, behind the flush
            // that covers whatever this state came from.
            let current = Assignees {
                conversation,
                assignees,
            };
            self.answer_when_durable(to, |id| result_frame(id, Reply::Assignees(current)));
            return Ok(());
        }
        if change.add {
            assignees.push(change.user);
        } else {
            assignees.retain(|u| *u != change.user);
        }
        let seq = self.last_seq(conversation)?.next();
        let offset = self.next_offset();
        let message = Message {
            conversation,
            seq,
            offset,
            sender: Sender {
                kind: SenderKind::System,
                id: 0,
                name: SYSTEM_NAME.to_string(),
            },
            body: describe(&change),
            client_msg_id: None,
            at: now(),
            status: None,
            post: None,
            delivery: None,
        };
        let update = Assignees {
            conversation,
            assignees,
        };
        let reply = Reply::Assignees(update.clone());
        let entry = Entry::Assignees {
            message: &message,
            update: &update,
            receipt: key.as_deref().map(|key| Receipt {
                user: change.by,
                key,
                reply: &reply,
            }),
        };
        // Each event at its own offset, in order, after one commit.
        let events = vec![
            Event::Message(message.clone()),
            Event::Assignees(update.clone()),
        ];
        let answer = Answer {
            to,
            reply: reply.clone(),
            failure: if change.add {
                "could not assign"
            } else {
                "could not unassign"
            },
        };
        self.append(entry, events, Some(answer))?;
        self.seqs.insert(conversation, seq);
        Ok(())
    }
}

/// The system message's text: "Maya assigned Sam", "Sam unassigned themself".
fn describe(change: &AssigneeChange) -> String {
    let verb = if change.add { "assigned" } else { "unassigned" };
    if change.user == change.by {
        format!("{} {verb} themself", change.by_name)
    } else {
        format!("{} {verb} {}", change.by_name, change.name)
    }
}
