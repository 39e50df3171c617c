//! A team's writer lease: the key `team.<team>` of the KV bucket
//! `sb_leases` (history 1, entries expiring after the lease TTL), whose
//! value is the writer's node id. One task per team a hub of this node is
//! attached to ([`hold`]).
//!
//! Invariants:
//! - The lease is claimed by compare-and-set only: `create` (the key
//!   absent or expired) or `update` at the revision last seen.
//! - A new writer first waits until this node's projection holds the
//!   team's whole log as the stream has it, then publishes a `Fence` op
//!   expecting the subject's last sequence, and only then writes: a
//!   deposed writer's next batch, expecting an older sequence, is refused.
//! - The writer renews every TTL/3; a failed renewal, or none that
//!   succeeded within 2/3 of the TTL, stops its writing at once, before
//!   the entry can expire and another node claim it.
//! - A node that is not the writer looks again every TTL/3, and at once
//!   when the writer releases the lease (a hub stopping, a node shutting
//!   down; one watch of the bucket per node, [`watch_releases`], tells):
//!   the team changes hands within the TTL and a third after its writer
//!   died, at once after it let go.

use super::log::{NatsLog, Team};
use super::node::{Node, PublishFailure};
use super::ops::Op;
use crate::store::{new_epoch, StoreResult, Timeline};
use crate::team_log::Writer;
use async_nats::jetstream::kv::{CreateErrorKind, Operation, Watch};
use async_nats::jetstream::stream::{DirectGetErrorKind, LastRawMessageErrorKind};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::{Epoch, Offset, TeamId};
use tokio::sync::watch;
use tokio::time::Instant;

/// How long taking over may wait for the projection to catch up.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(30);

/// What looking at the lease found.
enum Claim {
    /// This node holds it now, at this revision, renewed at that instant.
    Won(u64, Instant),
    /// Another node holds it.
    Other(String),
    /// Someone claimed it meanwhile, or NATS failed: look again later.
    Retry,
}

/// Holds, renews and takes over `team`'s lease until `stop`, then
/// releases it if held.
pub(super) async fn hold(node: Arc<Node>, team: Arc<Team>, mut stop: watch::Receiver<bool>) {
    let key = format!("team.{}", team.id.0);
    let ttl = node.lease_ttl;
    let grace = ttl * 2 / 3;
    let mut held: Option<(u64, Instant)> = None;
    while !*stop.borrow() {
        held = match held {
            None if team.deposed_within(dwell(&node)) => None,
            None => match claim(&node, &key).await {
                Claim::Won(revision, at) => match fence(&node, &team).await {
                    // Too slow a takeover may have let the entry expire.
                    Ok((seq, last, epoch)) if at.elapsed() < grace => {
                        team.take_over(seq, last, epoch);
                        Some((revision, at))
                    }
                    Ok(_) => None,
                    Err(e) => {
                        tracing::warn!(team = %team.id, error = %e, "cannot take the team over");
                        None
                    }
                },
                Claim::Other(writer) => {
                    team.depose(None, Writer::Node(writer));
                    None
                }
                Claim::Retry => None,
            },
            Some((revision, renewed)) => renew(&node, &team, &key, revision, renewed, grace).await,
        };
        tokio::select! {
            _ = tokio::time::sleep(ttl / 3) => {}
            // Told by `watch_releases`, which watched before this task
            // first looked: no release is missed between look and wait.
            _ = team.released.notified(), if held.is_none() => {}
            // Told to stop, or its teller gone: stop either way.
            _ = stop.changed() => break,
        }
    }
    team.depose(None, Writer::Unknown);
    if let Some((revision, _)) = held {
        // Expecting our revision: a lease already taken is not deleted.
        if let Err(e) = node
            .leases
            .delete_expect_revision(&key, Some(revision))
            .await
        {
            tracing::debug!(team = %team.id, error = %e, "the lease was not released");
        }
    }
}

/// Tells each team's lease task when its lease is released (deleted by a
/// writer letting go), until `stop`: one watch of the bucket for the whole
/// node, started before any lease task looks at its lease.
pub(super) async fn watch_releases(
    log: Arc<NatsLog>,
    first: Option<Watch>,
    mut stop: watch::Receiver<bool>,
) {
    let mut first = first;
    while !*stop.borrow() {
        let watching = match first.take() {
            Some(releases) => Ok(releases),
            None => log.node.leases.watch_all().await,
        };
        let mut releases = match watching {
            Ok(releases) => releases,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the leases; looking every third of the TTL");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        loop {
            let event = tokio::select! {
                event = releases.next() => event,
                _ = stop.changed() => return,
            };
            match event {
                // A holder renewing or claiming: nothing to do.
                Some(Ok(entry)) if entry.operation == Operation::Put => {}
                Some(Ok(entry)) => {
                    let team = entry
                        .key
                        .strip_prefix("team.")
                        .and_then(|id| id.parse().ok());
                    if let Some(team) = team.and_then(|id| log.attached(TeamId(id))) {
                        team.released.notify_one();
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "the watch of the leases broke; watching again");
                    break;
                }
                None => break,
            }
        }
    }
}

