//! Fan-out: a flush's events to every live subscriber, in one batch per
//! outlet.
//!
//! Invariants:
//! - A Manager's or Member's subscription receives every event of the team,
//!   encoded once per encoding in use and shared; a Restricted Member's
//!   receives only the events whose audience its principal `receives`
//!   (its conversations' events, and its contacts' book events), and a
//!   connection of an older protocol version only the event types it
//!   knows (see `reach`).
//! - A subscriber catching up from the log (`behind`) is skipped: it reads
//!   these events from the log in turn. One whose outbox cannot take the
//!   batch falls behind from the last offset it was sent; a closed one
//!   drops out, and its ephemeral state with it.

use super::actor::{Hub, Subscriber};
use super::reach::Reach;
use crate::outlet::{Batch, SharedFrame};
use bytes::Bytes;
use std::sync::Arc;
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::ids::{Offset, TeamId};

impl Hub<'_> {
    /// Delivers a flush's events to every subscriber: each event encoded
    /// once per encoding in use, each outlet handed the whole batch at once
    /// (one lock, one wake-up of its writer, one write call). A subscriber
    /// whose outbox cannot take the batch though it kept up falls behind
    /// (from `before`, the last offset it was sent) and catches up from the
    /// log; a closed one, or a slow one, drops out.
    pub(super) fn fan_out(&mut self, before: Offset, events: &[(Reach, Arc<SharedFrame>)]) {
        let mut batches: [Option<Vec<Bytes>>; 2] = [None, None];
        let team = self.team;
        let mut dropped = Vec::new();
        let mut behind = Vec::new();
        self.subscribers.retain(|conn, subscriber| {
            if subscriber.behind.is_some() {
                return true;
            }
            match deliver(team, subscriber, events, &mut batches) {
                Batch::Queued => true,
                Batch::NoRoom => {
                    behind.push(*conn);
                    true
                }
                Batch::Closed => {
                    dropped.push(*conn);
                    false
                }
            }
        });
        for conn in behind {
            self.fall_behind(conn, before);
        }
        for conn in dropped {
            self.gone(conn);
        }
    }
}

/// Hands a flush's events to one subscriber, those it may read.
fn deliver(
    team: TeamId,
    subscriber: &Subscriber,
    events: &[(Reach, Arc<SharedFrame>)],
    batches: &mut [Option<Vec<Bytes>>; 2],
) -> Batch {
    let outlet = &subscriber.outlet;
    let encoding = outlet.encoding;
    let restricted = subscriber.restricted.as_deref();
    if !Reach::takes_all(restricted, outlet.version) {
        // A Restricted Member, or an older client: its own batch, of the
        // events it may be sent.
        let batch: Vec<Bytes> = events
            .iter()
            .filter(|(reach, _)| reach.admits(team, restricted, outlet.version))
            .map(|(_, frame)| frame.bytes(encoding))
            .collect();
        if batch.is_empty() {
            return Batch::Queued;
        }
        return delivered(outlet.push_batch(&batch), batch.len());
    }
    // A Manager, Member or bot speaking this version: every event of the
    // team, in the batch shared by all of them.
    let slot = match encoding {
        Encoding::MsgPack => 0,
        Encoding::Json => 1,
    };
    let batch = batches[slot]
        .get_or_insert_with(|| events.iter().map(|(_, e)| e.bytes(encoding)).collect());
    delivered(outlet.push_batch(batch), batch.len())
}

/// Counts `n` event deliveries if `pushed` was queued; returns `pushed`.
fn delivered(pushed: Batch, n: usize) -> Batch {
    if pushed == Batch::Queued {
        crate::metrics::get().deliveries.inc_by(n as u64);
    }
    pushed
}
