//! A team's log: the one contract through which a hub writes its team's
//! stream, shaped after Centrifuge's `Broker` (publish with a position,
//! read history, follow what was committed), so that a second engine can
//! take the place of the embedded one without the hub noticing.
//!
//! An append names the offset it expects to be the log's last; the log
//! writes the entry right after it, or refuses with
//! [`AppendError::Conflict`] if another append came first. Each append
//! returns a ticket; the entry is committed (durable, safe to acknowledge
//! and fan out) once [`TeamLog::committed`] shows that ticket or a later
//! one for its team. A team's tickets only grow, and a ticket covers
//! every append made to that team before it.
//!
//! Where several servers share the log, one of them at a time writes a
//! team (its [`Writer`]); a hub learns who from [`TeamLog::attach`], and
//! follows what the others commit through the `applied` offset it gives.
//! An append on a server that is not the writer is refused
//! ([`AppendError::NotWriter`]) and writes nothing.
//!
//! [`LocalLog`] is the embedded implementation: the [`Store`] plus the
//! group commit (`commit`), tickets being the flush generations. Within
//! one process the registry's per-team lease already makes a hub its
//! team's only writer; the expected-offset check makes that a property of
//! the log itself (a second writer, or a hub whose idea of the head
//! drifted, is refused rather than overwriting), as the fence of an
//! engine shared between processes must.

use crate::commit::Committer;
use crate::store::{Entry, LogRecord, Store, StoreError, StoreResult, StreamHead};
use dashmap::DashMap;
use std::sync::{Arc, Mutex};
use switchboard_protocol::ids::{Offset, TeamId};
use tokio::sync::watch;

/// Where an append landed: the offsets `first..=last` it took (an entry
/// may take several, see [`Entry::last_offset`]), and the ticket that
/// marks it committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Appended {
    pub(crate) first: Offset,
    pub(crate) last: Offset,
    pub(crate) ticket: u64,
}

/// Why an append wrote nothing.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppendError {
    /// The log's last offset is not the one the writer expected: another
    /// writer appended meanwhile, and this one must not.
    #[error("the team's log ends at {last}, not at {expected} as its writer expected")]
    Conflict { expected: Offset, last: Offset },
    /// This server does not hold the team's writer lease (any more).
    #[error("this server is not the team's writer")]
    NotWriter,
    /// The engine failed; nothing was appended.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which server writes a team's log now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Writer {
    /// This one: its hub appends.
    Me,
    /// Another, by node id: write commands are forwarded to it.
    Node(String),
    /// Nobody known yet, or the lease is changing hands: write commands
    /// wait.
    Unknown,
}

/// A hub's view of its team's log while it runs (see [`TeamLog::attach`]).
pub(crate) struct Attachment {
    /// Who writes the team, live.
    pub(crate) writer: watch::Receiver<Writer>,
    /// The newest offset committed to the team's log by any server and
    /// readable here, live: what a hub that is not the writer follows.
    pub(crate) applied: watch::Receiver<Offset>,
}

/// The log of every team's events, as a hub uses it.
pub(crate) trait TeamLog: Send + Sync + 'static {
    /// The team's epoch and newest offset: where its writer starts.
    fn head(&self, team: TeamId) -> StoreResult<StreamHead>;
    /// Writes `entry`, atomically, at the offset after `expected`, if
    /// `expected` is still the log's last.
    fn append(
        &self,
        team: TeamId,
        expected: Offset,
        entry: Entry<'_>,
    ) -> Result<Appended, AppendError>;
    /// Up to `limit` records with offsets in `(after, upto]`, in order.
    fn read(
        &self,
        team: TeamId,
        after: Offset,
        upto: Offset,
        limit: usize,
    ) -> StoreResult<Vec<(Offset, LogRecord)>>;
    /// A ticket committed once everything appended to the team so far
    /// is: for an answer that must reflect only durable state but appends
    /// nothing.
    fn barrier(&self, team: TeamId) -> u64;
    /// The team's newest committed ticket, live.
    fn committed(&self, team: TeamId) -> watch::Receiver<u64>;
    /// Joins the team's log for a hub of this server, until
    /// [`TeamLog::detach`]: who writes it, and what is committed.
    fn attach(&self, team: TeamId) -> Attachment;
    /// Leaves the team's log: its hub stopped (a writer lets the team go).
    fn detach(&self, team: TeamId);
}

/// The embedded log: the store, flushed by the group commit.
pub(crate) struct LocalLog {
    store: Arc<dyn Store>,
    committer: Arc<Committer>,
    /// Each team's last offset as this log wrote it (loaded by `head`),
    /// behind a lock of its own so that the check and the write of one
    /// append cannot interleave with another's. One entry per team ever
    /// written, like the registry's leases.
    lasts: DashMap<TeamId, Arc<Mutex<Offset>>>,
    /// Always `Me`, and an `applied` that never moves (see `attach`).
    writer: watch::Sender<Writer>,
    applied: watch::Sender<Offset>,
}

