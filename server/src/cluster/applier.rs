//! The applier: the one task per node that reads the stream `SWITCHBOARD`
//! in order and applies each op to the node's projection (a [`SledStore`]
//! serving every read), through the store's own methods.
//!
//! Invariants:
//! - Ops are applied in stream order, each once per run, from the
//!   sequence after the one the projection recorded as applied (see
//!   `Cluster::connect`); applying is deterministic: every node reaches the
//!   same state and the same result for each op. An op applied again after
//!   a crash changes nothing (see `apply.rs`).
//! - The projection records each op's sequence after the op's writes
//!   ([`SledStore::keep_applied`]), so a restart resumes after it.
//! - [`Applier::applied`] moves only after the op at that sequence was
//!   applied: a waiter that saw it may read the op's effect.
//! - The result of an op this node published reaches the caller waiting
//!   for it ([`Applier::expect`]); one result is kept per waiting caller,
//!   so the waiters are bounded by the calls in flight.

use super::ops::Op;
use crate::store::{
    Confirmation, InvitationRecord, SledStore, StoreError, StoreResult, TeamRecord, Timeline,
    TokenRecord,
};
use dashmap::DashMap;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_protocol::ids::{Offset, TeamId};
use switchboard_protocol::model::Role;
use tokio::sync::{oneshot, watch};

/// The header naming who published a message: `<node>-<counter>`, also
/// JetStream's deduplication key (`Nats-Msg-Id`).
const MSG_ID: async_nats::header::HeaderName = async_nats::header::NATS_MESSAGE_ID;

/// How long the applier waits for its next message before it asks
/// whether the stream holds more than it was given.
const STALL: Duration = Duration::from_secs(2);

/// What applying an op gave, as the store method it stands for returns it.
#[derive(Debug)]
pub(crate) enum Applied {
    Done,
    Team(Option<TeamRecord>),
    Role(Option<Role>),
    Token(Option<TokenRecord>),
    Invitation(Option<InvitationRecord>),
    Deleted(bool),
    Confirmation(Confirmation),
    /// The first id of a reserved block.
    Ids(u64),
}

/// A caller's result, sent once its op is applied.
type Waiter = oneshot::Sender<StoreResult<Applied>>;

/// The applier's state, shared with the store and the log of its node.
pub(crate) struct Applier {
    pub(crate) projection: Arc<SledStore>,
    node: String,
    applied: watch::Sender<u64>,
    waiters: Mutex<HashMap<u64, Waiter>>,
    /// Each team's newest offset in the projection, for those watched.
    teams: DashMap<TeamId, watch::Sender<Offset>>,
    /// The sequence the projection held at start, and the ops applied
    /// since: what a restart saved and cost.
    pub(crate) resumed_from: u64,
    pub(crate) applied_here: AtomicU64,
}

impl Applier {
    /// An applier going on from `applied`, the sequence of the newest op
    /// the projection holds (0 for an empty one).
    pub(crate) fn new(projection: Arc<SledStore>, node: String, applied: u64) -> Applier {
        Applier {
            projection,
            node,
            applied: watch::Sender::new(applied),
            waiters: Mutex::new(HashMap::new()),
            teams: DashMap::new(),
            resumed_from: applied,
            applied_here: AtomicU64::new(0),
        }
    }

    /// The sequence of the stream's newest op applied, live.
    pub(crate) fn applied(&self) -> watch::Receiver<u64> {
        self.applied.subscribe()
    }

    /// Waits until the op at stream sequence `seq` is applied.
    pub(crate) async fn reach(&self, seq: u64, within: Duration) -> StoreResult<()> {
        let mut applied = self.applied();
        let reached = tokio::time::timeout(within, applied.wait_for(|a| *a >= seq))
            .await
            .map(|r| r.is_ok());
        match reached {
            Ok(true) => Ok(()),
            Ok(false) => Err(nats_error("the applier stopped")),
            Err(_) => Err(nats_error(format!(
                "stream sequence {seq} not applied within {within:?}"
            ))),
        }
    }

    /// Registers a caller for the result of this node's op number `n`.
    pub(crate) fn expect(&self, n: u64) -> oneshot::Receiver<StoreResult<Applied>> {
        let (tx, rx) = oneshot::channel();
        lock(&self.waiters).insert(n, tx);
        rx
    }

    /// Forgets the caller of op `n` (it gave up, or its op failed to publish).
    pub(crate) fn forget(&self, n: u64) {
        lock(&self.waiters).remove(&n);
    }

    /// A team's newest offset in the projection, live.
    pub(crate) fn team_applied(&self, team: TeamId) -> StoreResult<watch::Receiver<Offset>> {
        if let Some(sender) = self.teams.get(&team) {
            return Ok(sender.subscribe());
        }
        // Listed before the projection is read: a batch applied meanwhile
        // moves the watch itself, one applied before is in the projection.
        let applied = self
            .teams
            .entry(team)
            .or_insert_with(|| watch::Sender::new(Offset(0)))
            .subscribe();
        let last = self.team_last(team)?;
        if let Some(sender) = self.teams.get(&team) {
            sender.send_if_modified(|o| {
                let moved = *o < last;
                *o = (*o).max(last);
                moved
            });
        }
        Ok(applied)
    }

