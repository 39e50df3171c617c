//! What waits for the commit: each append's answer and events (see
//! `append`), held until the team's log reports the append committed (for
//! the embedded log, the group commit's flush that covers it), then
//! answered and fanned out in offset order.
//!
//! Invariants:
//! - Nothing is acknowledged or delivered before the commit that covers it:
//!   an entry leaves `pending` only once the log reports its ticket
//!   committed (or, for a removed team, refused; see `removal`).
//! - Once the hub has loaded its stream, `durable` moves only here, to the
//!   offset of the newest event answered, and is published to the registry
//!   before any answer of the flush leaves: whoever holds a `sent` reads
//!   what it acknowledged.
//! - `pending_bytes` is the sum of the entries' `bytes` (see `backlog`).

use super::actor::{error_frame, Hub};
use super::reach::Reach;
use super::request::Answerer;
use crate::outlet::SharedFrame;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use switchboard_protocol::ids::Offset;
use switchboard_protocol::server::{Event, EventFrame};
use switchboard_protocol::{ErrorCode, ServerFrame};

/// An answer and an event waiting for their commit.
pub(super) struct Pending {
    ticket: u64,
    bytes: usize,
    reply: Option<(Answerer, ServerFrame)>,
    event: Option<EventFrame>,
}

impl Hub<'_> {
    /// Queues an answer and an event (at its offset) behind the commit of
    /// `ticket` (see `append`, the only caller with an event). Tickets
    /// are queued in the order they were taken, so they only grow.
    pub(super) fn queue(
        &mut self,
        ticket: u64,
        reply: Option<(Answerer, ServerFrame)>,
        event: Option<(Offset, Event)>,
    ) {
        if let Some((_, event)) = &event {
            self.board.observe(event);
        }
        let bytes = super::backlog::entry_bytes(&reply, event.as_ref().map(|(_, e)| e));
        self.pending_bytes += bytes;
        self.pending.push_back(Pending {
            ticket,
            bytes,
            reply,
            event: event.map(|(offset, event)| EventFrame {
                team: self.team,
                offset,
                event,
            }),
        });
    }

    /// Answers every entry waiting for the flush with an error instead of
    /// its reply, and drops their events: what they wrote will never be
    /// acknowledged.
    pub(super) fn refuse_pending(&mut self, code: ErrorCode, message: &str) {
        for pending in self.pending.drain(..) {
            let Some((outlet, reply)) = pending.reply else {
                continue;
            };
            let request = match reply {
                ServerFrame::Result(result) => Some(result.id),
                ServerFrame::Error(error) => error.id,
                _ => None,
            };
            if let Some(id) = request {
                outlet.send(&error_frame(id, code, message));
            }
        }
        self.pending_bytes = 0;
        self.unapplied.abandoned();
    }

    /// The entries waiting for the flush, and the bytes they count for.
    pub(super) fn pending_load(&self) -> (usize, usize) {
        (self.pending.len(), self.pending_bytes)
    }

    /// Answers and delivers everything up to the committed ticket
    /// `committed`.
    ///
    /// The shared durable offset moves first, before any answer leaves:
    /// a client that reads (`history`) right after its `sent` must find
    /// what was acknowledged, and reads show only what is durable.
    pub(super) fn complete(&mut self, committed: u64) {
        self.unapplied.committed(committed);
        // What every live subscriber has been sent so far.
        let before = self.durable;
        let mut replies = Vec::new();
        let mut events = Vec::new();
        while self.pending.front().is_some_and(|p| p.ticket <= committed) {
            // The loop condition saw a front element.
            let Some(done) = self.pending.pop_front() else {
                break;
            };
            self.pending_bytes -= done.bytes;
            if let Some(reply) = done.reply {
                replies.push(reply);
            }
            if let Some(event) = done.event {
                self.durable = event.offset;
                let reach = Reach::of(&event.event);
                let frame = Arc::new(SharedFrame::new(ServerFrame::Event(event)));
                self.recent
                    .push(self.durable, reach.clone(), Arc::clone(&frame));
                events.push((reach, frame));
            }
        }
        self.durable_shared.store(self.durable.0, Ordering::Release);
        for (outlet, reply) in replies {
            outlet.send(&reply);
        }
        if !events.is_empty() {
            self.fan_out(before, events);
        }
    }
}