/// The least time between this node's stopping to write a team and its
/// writing again.
fn dwell(node: &Node) -> Duration {
    (node.lease_ttl / 3).max(Duration::from_secs(1))
}

/// Renews a held lease; `None` (and the writing stopped) if it failed or
/// could not succeed within `grace` of the last renewal.
async fn renew(
    node: &Node,
    team: &Team,
    key: &str,
    revision: u64,
    renewed: Instant,
    grace: Duration,
) -> Option<(u64, Instant)> {
    let sent = Instant::now();
    let update = node.leases.update(key, node.id.clone().into(), revision);
    match tokio::time::timeout_at(renewed + grace, update).await {
        Ok(Ok(revision)) => {
            if *team.writer.borrow() != Writer::Me && !team.deposed_within(dwell(node)) {
                // A batch was refused or lost while the lease is ours:
                // fenced anew, the log then says what landed.
                match fence(node, team).await {
                    Ok((seq, last, epoch)) if sent.elapsed() < grace => {
                        team.take_over(seq, last, epoch)
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(team = %team.id, error = %e, "cannot fence the team"),
                }
            }
            Some((revision, sent))
        }
        outcome => {
            if let Ok(Err(e)) = outcome {
                tracing::warn!(team = %team.id, error = %e, "the team's lease was lost");
            } else {
                tracing::warn!(team = %team.id, "the team's lease was not renewed in time");
            }
            team.depose(None, Writer::Unknown);
            None
        }
    }
}

/// Looks at the lease and claims it if nobody holds it.
async fn claim(node: &Node, key: &str) -> Claim {
    let sent = Instant::now();
    let entry = match node.leases.entry(key).await {
        Ok(entry) => entry,
        Err(e) => {
            tracing::warn!(key, error = %e, "cannot read the lease");
            return Claim::Retry;
        }
    };
    match entry {
        Some(entry) if entry.operation == Operation::Put => {
            let holder = String::from_utf8_lossy(&entry.value).into_owned();
            if holder != node.id {
                return Claim::Other(holder);
            }
            // Ours from before a lost renewal: renewed by revision.
            match node
                .leases
                .update(key, node.id.clone().into(), entry.revision)
                .await
            {
                Ok(revision) => Claim::Won(revision, sent),
                Err(_) => Claim::Retry,
            }
        }
        _ => match node.leases.create(key, node.id.clone().into()).await {
            Ok(revision) => Claim::Won(revision, sent),
            Err(e) if e.kind() == CreateErrorKind::AlreadyExists => Claim::Retry,
            Err(e) => {
                tracing::warn!(key, error = %e, "cannot claim the lease");
                Claim::Retry
            }
        },
    }
}

/// Makes this node the team's fenced writer: waits until the projection
/// holds the subject's last message, then publishes a fence expecting it.
/// Returns the fence's sequence and the log's last offset and epoch.
async fn fence(node: &Node, team: &Team) -> StoreResult<(u64, Offset, Epoch)> {
    use super::applier::nats_error;
    // Asked of any replica (the stream's leader may be in election): one
    // behind makes the fence below fail, and the takeover is tried again.
    let last_seq = match node.stream.direct_get_last_for_subject(&team.subject).await {
        Ok(message) => message.sequence,
        Err(e) if e.kind() == DirectGetErrorKind::NotFound => 0,
        Err(_) => match node
            .stream
            .get_last_raw_message_by_subject(&team.subject)
            .await
        {
            Ok(message) => message.sequence,
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => 0,
            Err(e) => return Err(nats_error(e)),
        },
    };
    node.applier.reach(last_seq, CATCH_UP_WITHIN).await?;
    let projection = &node.applier.projection;
    let epoch = match projection.stream_epoch(team.id)? {
        Some(epoch) => epoch,
        None => {
            let start = Op::StartStream {
                team: team.id,
                epoch: new_epoch(),
            };
            node.propose(super::node::DIRECTORY, &start).await?;
            projection.stream_head(team.id)?.epoch
        }
    };
    let last = projection.stream_head(team.id)?.last;
    let op = Op::Fence {
        team: team.id,
        node: node.id.clone(),
    };
    let n = node.next_number();
    match node.publish(n, &team.subject, &op, Some(last_seq)).await {
        Ok(seq) => Ok((seq, last, epoch)),
        Err(PublishFailure::WrongLastSequence) => Err(nats_error(
            "the team's log moved while taking over; trying again",
        )),
        Err(PublishFailure::Other(e)) => Err(e),
    }
}
