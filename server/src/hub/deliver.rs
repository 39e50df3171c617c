//! The hub's deliveries (`^deliver`), and the import of handoffs from
//! other teams.
//!
//! A delivery to a user of the team is one atomic log entry taking three
//! offsets: the system message recording it (the conversation's next seq),
//! the `assignees` record making that user the only assignee, and the
//! `delivered` record with the outcome; the conversation record (status
//! `delivered`, the outcome) is replaced in the same write, with the
//! receipt of the idempotency key the delivery was sent with, if any (a
//! retry gets the original outcome back: see `idempotency`). The three
//! events go out in offset order after one flush, then the reply.
//!
//! # Handoffs: one atomic step across two single writers
//!
//! A delivery to another team touches two logs, each written by its own
//! team's hub alone, so no single commit can cover both. An outbox makes
//! the step atomic all the same:
//!
//! 1. The delivering hub writes one atomic entry: the system message, the
//!    `delivered` record, the conversation record, and a pending
//!    [`HandoffRecord`] in `handoffs`, keyed by the receiving team and the
//!    id its new conversation will have (taken from `Store::next_id` before
//!    the write, so the outcome can name it).
//! 2. It then asks the receiving team's hub to import its pending handoffs.
//!    That hub, in one atomic entry of its own log, creates the contact's
//!    copy and the conversation (`conversation_started`), copies the
//!    history before the delivery as messages 1..n (sender, time and body
//!    kept), appends the handoff message, and deletes the pending record.
//! 3. A hub starting imports its team's pending handoffs before anything
//!    else, so a crash between 1 and 2 finishes the handoff at the next
//!    start of the receiving hub (the server starts every team's hub that
//!    has pending handoffs when it starts).
//!
//! The pending record exists only if step 1 survived (same write), and it
//! disappears exactly when step 2's entry is written (same write), so a
//! handoff is imported once or, until the import, is pending: never twice,
//! never half. The receiving hub is the only one importing into its team,
//! one handoff at a time, so two imports cannot race. sled recovers a
//! prefix of its writes after a crash, so an import that survived implies
//! the delivery (written before it) did too.

use super::actor::Hub;
use super::append::Answer;
use super::ReplyTo;
use super::{Delivery, DeliveryTarget, HubCommand, HubRequest};
use crate::store::{
    ContactRecord, ConversationRecord, Entry, HandoffRecord, Page, Receipt, StoreError,
};
use crate::time::now;
use std::sync::Arc;
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::deliver::{DeliveredTo, Outcome};
use switchboard_protocol::ids::{ConversationId, Offset, Seq};
use switchboard_protocol::model::{ConversationStatus, Message, Sender, SenderKind};
use switchboard_protocol::server::{Event, Reply};
use switchboard_protocol::ErrorCode;

/// The name system messages are shown under.
const SYSTEM_NAME: &str = "Switchboard";
/// Messages read per page when copying a conversation's history.
const COPY_PAGE: usize = 500;

