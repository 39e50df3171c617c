//! A team's publisher: the task that sends what the team's writer
//! queued, one batch in flight at a time (see `log.rs` for the invariants
//! it keeps: the expected last subject sequence on every batch, a refusal
//! deposing the writer, a ticket committed once acknowledged and applied).

use super::log::{lock, Team, BATCH_BYTES};
use super::node::{Node, PublishFailure};
use super::ops::Op;
use crate::team_log::Writer;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long a batch acknowledged may take to be applied here.
const APPLY_WITHIN: Duration = Duration::from_secs(30);

/// Publishes a team's queue, one batch at a time, until `stop`.
pub(super) async fn publish(node: Arc<Node>, team: Arc<Team>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = team.wake.notified() => {}
            _ = stop.changed() => return,
        }
        while let Some((op, ticket, expected, reign)) = next_batch(&team) {
            let n = node.next_number();
            match node.publish(n, &team.subject, &op, Some(expected)).await {
                Ok(seq) => {
                    {
                        let mut book = lock(&team.book);
                        if book.reign == reign {
                            book.subject_seq = seq;
                        }
                        book.acked = book.acked.max(ticket);
                    }
                    // Committed once applied here; the next batch
                    // goes meanwhile, and the applier keeps the order.
                    let (node, team) = (Arc::clone(&node), Arc::clone(&team));
                    tokio::spawn(async move {
                        match node.applier.reach(seq, APPLY_WITHIN).await {
                            Ok(()) => {
                                team.committed.send_if_modified(|c| {
                                    let moved = *c < ticket;
                                    *c = (*c).max(ticket);
                                    moved
                                });
                                team.pending.settle(team.id, ticket);
                            }
                            Err(e) => tracing::error!(error = %e, "a batch not applied"),
                        }
                    });
                }
                Err(PublishFailure::WrongLastSequence) => {
                    tracing::warn!(team = %team.id, "another node took the team over");
                    team.depose(Some(reign), Writer::Unknown);
                }
                Err(PublishFailure::Other(e)) => {
                    // Landed or not, unknown: the lease task fences
                    // anew, after which the log says which.
                    tracing::error!(team = %team.id, error = %e, "a batch was not acknowledged");
                    team.depose(Some(reign), Writer::Unknown);
                }
            }
        }
    }
}

/// The next batch of a team's queue, if this node writes it: the op, its
/// last ticket, the subject sequence it expects, and its reign.
fn next_batch(team: &Team) -> Option<(Op, u64, u64, u64)> {
    let mut book = lock(&team.book);
    if *team.writer.borrow() != Writer::Me {
        book.queue.clear();
        return None;
    }
    let mut entries = Vec::new();
    let mut bytes = 0;
    let mut ticket = 0;
    while let Some(next) = book.queue.front() {
        if !entries.is_empty() && bytes + next.bytes > BATCH_BYTES {
            break;
        }
        let queued = book.queue.pop_front()?;
        bytes += queued.bytes;
        ticket = queued.ticket;
        entries.push((queued.offset, queued.entry));
    }
    if entries.is_empty() {
        return None;
    }
    let op = Op::Batch {
        team: team.id,
        epoch: book.epoch,
        entries,
    };
    Some((op, ticket, book.subject_seq, book.reign))
}
