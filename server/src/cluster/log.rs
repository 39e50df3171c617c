//! [`NatsLog`]: the team logs over the cluster's stream. The node holding
//! a team's lease (`lease.rs`) is its writer; its hub's appends are queued
//! and published as batches to `sb.team.<team>`, one message in flight
//! per team, so that entries appended while a publish is in flight share
//! the next one (group commit over NATS).
//!
//! Invariants:
//! - Every batch is published with `Nats-Expected-Last-Subject-Sequence`
//!   set to the sequence of the subject's previous message as this writer
//!   published it (or fenced it, on taking the team over). A refusal means
//!   another writer took over: this node stops writing at once (writer
//!   `Unknown`), drops what it queued, and the refused tickets are never
//!   reported committed.
//! - A ticket is committed once its batch is acknowledged (durable on the
//!   stream's replicas) and applied to this node's projection, so a read
//!   right after the acknowledgement finds it.
//! - The queue holds what the team's hub appended and has not seen
//!   committed: bounded by the hub's own bound on what it keeps pending.
//! - Writer changes and the queue change under one lock (`Book`), each
//!   takeover starting a new reign: a batch of an older reign cannot
//!   depose a newer one.

use super::applier::nats_error;
use super::lease;
use super::node::{team_subject, Node};
use super::ops::OwnedEntry;
use super::pending::Pending;
use super::publisher;
use super::store::NatsStore;
use crate::store::{Entry, LogRecord, StoreResult, StreamHead, Timeline};
use crate::team_log::{AppendError, Appended, Attachment, TeamLog, Writer};
use dashmap::{DashMap, DashSet};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use switchboard_protocol::ids::{Epoch, Offset, TeamId};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// The most encoded bytes of entries a batch carries; a larger entry goes
/// alone.
pub(super) const BATCH_BYTES: usize = 512 * 1024;
/// Room left in a message for its headers and the batch's own fields.
const FRAMING: usize = 4 * 1024;

/// The team logs of a cluster node.
pub(crate) struct NatsLog {
    pub(super) node: Arc<Node>,
    pub(super) store: NatsStore,
    teams: DashMap<TeamId, Arc<Team>>,
}

/// One team's log as this node sees it.
pub(super) struct Team {
    pub(super) id: TeamId,
    pub(super) subject: String,
    pub(super) writer: watch::Sender<Writer>,
    pub(super) committed: watch::Sender<u64>,
    pub(super) book: Mutex<Book>,
    pub(super) wake: Notify,
    /// Told when the team's lease is released (see `lease::watch_releases`).
    pub(super) released: Notify,
    /// The teams this node writes (the node's), kept with `writer`.
    writing: Arc<DashSet<TeamId>>,
    /// The node's entries not yet applied, kept with the queue.
    pub(super) pending: Arc<Pending>,
    /// The lease and publisher tasks while a hub is attached.
    tasks: Mutex<Option<Tasks>>,
}

/// A team's running tasks (the lease's first) and how to stop them.
type Tasks = (watch::Sender<bool>, Vec<JoinHandle<()>>);

/// What the writer appended and published, under one lock.
pub(super) struct Book {
    /// The log's last offset as this writer appended it.
    pub(super) last: Offset,
    pub(super) epoch: Epoch,
    /// The last ticket handed out.
    pub(super) tickets: u64,
    /// The newest ticket not refused: what a barrier waits for.
    pub(super) promised: u64,
    /// The newest ticket acknowledged (committed once applied here).
    pub(super) acked: u64,
    pub(super) queue: VecDeque<Queued>,
    /// The subject's last sequence as this writer published or fenced it.
    pub(super) subject_seq: u64,
    /// Moves at each takeover and each deposition.
    pub(super) reign: u64,
    /// When this node last stopped writing the team.
    deposed: Option<std::time::Instant>,
}

pub(super) struct Queued {
    pub(super) offset: Offset,
    pub(super) entry: OwnedEntry,
    pub(super) ticket: u64,
    pub(super) bytes: usize,
}