impl Hub<'_> {
    pub(super) fn deliver(
        &mut self,
        caller: ReplyTo,
        conversation: ConversationId,
        delivery: Delivery,
        key: Option<String>,
    ) -> Result<(), StoreError> {
        // A retry is answered with the original outcome: never a second one.
        if self.answer_retry(&caller, delivery.by, key.as_deref())? {
            return Ok(());
        }
        let store = Arc::clone(&self.registry.context.store);
        let Some(mut record) = store.conversation(conversation)? else {
            caller.refuse(
                ErrorCode::NotFound,
                &format!("no conversation {conversation}"),
            );
            return Ok(());
        };
        let Some(team) = store.team(self.team)? else {
            caller.refuse(ErrorCode::NotFound, "no such team");
            return Ok(());
        };
        let seq = self.last_seq(conversation)?.next();
        let offset = self.next_offset();
        let at = now();
        let to = match &delivery.target {
            DeliveryTarget::User { user, name } => DeliveredTo::User {
                user: *user,
                name: name.clone(),
            },
            DeliveryTarget::Team { team, name } => DeliveredTo::Team {
                team: *team,
                name: name.clone(),
                conversation: ConversationId(store.next_id()?),
            },
        };
        let outcome = Outcome {
            conversation,
            team: self.team,
            seq,
            by: delivery.by,
            by_name: delivery.by_name.clone(),
            to,
            status: delivery.status.clone(),
            note: delivery.note.clone(),
            at,
        };
        let mut message = system_message(conversation, seq, offset, describe(&outcome), at);
        // The delivery's message carries the status it sets, as every
        // status change does (PROTOCOL.md, "Conversation status").
        message.status = Some(ConversationStatus::Delivered);
        let assignees = match &outcome.to {
            DeliveredTo::User { user, .. } => Some(Assignees {
                conversation,
                assignees: vec![*user],
            }),
            DeliveredTo::Team { .. } => None,
        };
        let handoff = match &outcome.to {
            DeliveredTo::Team {
                team: to_team,
                conversation: new,
                ..
            } => {
                let Some(contact) = store.contact(record.contact)? else {
                    caller.refuse(ErrorCode::Internal, "could not deliver");
                    return Err(StoreError::Corrupt {
                        what: "conversation",
                        detail: format!("{conversation} has no contact"),
                    });
                };
                Some(HandoffRecord {
                    to_team: *to_team,
                    conversation: *new,
                    from_team: self.team,
                    from_team_name: team.name.clone(),
                    source: conversation,
                    through: seq,
                    contact,
                    by: outcome.by,
                    by_name: outcome.by_name.clone(),
                    status: outcome.status.clone(),
                    note: outcome.note.clone(),
                    at,
                })
            }
            DeliveredTo::User { .. } => None,
        };
        record.status = ConversationStatus::Delivered;
        record.status_seq = seq;
        record.waiting_since = None;
        record.outcome = Some(outcome.clone());
        let reply = Reply::Delivered(outcome.clone());
        let entry = Entry::Delivered {
            message: &message,
            assignees: assignees.as_ref(),
            outcome: &outcome,
            conversation: &record,
            handoff: handoff.as_ref(),
            receipt: key.as_deref().map(|key| Receipt {
                user: delivery.by,
                key,
                reply: &reply,
            }),
        };
        // Each event at its own offset, in order, after one commit.
        let mut events = vec![Event::Message(message.clone())];
        events.extend(assignees.clone().map(Event::Assignees));
        events.push(Event::Delivered(outcome.clone()));
        let answer = Answer {
            to: caller,
            reply: reply.clone(),
            failure: "could not deliver",
        };
        self.append(entry, events, Some(answer))?;
        self.seqs.insert(conversation, seq);
        if let Some(handoff) = handoff {
            // The receiving hub imports it (see the module docs); it reads
            // what this hub just wrote, and its own flush covers both.
            let registry = Arc::clone(self.registry);
            tokio::spawn(async move {
                let team = handoff.to_team;
                let import = HubRequest::internal(HubCommand::ImportHandoffs);
                if registry.dispatch(team, import).await.is_err() {
                    tracing::info!(%team, "handoff left pending: the server is stopping");
                }
            });
        }
        Ok(())
    }

    /// Imports every handoff waiting for this team, each in one atomic entry.
    pub(super) fn import_handoffs(&mut self) -> Result<(), StoreError> {
        let store = Arc::clone(&self.registry.context.store);
        for handoff in store.handoffs(self.team)? {
            self.import(&handoff)?;
        }
        Ok(())
    }

    fn import(&mut self, handoff: &HandoffRecord) -> Result<(), StoreError> {
        let store = Arc::clone(&self.registry.context.store);
        let at = now();
        let contact = ContactRecord {
            id: store.next_id()?.into(),
            team: self.team,
            created_at: at,
            updated_at: at,
            ..handoff.contact.clone()
        };
        let mut conversation =
            ConversationRecord::new(handoff.conversation, self.team, contact.id, at);
        let start = self.next_offset();
        let mut messages = Vec::new();
        let mut after = Seq(0);
        'copy: loop {
            let (page, more) = store.messages(handoff.source, Page::After(after), COPY_PAGE)?;
            for original in page {
                if original.seq >= handoff.through {
                    break 'copy;
                }
                after = original.seq;
                let seq = Seq(messages.len() as u64 + 1);
                messages.push(Message {
                    conversation: conversation.id,
                    seq,
                    offset: Offset(start.0 + seq.0),
                    // A copy: the receiving team's own sends are not retries,
                    // and the source's statuses are not this conversation's.
                    client_msg_id: None,
                    status: None,
                    ..original
                });
            }
            if !more {
                break;
            }
        }
        let seq = Seq(messages.len() as u64 + 1);
        let mut note = system_message(
            conversation.id,
            seq,
            Offset(start.0 + seq.0),
            describe_handoff(handoff),
            at,
        );
        // A handed-over contact waits for the receiving team from the
        // handoff on, so that its dashboard and `next` offer them.
        note.status = Some(ConversationStatus::Waiting);
        conversation.observe(&note);
        messages.push(note);
        let entry = Entry::HandoffImported {
            handoff,
            contact: &contact,
            conversation: &conversation,
            messages: &messages,
        };
        let info = conversation.info(&contact, Seq(0));
        let mut events = vec![Event::ConversationStarted(info)];
        events.extend(messages.iter().cloned().map(Event::Message));
        self.append(entry, events, None)?;
        self.seqs.insert(conversation.id, seq);
        Ok(())
    }
}

fn system_message(
    conversation: ConversationId,
    seq: Seq,
    offset: Offset,
    body: String,
    at: switchboard_protocol::ids::Millis,
) -> Message {
    Message {
        conversation,
        seq,
        offset,
        sender: Sender {
            kind: SenderKind::System,
            id: 0,
            name: SYSTEM_NAME.to_string(),
        },
        body,
        client_msg_id: None,
        at,
        status: None,
        post: None,
        delivery: None,
    }
}

/// "Maya delivered to Sam — status Hired — note: call Monday".
fn describe(outcome: &Outcome) -> String {
    let (DeliveredTo::User { name, .. } | DeliveredTo::Team { name, .. }) = &outcome.to;
    let mut text = format!("{} delivered to {name}", outcome.by_name);
    append_details(&mut text, &outcome.status, &outcome.note);
    text
}

/// "Maya handed this conversation over from Team A — status Hired — note: ...".
fn describe_handoff(handoff: &HandoffRecord) -> String {
    let mut text = format!(
        "{} handed this conversation over from {}",
        handoff.by_name, handoff.from_team_name
    );
    append_details(&mut text, &handoff.status, &handoff.note);
    text
}

fn append_details(text: &mut String, status: &Option<String>, note: &Option<String>) {
    if let Some(status) = status {
        text.push_str(" — status ");
        text.push_str(status);
    }
    if let Some(note) = note {
        text.push_str(" — note: ");
        text.push_str(note);
    }
}
