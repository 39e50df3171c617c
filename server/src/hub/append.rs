//! The hub's one write path: every write of the team, whichever command
//! makes it, goes through [`Hub::append`], which appends the entry to the
//! team's log (`team_log`) right after the hub's head, moves the head,
//! gives each event its offset, and queues the events and the answer
//! behind the commit (see `pending`, which answers and fans them out once
//! the log reports the append committed).
//!
//! Invariants:
//! - Offsets are assigned here alone: an entry is appended after `head`,
//!   and its events take the offsets the append took, in order. A caller
//!   stamps the messages it builds with [`Hub::next_offset`], the offset
//!   the append will take, and appends before anything else can.
//! - A failed append moves nothing (head, seqs) and answers the request
//!   with its `failure` message; the caller's error is logged by
//!   `dispatch`.
//! - An answer that appends nothing but must reflect only durable state
//!   (a retry's original, a no-op, a read of the board) waits behind the
//!   commit of everything appended so far ([`Hub::answer_when_durable`]).

use super::actor::{result_frame, Hub};
use super::ReplyTo;
use crate::store::{Entry, StoreError};
use crate::team_log::AppendError;
use switchboard_protocol::ids::{Offset, RequestId};
use switchboard_protocol::model::SenderKind;
use switchboard_protocol::server::{Event, Reply};
use switchboard_protocol::{ErrorCode, ServerFrame};

/// Who to answer once an append is committed, and with what.
pub(super) struct Answer {
    pub(super) to: ReplyTo,
    pub(super) reply: Reply,
    /// What the request is answered with (as an internal error) if the
    /// append fails.
    pub(super) failure: &'static str,
}

impl Hub<'_> {
    /// The offset the next append takes.
    pub(super) fn next_offset(&self) -> Offset {
        self.head.next()
    }

    /// Appends `entry` to the team's log, then queues `events` (one per
    /// offset the entry takes, in order) and the answer behind its commit.
    pub(super) fn append(
        &mut self,
        entry: Entry<'_>,
        events: Vec<Event>,
        answer: Option<Answer>,
    ) -> Result<(), StoreError> {
        let log = &self.registry.context.log;
        let appended = match log.append(self.team, self.head, entry.clone()) {
            Ok(appended) => appended,
            Err(e) => {
                if let Some(answer) = answer {
                    match e {
                        // The writer lease moved between the hub's check and
                        // the append: a retry reaches the new writer.
                        AppendError::NotWriter => answer
                            .to
                            .refuse(ErrorCode::Unavailable, "the team's writer changed; retry"),
                        _ => answer.to.refuse(ErrorCode::Internal, answer.failure),
                    }
                }
                return Err(match e {
                    AppendError::Store(e) => e,
                    // Another writer appended to this hub's team: what the
                    // hub believes of its log is stale.
                    conflict @ AppendError::Conflict { .. } => {
                        StoreError::Inconsistent(conflict.to_string())
                    }
                    not_writer @ AppendError::NotWriter => StoreError::Backend {
                        engine: "team log",
                        source: Box::new(not_writer),
                    },
                });
            }
        };
        debug_assert_eq!(
            appended.last.0 - appended.first.0 + 1,
            events.len() as u64,
            "one event per offset the entry takes"
        );
        self.head = appended.last;
        self.unapplied.appended(appended.ticket, &entry);
        if let Entry::Message { message, .. } = &entry {
            if message.sender.kind == SenderKind::Contact {
                // However it came (a bot, a bridge, the web chat), a
                // blast counts it as a reply (see `blasts`).
                self.blast_reply(message.conversation, message.seq)?;
            }
        }
        // The answer goes with the last event: it leaves once all of them
        // are committed.
        let mut reply = answer.and_then(|a| a.to.frame(|id| result_frame(id, a.reply)));
        let count = events.len();
        let mut offset = appended.first;
        for (index, event) in events.into_iter().enumerate() {
            let reply = if index + 1 == count {
                reply.take()
            } else {
                None
            };
            self.queue(appended.ticket, reply, Some((offset, event)));
            offset = offset.next();
        }
        if reply.is_some() {
            self.queue(appended.ticket, reply, None);
        }
        Ok(())
    }

    /// Answers with `frame` (built from the request id) once everything
    /// appended so far is committed.
    pub(super) fn answer_when_durable(
        &mut self,
        to: ReplyTo,
        frame: impl FnOnce(RequestId) -> ServerFrame,
    ) {
        if let Some(reply) = to.frame(frame) {
            let log = &self.registry.context.log;
            let ticket = log.barrier(self.team);
            // A log whose barrier is a ticket already committed (the
            // cluster's, when the team is idle) sends no further commit
            // notice for it: with nothing queued before it, answer now.
            if self.pending.is_empty() && *log.committed(self.team).borrow() >= ticket {
                let (to, frame) = reply;
                to.send(&frame);
                return;
            }
            self.queue(ticket, Some(reply), None);
        }
    }
}
