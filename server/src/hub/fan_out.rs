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
use crate::outlet::{Batch, ConnId, SharedFrame, Wakes};
use bytes::Bytes;
use std::sync::Arc;
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::ids::{Offset, TeamId};

/// Subscribers handed a flush's events per turn of the hub. Between turns
/// the hub yields, so that another team's hub woken meanwhile on the same
/// thread (see `threads`) hands out its own events after at most this many
/// of a big team's pushes, not after all of them. The writers run on the
/// connections' runtime; a turn wakes them through the server's pacer (see
/// `outlet::pacer`), so that another team's writers woken meanwhile wait
/// behind a few of them there, not behind the whole turn.
pub(super) const TURN: usize = 256;

/// A flush's events on their way to the subscribers, a turn at a time.
pub(super) struct FanOut {
    /// The last offset every subscriber had been sent before these events.
    before: Offset,
    events: Vec<(Reach, Arc<SharedFrame>)>,
    /// The events encoded once per encoding, shared by every subscriber
    /// that takes them all.
    batches: [Option<Vec<Bytes>>; 2],
    /// The subscribers not handed them yet, the next one last.
    left: Vec<ConnId>,
}

impl Hub<'_> {
    /// Delivers a flush's events to every subscriber: each event encoded
    /// once per encoding in use, each outlet handed the whole batch at once
    /// (one lock, one wake-up of its writer, one write call), `TURN`
    /// subscribers per turn of the hub (see [`Hub::fan_out_turn`]). A fan-out
    /// still under way is finished first, so each subscriber gets every
    /// flush's events in offset order. A subscriber whose outbox cannot
    /// take the batch though it kept up falls behind (from `before`, the
    /// last offset it was sent) and catches up from the log; a closed one,
    /// or a slow one, drops out.
    pub(super) fn fan_out(&mut self, before: Offset, events: Vec<(Reach, Arc<SharedFrame>)>) {
        self.finish_fan_out();
        let left = self.subscribers.conns().collect();
        self.fanning = Some(FanOut {
            before,
            events,
            batches: [None, None],
            left,
        });
        self.fan_out_turn();
    }

    /// Hands the events under way to the next `TURN` subscribers; the hub
    /// yields between turns and takes nothing else until the last one
    /// (see `actor::run`). Returns whether subscribers are left.
    pub(super) fn fan_out_turn(&mut self) -> bool {
        let Some(mut fanning) = self.fanning.take() else {
            return false;
        };
        let team = self.team;
        let mut dropped = Vec::new();
        let mut behind = Vec::new();
        let mut wakes = Wakes::default();
        let turn = fanning.left.len().saturating_sub(TURN);
        for conn in fanning.left.drain(turn..).rev() {
            // Gone since the fan-out began (closed in an earlier turn), or
            // catching up from the log, which holds these events.
            let Some(subscriber) = self.subscribers.get(conn) else {
                continue;
            };
            if subscriber.behind.is_some() {
                continue;
            }
            let events = &fanning.events;
            match deliver(team, subscriber, events, &mut fanning.batches, &mut wakes) {
                Batch::Queued => {}
                Batch::NoRoom => behind.push(conn),
                Batch::Closed => dropped.push(conn),
            }
        }
        self.registry.context.pacer.wake(wakes);
        for conn in behind {
            self.fall_behind(conn, fanning.before);
        }
        for conn in dropped {
            self.subscribers.remove(conn);
            self.gone(conn);
        }
        let more = !fanning.left.is_empty();
        if more {
            self.fanning = Some(fanning);
        }
        more
    }

    /// Hands the events under way to every subscriber left, without
    /// yielding.
    pub(super) fn finish_fan_out(&mut self) {
        while self.fan_out_turn() {}
    }
}

/// Hands a flush's events to one subscriber, those it may read, leaving
/// its writer's wake-up to `wakes`.
fn deliver(
    team: TeamId,
    subscriber: &Subscriber,
    events: &[(Reach, Arc<SharedFrame>)],
    batches: &mut [Option<Vec<Bytes>>; 2],
    wakes: &mut Wakes,
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
        return delivered(outlet.push_batch_paced(&batch, wakes), batch.len());
    }
    // A Manager, Member or bot speaking this version: every event of the
    // team, in the batch shared by all of them.
    let slot = match encoding {
        Encoding::MsgPack => 0,
        Encoding::Json => 1,
    };
    let batch = batches[slot]
        .get_or_insert_with(|| events.iter().map(|(_, e)| e.bytes(encoding)).collect());
    delivered(outlet.push_batch_paced(batch, wakes), batch.len())
}

/// Counts `n` event deliveries if `pushed` was queued; returns `pushed`.
fn delivered(pushed: Batch, n: usize) -> Batch {
    if pushed == Batch::Queued {
        crate::metrics::get().deliveries.inc_by(n as u64);
    }
    pushed
}
