//! This process as a node of the cluster: its id, its connection to NATS,
//! the stream and lease bucket it uses, its applier; and the two moves
//! every write makes: publish an op, then wait until the node's own
//! applier has applied it and take the result it got.
//!
//! Invariants:
//! - Each op this node publishes carries a `Nats-Msg-Id` of its own
//!   (`<node>-<counter>`): a publish retried after a lost acknowledgement
//!   is stored once (JetStream's deduplication window).
//! - A write returns only after its op is acknowledged (durable on the
//!   stream's replicas) and applied to this node's projection, so the
//!   node reads its own writes.
//! - The store's synchronous methods reach the async client through
//!   [`Node::block`], which never holds a lock while it blocks.

use super::applier::{nats_error, Applied, Applier};
use super::ops::Op;
use crate::store::StoreResult;
use async_nats::jetstream::{self, context::PublishErrorKind, kv};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::TeamId;
use tokio::runtime::{Handle, RuntimeFlavor};

/// The stream every op goes to.
pub(crate) const STREAM: &str = "SWITCHBOARD";
/// The subject of directory ops.
pub(crate) const DIRECTORY: &str = "sb.dir";
/// The KV bucket of team leases.
pub(crate) const LEASES: &str = "sb_leases";

/// The subject of a team's log.
pub(crate) fn team_subject(team: TeamId) -> String {
    format!("sb.team.{}", team.0)
}

/// How long a write waits for its op to be applied after its
/// acknowledgement: beyond it the node is unwell (its applier stuck).
const APPLY_WITHIN: Duration = Duration::from_secs(30);
/// How long a read that catches up asks for the stream's last sequence
/// while the stream has no leader: an election takes a few seconds.
const ASK_WITHIN: Duration = Duration::from_secs(10);
/// How many times a publish whose acknowledgement was lost is sent again.
const PUBLISH_ATTEMPTS: usize = 3;

pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) client: async_nats::Client,
    pub(crate) jetstream: jetstream::Context,
    pub(crate) stream: jetstream::stream::Stream,
    pub(crate) leases: kv::Store,
    pub(crate) applier: Arc<Applier>,
    pub(crate) lease_ttl: Duration,
    /// The teams whose lease this node holds and has fenced: their logs
    /// hold nothing this node has not applied but its own appends.
    pub(crate) writing: Arc<dashmap::DashSet<TeamId>>,
    /// What this node appended that its projection does not hold yet.
    pub(crate) pending: Arc<super::pending::Pending>,
    /// The runtime the client runs on, for callers outside any runtime.
    handle: Handle,
    counter: AtomicU64,
}

/// Why a publish was refused or lost.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PublishFailure {
    /// The subject's last sequence is not the one expected: another writer
    /// published meanwhile.
    #[error("another writer published to the subject")]
    WrongLastSequence,
    #[error(transparent)]
    Other(#[from] crate::store::StoreError),
}