impl LocalLog {
    pub(crate) fn new(store: Arc<dyn Store>, committer: Arc<Committer>) -> LocalLog {
        LocalLog {
            store,
            committer,
            lasts: DashMap::new(),
            writer: watch::channel(Writer::Me).0,
            applied: watch::channel(Offset(0)).0,
        }
    }

    fn last(&self, team: TeamId) -> StoreResult<Arc<Mutex<Offset>>> {
        if let Some(last) = self.lasts.get(&team) {
            return Ok(Arc::clone(&last));
        }
        let head = self.store.stream_head(team)?;
        Ok(Arc::clone(
            &self
                .lasts
                .entry(team)
                .or_insert_with(|| Arc::new(Mutex::new(head.last))),
        ))
    }
}

impl TeamLog for LocalLog {
    fn head(&self, team: TeamId) -> StoreResult<StreamHead> {
        let head = self.store.stream_head(team)?;
        // What the store holds is the truth when a writer starts.
        let last = Arc::clone(
            &self
                .lasts
                .entry(team)
                .or_insert_with(|| Arc::new(Mutex::new(head.last))),
        );
        *lock(&last) = head.last;
        Ok(head)
    }

    fn append(
        &self,
        team: TeamId,
        expected: Offset,
        entry: Entry<'_>,
    ) -> Result<Appended, AppendError> {
        let last = self.last(team)?;
        let mut last = lock(&last);
        if *last != expected {
            return Err(AppendError::Conflict {
                expected,
                last: *last,
            });
        }
        let first = expected.next();
        let end = entry.last_offset(first);
        self.store.commit(team, first, entry)?;
        *last = end;
        // Requested after the write: the flush it names covers it.
        let ticket = self.committer.request();
        Ok(Appended {
            first,
            last: end,
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

    // One process, one group commit: a ticket covers every team's appends.
    fn barrier(&self, _team: TeamId) -> u64 {
        self.committer.request()
    }

    fn committed(&self, _team: TeamId) -> watch::Receiver<u64> {
        self.committer.watch()
    }

    /// This server is the only writer; what it commits is its own hub's,
    /// so `applied` never moves.
    fn attach(&self, _team: TeamId) -> Attachment {
        Attachment {
            writer: self.writer.subscribe(),
            applied: self.applied.subscribe(),
        }
    }

    fn detach(&self, _team: TeamId) {}
}

fn lock(last: &Mutex<Offset>) -> std::sync::MutexGuard<'_, Offset> {
    // An offset is one word, written whole: a panic elsewhere cannot leave
    // it half-written.
    last.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use switchboard_protocol::ids::UserId;
    use switchboard_protocol::ids::{ConversationId, Millis, Seq};
    use switchboard_protocol::model::{Message, ReadMarker, Sender, SenderKind};

    const TEAM: TeamId = TeamId(7);

    fn log() -> LocalLog {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (committer, flusher) = Committer::start(Arc::clone(&store)).unwrap();
        // The flusher runs until the test ends.
        std::mem::forget(flusher);
        LocalLog::new(store, committer)
    }

    fn message(offset: Offset) -> Message {
        Message {
            conversation: ConversationId(3),
            seq: Seq(offset.0),
            offset,
            sender: Sender {
                kind: SenderKind::System,
                id: 0,
                name: "Switchboard".into(),
            },
            body: format!("at {offset}"),
            client_msg_id: None,
            at: Millis(0),
            status: None,
            post: None,
            delivery: None,
        }
    }

    #[tokio::test]
    async fn appends_follow_one_another_and_are_committed_by_their_ticket() {
        let log = log();
        let head = log.head(TEAM).unwrap();
        let first = message(head.last.next());
        let entry = Entry::Message {
            message: &first,
            idempotency: None,
        };
        let appended = log.append(TEAM, head.last, entry).unwrap();
        assert_eq!((appended.first, appended.last), (Offset(1), Offset(1)));
        log.committed(TEAM)
            .wait_for(|t| *t >= appended.ticket)
            .await
            .unwrap();
        let read = log.read(TEAM, Offset(0), Offset(1), 10).unwrap();
        assert_eq!(read.len(), 1, "the append is in the log");
    }

    #[test]
    fn an_append_behind_the_log_s_end_is_refused_and_writes_nothing() {
        let log = log();
        let head = log.head(TEAM).unwrap();
        let marker = ReadMarker {
            conversation: ConversationId(3),
            user: UserId(5),
            seq: Seq(0),
        };
        log.append(TEAM, head.last, Entry::Read(&marker)).unwrap();
        // A writer still believing the log ends where it started.
        let stale = log.append(TEAM, head.last, Entry::Read(&marker));
        assert!(
            matches!(
                stale,
                Err(AppendError::Conflict {
                    last: Offset(1),
                    ..
                })
            ),
            "{stale:?}"
        );
        assert_eq!(log.read(TEAM, Offset(0), Offset(9), 10).unwrap().len(), 1);
    }
}
