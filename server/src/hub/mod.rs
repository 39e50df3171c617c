//! Hubs: one per active team, the single writer of that team's offsets and
//! its conversations' seqs, and the fan-out of its events.
//!
//! The [`Registry`] finds a team's hub or starts one. A hub with no
//! subscribers and no work for `hub_idle` removes itself from the registry
//! and stops; a per-team lease makes a new hub for that team wait until the
//! old one has finished its last write, so two writers never overlap.
//! A team is removed through its hub, which then refuses every command as
//! for an unknown team and stops; a hub started for a team the store does
//! not hold does the same, so no write reaches a removed team.
//!
//! The hub's inputs are requests ([`HubRequest`]: who to answer, and the
//! [`HubCommand`] to carry out) from sessions and internal producers, commit
//! notifications from the team's log and the expiry of its ephemeral
//! state (presence grace, typing); its outputs go to connections' outlets.
//! Ephemeral signals (presence, typing, viewing) never touch the store nor
//! the stream's offsets: see `presence` and `signals`.
//!
//! Every write goes through one path, `append`, onto the
//! [`TeamLog`](crate::team_log::TeamLog) trait (append after an expected
//! offset, read a range, follow what was committed); the embedded
//! implementation is the store plus the group commit. That trait is where
//! a second engine (a broker shared between servers) attaches without
//! touching sessions or the protocol.

mod actor;
mod append;
mod assign;
mod backlog;
mod blasts;
mod board;
mod book;
mod book_view;
mod bridge;
mod catch_up;
mod command;
mod contacts;
mod dashboard;
mod deliver;
mod dispatch;
mod fan_out;
mod follow;
mod forward;
mod imports;
mod peers;
mod pending;
mod posts;
mod presence;
mod reach;
mod recent;
mod remote_op;
mod removal;
mod replay;
mod request;
mod shared_presence;
mod signals;
mod subscribers;
mod system;
mod threads;
mod unapplied;
mod visitors;
mod writes;

use crate::config::Config;
use crate::outlet::{Outlet, Pacer};
use crate::store::Store;
use crate::team_log::TeamLog;
use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use switchboard_protocol::ids::{Offset, TeamId};
use switchboard_protocol::presence::Signal;

pub(crate) use board::BoardQuery;
pub(crate) use book::BookOp;
pub(crate) use bridge::{Inbound, Report};
pub(crate) use command::{AssigneeChange, ContactChanges, Delivery, DeliveryTarget, HubCommand};
pub(crate) use peers::Peers;
pub(crate) use posts::PostSave;
pub(crate) use removal::RemovalError;
pub(crate) use request::{HubRequest, ReplyTo};
pub(crate) use threads::HubThreads;
use tokio::sync::{mpsc, oneshot, watch};

/// The way into a running hub.
#[derive(Clone)]
struct HubHandle {
    /// Distinguishes this hub from a later one of the same team.
    id: u64,
    inbox: mpsc::Sender<HubRequest>,
    /// The newest offset known to be on disk (`u64::MAX` until loaded: all
    /// that is in the store then was flushed by an earlier hub).
    durable: Arc<AtomicU64>,
}

/// What every hub shares.
pub(crate) struct HubContext {
    pub(crate) store: Arc<dyn Store>,
    /// The teams' logs: every hub's writes go through it (see `append`).
    pub(crate) log: Arc<dyn TeamLog>,
    pub(crate) config: Arc<Config>,
    /// Fires once when the server stops.
    pub(crate) stop: watch::Receiver<bool>,
    /// Held by every hub task; the server waits for all of them to drop it.
    pub(crate) alive: mpsc::Sender<()>,
    /// The other servers sharing the teams' logs, if any: where write
    /// commands go when another server writes the team (see `forward`).
    pub(crate) peers: Option<Arc<Peers>>,
    /// Where hubs run: the server's [`HubThreads`], apart from the
    /// connections.
    pub(crate) threads: tokio::runtime::Handle,
    /// Wakes the writers of a big turn of a fan-out a few at a time, on
    /// the connections' runtime (see `outlet::pacer`): one for all hubs.
    pub(crate) pacer: Arc<Pacer>,
}

/// Finds or starts the hub of a team.
pub(crate) struct Registry {
    context: HubContext,
    hubs: DashMap<TeamId, HubHandle>,
    leases: DashMap<TeamId, Arc<tokio::sync::Mutex<()>>>,
    next_id: AtomicU64,
    /// How many hub tasks have been started and not yet ended (counted up
    /// before the task is spawned, down when it ends), so that a shutdown
    /// can wait until every write already taken has been answered.
    running: Arc<watch::Sender<usize>>,
}

/// Counts a hub task as running until dropped.
struct Running(Arc<watch::Sender<usize>>);

