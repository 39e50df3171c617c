//! A hub on a server that shares its team's log with others: who writes
//! the team decides what the hub does with a write command (carry it
//! out, forward it, or hold it until a writer is known), and a hub that
//! does not write follows what the writer committed.
//!
//! Invariants:
//! - Only the writer's hub appends; every other hub's write commands go
//!   to the writer (`forward`) or wait, bounded, in `parked` while the
//!   writer is unknown; nothing is carried out twice.
//! - A hub that is not the writer delivers the team's events in offset
//!   order from the log, from its `durable` offset up to what the log has
//!   `applied`, each once: the board observes them, `recent` remembers
//!   them for replays, subscribers receive them as the writer's do.
//! - A hub that becomes the writer first follows everything committed
//!   before it, then writes after the log's head; one that stops being the
//!   writer refuses what waited for a commit (the client retries, its key
//!   makes the retry exactly-once) and follows from what it delivered.

use super::actor::{refuse, Hub};
use super::reach::Reach;
use super::replay::event_of;
use super::{HubCommand, HubRequest};
use crate::outlet::SharedFrame;
use crate::store::StoreError;
use crate::team_log::Writer;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use switchboard_protocol::ids::Offset;
use switchboard_protocol::server::EventFrame;
use switchboard_protocol::{ErrorCode, ServerFrame};

/// Most log records read in one step of following.
const FOLLOW_PAGE: usize = 512;

impl HubCommand {
    /// Whether carrying the command out appends to the team's log: only
    /// the team's writer does that.
    pub(super) fn writes(&self) -> bool {
        matches!(
            self,
            HubCommand::Send { .. }
                | HubCommand::StartConversation { .. }
                | HubCommand::MarkRead { .. }
                | HubCommand::UpdateContact { .. }
                | HubCommand::Book(_)
                | HubCommand::Assign { .. }
                | HubCommand::SystemMessage { .. }
                | HubCommand::Deliver { .. }
                | HubCommand::ImportHandoffs
                | HubCommand::ImportBatch { .. }
                | HubCommand::BlastProgress(_)
                | HubCommand::SavePost { .. }
                | HubCommand::Relay(_)
                | HubCommand::Receipt(_)
        )
    }
}

impl Hub<'_> {
    /// Takes a write command this hub may not carry out: forwarded to the
    /// writer, or held until one is known. Returns it if this hub writes.
    pub(super) fn route(&mut self, request: HubRequest) -> Option<HubRequest> {
        match self.writer.clone() {
            Writer::Me => Some(request),
            Writer::Node(node) => {
                match &self.registry.context.peers {
                    Some(peers) => {
                        let watch = (self.applied.clone(), self.writers.clone());
                        peers.forward(self.team, &node, request, watch);
                    }
                    None => refuse(request, ErrorCode::Internal, "internal error"),
                }
                None
            }
            Writer::Unknown => {
                if self.parked.len() >= self.registry.context.config.hub_inbox {
                    refuse(
                        request,
                        ErrorCode::Unavailable,
                        "the team's writer is changing; retry",
                    );
                } else {
                    self.parked.push_back(request);
                }
                None
            }
        }
    }

    /// The team's log says who writes the team now: `now`. Told `Me` while
    /// this hub was writing, the log says it lost the team and took it
    /// back meanwhile (a new reign): what the hub appended before may
    /// never be committed, as when it loses the team.
    pub(super) fn writer_changed(&mut self, now: Writer) -> Result<(), StoreError> {
        let was = std::mem::replace(&mut self.writer, now);
        let retaken = was == Writer::Me && self.writer == Writer::Me;
        if was == self.writer && !retaken {
            return Ok(());
        }
        tracing::info!(team = %self.team, writer = ?self.writer, retaken, "the team's writer changed");
        if was == Writer::Me {
            // What this hub appended and was not reported committed may
            // never be: refused, and delivered by following if it was.
            self.refuse_pending(ErrorCode::Unavailable, "the team's writer changed; retry");
            self.head = self.durable;
        }
        if self.writer == Writer::Me {
            let applied = *self.applied.borrow();
            self.follow(applied)?;
            let head = self.registry.context.log.head(self.team)?;
            self.epoch = head.epoch;
            self.follow(head.last)?;
            self.head = head.last;
            // Seqs are read again from the log as it now is.
            self.seqs.clear();
        }
        if self.writer != Writer::Unknown {
            for request in std::mem::take(&mut self.parked) {
                self.handle(request);
            }
        }
        Ok(())
    }

    /// Delivers what the log holds of the team after `durable`, up to
    /// `upto`, when another server writes it.
    pub(super) fn follow(&mut self, upto: Offset) -> Result<(), StoreError> {
        let team = self.team;
        while self.durable < upto {
            let records = self
                .registry
                .context
                .log
                .read(team, self.durable, upto, FOLLOW_PAGE)?;
            let Some(&(last, _)) = records.last() else {
                break;
            };
            let before = self.durable;
            let mut events = Vec::with_capacity(records.len());
            for (offset, record) in records {
                let event = event_of(record);
                self.board.observe(&event);
                let reach = Reach::of(&event);
                let frame = ServerFrame::Event(EventFrame {
                    team,
                    offset,
                    event,
                });
                let frame = Arc::new(SharedFrame::new(frame));
                self.recent.push(offset, reach.clone(), Arc::clone(&frame));
                events.push((reach, frame));
            }
            self.durable = last;
            self.head = self.head.max(last);
            self.durable_shared.store(last.0, Ordering::Release);
            self.fan_out(before, events);
        }
        Ok(())
    }
}