impl Node {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: String,
        client: async_nats::Client,
        jetstream: jetstream::Context,
        stream: jetstream::stream::Stream,
        leases: kv::Store,
        applier: Arc<Applier>,
        lease_ttl: Duration,
        handle: Handle,
    ) -> Node {
        Node {
            id,
            client,
            jetstream,
            stream,
            leases,
            applier,
            lease_ttl,
            writing: Arc::default(),
            pending: Arc::default(),
            handle,
            counter: AtomicU64::new(1),
        }
    }

    /// Publishes `op` to `subject` and returns what applying it gave here.
    pub(crate) async fn propose(&self, subject: &str, op: &Op) -> StoreResult<Applied> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let result = self.applier.expect(n);
        // Forgets the waiter however this call ends (a caller giving up
        // included), so that waiters stay bounded by calls in flight.
        let _forget = Forget(&self.applier, n);
        let seq = self
            .publish(n, subject, op, None)
            .await
            .map_err(|e| match e {
                PublishFailure::WrongLastSequence => nats_error("refused by the stream"),
                PublishFailure::Other(e) => e,
            })?;
        match tokio::time::timeout(APPLY_WITHIN, result).await {
            Ok(Ok(applied)) => applied,
            Ok(Err(_)) => Err(nats_error("the applier stopped")),
            Err(_) => Err(nats_error(format!(
                "stream sequence {seq} not applied within {APPLY_WITHIN:?}"
            ))),
        }
    }

    /// A fresh number for an op of this node (see [`Node::publish`]).
    pub(crate) fn next_number(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// Publishes op number `n` and returns its stream sequence once
    /// acknowledged; with `expected`, only if the subject's last message
    /// is still at that sequence.
    pub(crate) async fn publish(
        &self,
        n: u64,
        subject: &str,
        op: &Op,
        expected: Option<u64>,
    ) -> Result<u64, PublishFailure> {
        let payload = bytes::Bytes::from(op.encode());
        let id = format!("{}-{n}", self.id);
        let mut last = None;
        for _ in 0..PUBLISH_ATTEMPTS {
            let mut message = jetstream::message::PublishMessage::build()
                .payload(payload.clone())
                .message_id(&id);
            if let Some(expected) = expected {
                message = message.expected_last_subject_sequence(expected);
            }
            let sent = self
                .jetstream
                .send_publish(subject.to_owned(), message)
                .await;
            let acked = match sent {
                Ok(ack) => ack.await,
                Err(e) => Err(e),
            };
            match acked {
                Ok(ack) => return Ok(ack.sequence),
                Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                    return Err(PublishFailure::WrongLastSequence)
                }
                // Sent again under the same id: stored at most once.
                Err(e) if e.kind() == PublishErrorKind::TimedOut => last = Some(e),
                Err(e) => return Err(nats_error(e).into()),
            }
        }
        Err(nats_error(last.map_or_else(|| "no attempt".to_string(), |e| e.to_string())).into())
    }

    /// Waits until this node has applied everything the stream held when
    /// called: how a read that found nothing makes sure it is not merely
    /// behind another node's write.
    pub(crate) async fn catch_up(&self) -> StoreResult<()> {
        let last = self.last_sequence(ASK_WITHIN).await?;
        self.applier.reach(last, APPLY_WITHIN).await
    }

    /// The stream's last sequence, asked again while the stream has no
    /// leader (its election after a NATS server died), up to `within`.
    async fn last_sequence(&self, within: Duration) -> StoreResult<u64> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match self.stream.get_info().await {
                Ok(info) => return Ok(info.state.last_sequence),
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(nats_error(e)),
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }

    /// Waits until the projection holds the whole stream as it is now,
    /// however long the replay at start takes, as long as it moves.
    pub(crate) async fn catch_up_from_start(&self) -> StoreResult<()> {
        let target = self.last_sequence(APPLY_WITHIN).await?;
        loop {
            let before = *self.applier.applied().borrow();
            match self.applier.reach(target, APPLY_WITHIN).await {
                Ok(()) => return Ok(()),
                Err(e) if *self.applier.applied().borrow() == before => return Err(e),
                Err(_) => tracing::info!(applied = before, target, "replaying the stream"),
            }
        }
    }

    /// Runs `future` to its end from synchronous code: the store's methods
    /// are synchronous, the client is not.
    pub(crate) fn block<F: Future>(&self, future: F) -> F::Output {
        match Handle::try_current() {
            // On a worker of the server's runtime: hand the worker's other
            // tasks to another thread while this one waits.
            Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| handle.block_on(future))
            }
            // A single-threaded runtime cannot lend its thread; the client
            // must run on another runtime for this not to stall.
            Ok(_) => futures::executor::block_on(future),
            // A plain thread (a blocking task, a test): drive it on the
            // client's runtime.
            Err(_) => self.handle.block_on(future),
        }
    }
}

struct Forget<'a>(&'a Applier, u64);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.forget(self.1);
    }
}