    fn team_last(&self, team: TeamId) -> StoreResult<Offset> {
        // A stream without an epoch has no entries (a batch sets the epoch
        // first); asking its head would draw an epoch of this node's own.
        Ok(match self.projection.stream_epoch(team)? {
            Some(_) => self.projection.stream_head(team)?.last,
            None => Offset(0),
        })
    }

    /// Consumes the stream from the first message not applied until `stop`
    /// is set.
    pub(crate) async fn run(
        self: Arc<Self>,
        stream: async_nats::jetstream::stream::Stream,
        mut stop: watch::Receiver<bool>,
    ) {
        use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
        while !*stop.borrow() {
            let start = *self.applied.borrow() + 1;
            let config = OrderedConfig {
                deliver_policy: DeliverPolicy::ByStartSequence {
                    start_sequence: start,
                },
                ..Default::default()
            };
            let messages = match stream.create_consumer(config).await {
                Ok(consumer) => consumer.messages().await,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot follow the cluster's stream; retrying");
                    pause(&mut stop).await;
                    continue;
                }
            };
            let mut messages = match messages {
                Ok(messages) => messages,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot follow the cluster's stream; retrying");
                    pause(&mut stop).await;
                    continue;
                }
            };
            loop {
                let next = tokio::select! {
                    next = messages.next() => next,
                    _ = stop.changed() => return,
                    // The client notices a consumer lost with its NATS
                    // server only after 30 s without heartbeats: a quiet
                    // spell while the stream holds more is noticed sooner.
                    _ = tokio::time::sleep(STALL) => {
                        match stream.get_info().await {
                            Ok(info) if info.state.last_sequence > *self.applied.borrow() => {
                                tracing::warn!("the stream's consumer stalled; following again");
                                break;
                            }
                            _ => continue,
                        }
                    }
                };
                match next {
                    Some(Ok(message)) => {
                        let seq = match message.info() {
                            Ok(info) => info.stream_sequence,
                            Err(e) => {
                                tracing::error!(error = %e, "a stream message without its sequence");
                                break;
                            }
                        };
                        let applied = *self.applied.borrow();
                        if seq <= applied {
                            continue;
                        }
                        if seq != applied + 1 {
                            // Nothing is ever deleted from the stream: a gap
                            // is the consumer's, and it is followed again
                            // from the first sequence not applied.
                            tracing::warn!(seq, applied, "the stream skipped; following again");
                            break;
                        }
                        let id = message
                            .headers
                            .as_ref()
                            .and_then(|h| h.get(MSG_ID))
                            .map(|v| v.as_str().to_owned());
                        self.apply_message(seq, id.as_deref(), &message.payload);
                    }
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "the cluster's stream broke off; resuming");
                        break;
                    }
                    None => break,
                }
            }
            pause(&mut stop).await;
        }
    }

    /// Applies the op at `seq`, hands its result to this node's caller if
    /// it published it, and moves the applied sequence.
    fn apply_message(&self, seq: u64, id: Option<&str>, payload: &[u8]) {
        let result = Op::decode(payload).and_then(|op| {
            let team = match &op {
                Op::Batch { team, entries, .. } => entries
                    .last()
                    .map(|(offset, entry)| (*team, entry.as_entry().last_offset(*offset))),
                _ => None,
            };
            let applied = super::apply::apply(&self.projection, seq, op)?;
            if let Some((team, last)) = team {
                if let Some(sender) = self.teams.get(&team) {
                    sender.send_if_modified(|o| {
                        let moved = *o < last;
                        *o = (*o).max(last);
                        moved
                    });
                }
            }
            Ok(applied)
        });
        let mine = id.and_then(|id| {
            let (node, n) = id.rsplit_once('-')?;
            (node == self.node).then(|| n.parse::<u64>().ok())?
        });
        match mine.and_then(|n| lock(&self.waiters).remove(&n)) {
            // A caller that gave up dropped its receiver: nothing to tell.
            Some(waiter) => drop(waiter.send(result)),
            // Another node's op: it told its caller. A refusal is the same
            // here; anything else is this node's disk failing.
            None => match result {
                Ok(_) | Err(StoreError::Taken(_)) => {}
                Err(e) => tracing::error!(seq, error = %e, "an op of the stream failed to apply"),
            },
        }
        if let Err(e) = self.projection.keep_applied(seq) {
            // The next start replays from an earlier sequence: harmless.
            tracing::error!(seq, error = %e, "the applied sequence could not be recorded");
        }
        self.applied_here.fetch_add(1, Ordering::Relaxed);
        self.applied.send_replace(seq);
    }
}

/// A failure of the cluster's engine, as the store reports it.
pub(crate) fn nats_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Backend {
        engine: "nats",
        source: e.into(),
    }
}

async fn pause(stop: &mut watch::Receiver<bool>) {
    // A short pause before following again, cut short by the stop.
    let _ = tokio::time::timeout(Duration::from_millis(250), stop.changed()).await;
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The map is only inserted into and removed from whole: a panic
    // elsewhere cannot leave it half-changed.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