impl Team {
    /// Whether this node stopped writing the team less than `dwell` ago:
    /// its hub must see it stopped before it sees it write again (a hub
    /// that saw only "writer: me" throughout would take the entries it
    /// appended before as still on their way).
    pub(super) fn deposed_within(&self, dwell: std::time::Duration) -> bool {
        lock(&self.book)
            .deposed
            .is_some_and(|at| at.elapsed() < dwell)
    }

    /// Makes this node the writer, fenced at `subject_seq`, the log ending
    /// at `last`: a new reign, nothing queued from the last.
    pub(super) fn take_over(&self, subject_seq: u64, last: Offset, epoch: Epoch) {
        let mut book = lock(&self.book);
        book.reign += 1;
        book.subject_seq = subject_seq;
        book.last = last;
        book.epoch = epoch;
        book.queue.clear();
        book.promised = book.acked;
        self.pending.forget(self.id, book.acked);
        self.writing.insert(self.id);
        self.writer.send_replace(Writer::Me);
    }

    /// Stops writing at once if still in `reign` (any reign with `None`),
    /// naming the writer now known, if any.
    pub(super) fn depose(&self, reign: Option<u64>, now: Writer) {
        let mut book = lock(&self.book);
        if reign.is_some_and(|r| r != book.reign) {
            return;
        }
        if *self.writer.borrow() == Writer::Me {
            book.reign += 1;
            book.deposed = Some(std::time::Instant::now());
        }
        book.queue.clear();
        book.promised = book.acked;
        self.pending.forget(self.id, book.acked);
        if now != Writer::Me {
            self.writing.remove(&self.id);
        }
        self.writer.send_if_modified(|w| {
            let changed = *w != now;
            *w = now;
            changed
        });
    }
}

impl NatsLog {
    pub(crate) fn new(node: Arc<Node>) -> NatsLog {
        NatsLog {
            store: NatsStore::new(Arc::clone(&node)),
            node,
            teams: DashMap::new(),
        }
    }

    pub(super) fn team(&self, team: TeamId) -> Arc<Team> {
        if let Some(found) = self.teams.get(&team) {
            return Arc::clone(&found);
        }
        let made = Team {
            id: team,
            subject: team_subject(team),
            writer: watch::Sender::new(Writer::Unknown),
            committed: watch::Sender::new(0),
            book: Mutex::new(Book {
                last: Offset(0),
                epoch: Epoch(0),
                tickets: 0,
                promised: 0,
                acked: 0,
                queue: VecDeque::new(),
                subject_seq: 0,
                reign: 0,
                deposed: None,
            }),
            wake: Notify::new(),
            released: Notify::new(),
            writing: Arc::clone(&self.node.writing),
            pending: Arc::clone(&self.node.pending),
            tasks: Mutex::new(None),
        };
        Arc::clone(&self.teams.entry(team).or_insert_with(|| Arc::new(made)))
    }

    /// A team a hub of this node is attached to, if any.
    pub(super) fn attached(&self, team: TeamId) -> Option<Arc<Team>> {
        let team = Arc::clone(&*self.teams.get(&team)?);
        let attached = lock(&team.tasks).is_some();
        attached.then_some(team)
    }

    /// Tells every team's tasks to stop (their leases released as they
    /// go), without waiting for them.
    pub(crate) fn stop(&self) {
        for team in self.teams.iter() {
            // The wait is dropped: the tasks end on their own.
            drop(halt(&team));
        }
    }

    /// Stops every team's tasks, releasing the leases held.
    pub(crate) async fn shutdown(&self) {
        let teams: Vec<Arc<Team>> = self.teams.iter().map(|t| Arc::clone(&t)).collect();
        for team in teams {
            halt(&team).await;
        }
    }

    /// Stops a team's lease task without releasing or deposing anything:
    /// a node paused (as by SIGSTOP), for the fencing tests.
    #[cfg(test)]
    pub(crate) fn freeze(&self, team: TeamId) {
        if let Some((_, tasks)) = &*lock(&self.team(team).tasks) {
            tasks[0].abort();
        }
    }
}