impl Running {
    fn start(counter: &Arc<watch::Sender<usize>>) -> Running {
        counter.send_modify(|n| *n += 1);
        Running(Arc::clone(counter))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// The hub could not take the command: the server is stopping.
#[derive(Debug)]
pub(crate) struct Unavailable;

impl Registry {
    pub(crate) fn new(context: HubContext) -> Arc<Registry> {
        Arc::new(Registry {
            context,
            hubs: DashMap::new(),
            leases: DashMap::new(),
            next_id: AtomicU64::new(1),
            running: Arc::new(watch::channel(0).0),
        })
    }

    /// Waits until no hub task runs: after a stop, every command a hub took
    /// has been answered (its writes flushed and acknowledged, or refused).
    pub(crate) async fn settled(&self) {
        let mut running = self.running.subscribe();
        let _ = running.wait_for(|n| *n == 0).await;
    }

    /// Hands a request to the team's hub, starting it if needed.
    pub(crate) async fn dispatch(
        self: &Arc<Self>,
        team: TeamId,
        mut command: HubRequest,
    ) -> Result<(), Unavailable> {
        // A hub that stopped between lookup and send hands the command back;
        // the retry finds (or starts) its successor. Two tries are enough
        // unless the server is stopping.
        for _ in 0..3 {
            if *self.context.stop.borrow() {
                return Err(Unavailable);
            }
            let handle = self.handle(team);
            match handle.inbox.send(command).await {
                Ok(()) => return Ok(()),
                Err(mpsc::error::SendError(returned)) => {
                    self.hubs
                        .remove_if(&team, |_, current| current.id == handle.id);
                    command = returned;
                }
            }
        }
        Err(Unavailable)
    }

    /// Removes a team through its hub, in order with the team's writes: a
    /// write the hub takes after the removal is refused with `not_found`
    /// and stores nothing, whoever checked access for it before.
    pub(crate) async fn remove_team(self: &Arc<Self>, team: TeamId) -> Result<(), RemovalError> {
        let (done, removed) = oneshot::channel();
        self.dispatch(team, HubRequest::internal(HubCommand::RemoveTeam { done }))
            .await
            .map_err(|Unavailable| RemovalError::Unavailable)?;
        // A hub drops `done` unanswered only when the server stops.
        removed.await.unwrap_or(Err(RemovalError::Unavailable))
    }

    /// Tells a team's hub, if it runs, that a connection went away.
    pub(crate) fn disconnect(self: &Arc<Self>, team: TeamId, outlet: Outlet) {
        if let Some(handle) = self.hubs.get(&team).map(|h| h.clone()) {
            let command = HubRequest::from(outlet, None, HubCommand::Unsubscribe);
            // A full inbox must not block the closing connection, nor lose
            // its departure (a ghost device and view, and a hub that never
            // goes idle): the departure waits for room on a task of its own.
            // At most one per connection and team, so they are as bounded as
            // the connections. A hub that has stopped took its state along.
            if let Err(mpsc::error::TrySendError::Full(command)) = handle.inbox.try_send(command) {
                tokio::spawn(async move {
                    let _ = handle.inbox.send(command).await;
                });
            }
        }
    }

    /// Hands a team-level signal to the team's hub, if it runs (if not,
    /// nobody is subscribed to hear it). Never waits: a signal may be
    /// dropped, and one that finds the hub's inbox full is (clients re-read
    /// on reconnect, PROTOCOL.md section 21).
    pub(crate) fn signal(&self, team: TeamId, signal: Signal) {
        if let Some(handle) = self.hubs.get(&team).map(|h| h.clone()) {
            if handle
                .inbox
                .try_send(HubRequest::internal(HubCommand::Signal(signal)))
                .is_err()
            {
                tracing::debug!(%team, "team signal dropped: hub inbox full or hub stopped");
            }
        }
    }

    /// The shared durable offset of a team's hub, starting the hub if it
    /// is not running (a forwarded request's answer reports it).
    fn durable_handle(self: &Arc<Self>, team: TeamId) -> Arc<AtomicU64> {
        self.handle(team).durable
    }

    /// Hands a change another server told to the team's hub, if it runs
    /// here (if not, nobody here listens). Never waits: a change that finds
    /// the inbox full is dropped, and the next snapshot mends it.
    pub(crate) fn told(&self, team: TeamId, node: String, what: shared_presence::Ephemeral) {
        if let Some(handle) = self.hubs.get(&team).map(|h| h.clone()) {
            let told = HubRequest::internal(HubCommand::Told { node, what });
            if handle.inbox.try_send(told).is_err() {
                tracing::debug!(%team, "a change told by another server was dropped");
            }
        }
    }

    /// The newest durable offset of a team, if its hub has told.
    pub(crate) fn durable(&self, team: TeamId) -> Option<Offset> {
        self.hubs
            .get(&team)
            .map(|h| Offset(h.durable.load(Ordering::Acquire)))
    }

    fn handle(self: &Arc<Self>, team: TeamId) -> HubHandle {
        self.hubs
            .entry(team)
            .or_insert_with(|| self.start(team))
            .clone()
    }

    fn start(self: &Arc<Self>, team: TeamId) -> HubHandle {
        let (inbox, commands) = mpsc::channel(self.context.config.hub_inbox);
        let handle = HubHandle {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            inbox,
            durable: Arc::new(AtomicU64::new(u64::MAX)),
        };
        let lease = Arc::clone(&self.leases.entry(team).or_default());
        let registry = Arc::clone(self);
        let hub = handle.clone();
        let running = Running::start(&self.running);
        self.context.threads.spawn(async move {
            let _running = running;
            let _alive = registry.context.alive.clone();
            let _counted = crate::metrics::GaugeGuard::new(&crate::metrics::get().hubs_alive);
            // Wait for an earlier hub of this team to finish its writes.
            let _lease = lease.lock_owned().await;
            actor::run(&registry, team, hub.id, commands, hub.durable).await;
        });
        handle
    }

    /// Asks the hub of every team with pending handoffs to import them
    /// (at server start: a crash may have left some behind).
    pub(crate) fn import_pending_handoffs(
        self: &Arc<Self>,
    ) -> Result<(), crate::store::StoreError> {
        for team in self.context.store.handoff_teams()? {
            let registry = Arc::clone(self);
            tokio::spawn(async move {
                let import = HubRequest::internal(HubCommand::ImportHandoffs);
                let _ = registry.dispatch(team, import).await;
            });
        }
        Ok(())
    }

    /// Removes a stopping hub from the registry, unless a newer one replaced it.
    fn retire(&self, team: TeamId, id: u64) {
        self.hubs.remove_if(&team, |_, current| current.id == id);
    }
}

#[cfg(test)]
mod tests;
