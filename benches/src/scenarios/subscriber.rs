//! A fan-out subscriber: one connection reading every event of its team,
//! timing each of this run's messages from its stamp, and checking that
//! offsets only go up.
//!
//! Deliveries are tallied per step and per group (a group is a set of teams
//! reported together, like "the 1,000-subscriber team"), in histograms
//! sharded by subscriber so that the two runtime threads rarely wait for
//! the same lock. A subscriber never reconnects: a connection the server
//! closes (a slow consumer, say) is reported as dropped, and the
//! deliveries it missed as missing.
//!
//! [`Inbound`] is where the server's kind comes in: a Switchboard
//! subscriber reads events and checks that offsets go up; a peer
//! subscriber reads raw payloads (the body itself) and checks that each
//! stream's stamps go up, since a peer numbers nothing. Both take the
//! delivery time at the same point: once the body is out of its frame.

use crate::peers::PeerConnection;
use crate::report;
use crate::traffic::{self, Clock, Stamp};
use crate::wire::{self, Socket};
use futures::StreamExt;
use hdrhistogram::Histogram;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// Histogram shards per tally.
const SHARDS: usize = 8;

/// The deliveries of one group in one step.
pub(crate) struct Tally {
    shards: Vec<Mutex<Histogram<u64>>>,
    /// Deliveries counted.
    pub(crate) delivered: AtomicU64,
    /// When the last one was decoded (nanoseconds since the run's base).
    pub(crate) last: AtomicU64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(report::histogram()))
                .collect(),
            delivered: AtomicU64::new(0),
            last: AtomicU64::new(0),
        }
    }

    /// All shards merged.
    pub(crate) fn histogram(&self) -> Histogram<u64> {
        let mut all = report::histogram();
        for shard in &self.shards {
            // A histogram stays whole if a holder panicked: take it anyway.
            report::merge(&mut all, &shard.lock().unwrap_or_else(|e| e.into_inner()));
        }
        all
    }
}

/// Everything the subscribers of a run report into.
pub(crate) struct Board {
    /// The run's clock and identity.
    pub(crate) clock: Arc<Clock>,
    /// `[step][group]`.
    tallies: Vec<Vec<Tally>>,
    /// Deliveries whose offset (or, from a peer, stamp) did not go up on
    /// their connection.
    pub(crate) out_of_order: AtomicU64,
    /// Frames that did not decode.
    pub(crate) undecodable: AtomicU64,
    /// Subscribers whose connection ended early, and the first reasons.
    pub(crate) dropped: AtomicU64,
    pub(crate) drop_samples: Mutex<Vec<String>>,
}

impl Board {
    /// A board for `steps` steps of `groups` groups.
    pub(crate) fn new(clock: Arc<Clock>, steps: usize, groups: usize) -> Board {
        Board {
            clock,
            tallies: (0..steps)
                .map(|_| (0..groups).map(|_| Tally::new()).collect())
                .collect(),
            out_of_order: AtomicU64::new(0),
            undecodable: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            drop_samples: Mutex::new(Vec::new()),
        }
    }

    /// The tally of `group` in `step`.
    pub(crate) fn tally(&self, step: usize, group: usize) -> &Tally {
        &self.tallies[step][group]
    }

    /// Tallies a delivery of this run's; returns its stamp.
    fn record(&self, subscriber: usize, group: usize, body: &str, at: u64) -> Option<Stamp> {
        let stamp = traffic::read(body, self.clock.run)?;
        let tally = self
            .tallies
            .get(stamp.step as usize)
            .and_then(|g| g.get(group))?;
        {
            let mut h = tally.shards[subscriber % SHARDS]
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            report::record_nanos(&mut h, at.saturating_sub(stamp.sent));
        }
        tally.delivered.fetch_add(1, Ordering::Relaxed);
        tally.last.fetch_max(at, Ordering::Relaxed);
        Some(stamp)
    }

    fn drop_one(&self, why: String) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        let mut samples = self.drop_samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() < 3 {
            samples.push(why);
        }
    }
}

/// Where a subscriber's frames come from.
pub(crate) enum Inbound {
    /// A Switchboard connection, subscribed to its team.
    Switchboard(Socket),
    /// A peer connection, in its team's room.
    Peer(PeerConnection),
}

/// Reads until `stop`, tallying this run's deliveries for `group`.
pub(crate) async fn run(
    index: usize,
    group: usize,
    inbound: Inbound,
    board: Arc<Board>,
    stop: watch::Receiver<bool>,
) {
    match inbound {
        Inbound::Switchboard(socket) => read_events(index, group, socket, &board, stop).await,
        // A peer's connection is just dropped at the end: it relays no goodbye.
        Inbound::Peer(connection) => read_payloads(index, group, connection, &board, stop).await,
    }
}

async fn read_events(
    index: usize,
    group: usize,
    mut socket: Socket,
    board: &Board,
    mut stop: watch::Receiver<bool>,
) {
    let mut last_offset = 0u64;
    loop {
        let message = tokio::select! {
            biased;
            // Only ever set to true; a dropped sender also means stop.
            _ = stop.changed() => break,
            message = socket.next() => message,
        };
        let message = match message {
            Some(Ok(Message::Close(frame))) => {
                board.drop_one(format!(
                    "closed by the server: {}",
                    wire::close_reason(frame.as_ref())
                ));
                return;
            }
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                board.drop_one(format!("read failed: {e}"));
                return;
            }
            None => {
                board.drop_one("the connection ended".into());
                return;
            }
        };
        let Some(bytes) = wire::data(&message) else {
            continue;
        };
        let Some(frame) = wire::decode_lite(bytes) else {
            board.undecodable.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        // Taken once the event is decoded: what a user would wait for.
        let at = board.clock.now();
        let (Some(offset), Some(event)) = (frame.offset, frame.event) else {
            continue;
        };
        if offset <= last_offset {
            board.out_of_order.fetch_add(1, Ordering::Relaxed);
        }
        last_offset = offset;
        if let Some(body) = event.body {
            board.record(index, group, body, at);
        }
    }
    wire::close(socket).await;
}

async fn read_payloads(
    index: usize,
    group: usize,
    mut connection: PeerConnection,
    board: &Board,
    mut stop: watch::Receiver<bool>,
) {
    // Per stream, the (step, number) of the last stamp seen.
    let mut last: HashMap<u32, (u32, u64)> = HashMap::new();
    loop {
        let payload = tokio::select! {
            biased;
            // Only ever set to true; a dropped sender also means stop.
            _ = stop.changed() => return,
            payload = connection.recv() => payload,
        };
        let payload = match payload {
            Ok(Some(payload)) => payload,
            Ok(None) => {
                board.drop_one("closed by the peer".into());
                return;
            }
            Err(e) => {
                board.drop_one(format!("read failed: {e:#}"));
                return;
            }
        };
        let Ok(body) = std::str::from_utf8(&payload) else {
            board.undecodable.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        // Taken once the body is out of its frame, as for an event.
        let at = board.clock.now();
        let Some(stamp) = board.record(index, group, body, at) else {
            continue;
        };
        let position = (stamp.step, stamp.k);
        if let Some(previous) = last.insert(stamp.stream, position) {
            if position <= previous {
                board.out_of_order.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