/// Stops a team's tasks (the lease task releases the lease) and the
/// team's writing, at once; what is returned waits for the tasks' end.
fn halt(team: &Team) -> impl std::future::Future<Output = ()> {
    let tasks = lock(&team.tasks).take();
    team.depose(None, Writer::Unknown);
    if let Some((stop, _)) = &tasks {
        stop.send_replace(true);
    }
    async move {
        if let Some((_stop, tasks)) = tasks {
            for task in tasks {
                // An aborted (frozen) task ends with an error: nothing to do.
                let _ = task.await;
            }
        }
    }
}

impl TeamLog for NatsLog {
    fn head(&self, team: TeamId) -> StoreResult<StreamHead> {
        let head = self.store.head(team)?;
        let state = self.team(team);
        let mut book = lock(&state.book);
        // What the log holds is the truth when a writer starts.
        if book.queue.is_empty() {
            book.last = head.last;
        }
        book.epoch = head.epoch;
        Ok(head)
    }

    fn append(
        &self,
        team: TeamId,
        expected: Offset,
        entry: Entry<'_>,
    ) -> Result<Appended, AppendError> {
        let state = self.team(team);
        let mut book = lock(&state.book);
        if *state.writer.borrow() != Writer::Me {
            return Err(AppendError::NotWriter);
        }
        if book.last != expected {
            return Err(AppendError::Conflict {
                expected,
                last: book.last,
            });
        }
        let first = expected.next();
        let last = entry.last_offset(first);
        let borrowed = entry;
        let entry = OwnedEntry::from_entry(&borrowed);
        let bytes = rmp_serde::to_vec_named(&entry).map_or(0, |b| b.len());
        let largest = self.node.client.server_info().max_payload;
        if largest > 0 && bytes + FRAMING > largest {
            // Refused here, once: published, it would be refused by NATS
            // at every attempt.
            return Err(AppendError::Store(nats_error(format!(
                "an entry of {bytes} bytes is larger than NATS takes ({largest})"
            ))));
        }
        book.tickets += 1;
        let ticket = book.tickets;
        // Listed before the publisher can take it: see `pending`.
        self.node.pending.add(team, ticket, &borrowed);
        book.promised = ticket;
        book.last = last;
        book.queue.push_back(Queued {
            offset: first,
            entry,
            ticket,
            bytes,
        });
        drop(book);
        state.wake.notify_one();
        Ok(Appended {
            first,
            last,
            ticket,
        })
    }

    fn read(
        &self,
        team: TeamId,
        after: Offset,
        upto: Offset,
        limit: usize,
    ) -> StoreResult<Vec<(Offset, LogRecord)>> {
        self.store.log_range(team, after, upto, limit)
    }

    fn barrier(&self, team: TeamId) -> u64 {
        lock(&self.team(team).book).promised
    }

    fn committed(&self, team: TeamId) -> watch::Receiver<u64> {
        self.team(team).committed.subscribe()
    }

    fn attach(&self, team: TeamId) -> Attachment {
        let state = self.team(team);
        let applied = match self.node.applier.team_applied(team) {
            Ok(applied) => applied,
            Err(e) => {
                tracing::error!(%team, error = %e, "cannot read the team's log");
                watch::channel(Offset(0)).1
            }
        };
        let mut tasks = lock(&state.tasks);
        if tasks.is_none() {
            let (stop, stopped) = watch::channel(false);
            let lease = tokio::spawn(lease::hold(
                Arc::clone(&self.node),
                Arc::clone(&state),
                stopped.clone(),
            ));
            let publisher = tokio::spawn(publisher::publish(
                Arc::clone(&self.node),
                Arc::clone(&state),
                stopped,
            ));
            *tasks = Some((stop, vec![lease, publisher]));
        }
        drop(tasks);
        Attachment {
            writer: state.writer.subscribe(),
            applied,
        }
    }

    fn detach(&self, team: TeamId) {
        tokio::spawn(halt(&self.team(team)));
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each change under these locks is made whole before they are let go.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
