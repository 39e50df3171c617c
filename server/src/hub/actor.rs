//! The hub task of one team: assigns seqs, appends to the team's log,
//! waits for the commit, then answers and fans out.
//!
//! This file holds the hub's state and its loop (commands, commits,
//! expiries, idleness, the server's stop) and how it ends; `dispatch`
//! hands each command to the module that carries it out, `append` is the
//! one write path (the only place offsets are assigned), `pending` holds
//! what waits for the commit, and `fan_out` delivers what was committed.
//!
//! Invariants:
//! - `head` is the newest offset written; `durable` the newest flushed and
//!   fanned out. Entries between them wait in `pending`, in offset order;
//!   `pending_bytes` is what they count for, bounded (see `backlog`).
//! - Nothing is acknowledged or delivered before the flush that covers it.
//! - A subscriber is registered at the moment its replay reaches `durable`,
//!   so every later event reaches it live: no gap, no duplicate.
//! - A Manager's or Member's subscription receives every event of the team
//!   (one shared batch per encoding); a Restricted Member's receives only
//!   the events of conversations its principal `reads`, in replays too.
//! - Ephemeral state (presence, typing, viewing) changes outside that flow:
//!   it is answered and signalled at once, never waits for a flush, never
//!   takes an offset. The hub wakes for its next expiry only while one is
//!   pending, and stops when idle only once that state is empty too.

use super::board::Board;
use super::catch_up::Behind;
use super::fan_out::FanOut;
use super::pending::Pending;
use super::presence::Presence;
use super::recent::Recent;
use super::shared_presence::{Ephemeral, Remote, HEARTBEAT, REMOTE};
use super::subscribers::Subscribers;
use super::unapplied::Unapplied;
use super::{HubCommand, HubRequest, Registry, RemovalError};
use crate::access::Principal;
use crate::outlet::Outlet;
use crate::team_log::Writer;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use switchboard_protocol::ids::{Epoch, Offset, RequestId, Seq, TeamId};
use switchboard_protocol::server::{ErrorFrame, Reply, ResultFrame};
use switchboard_protocol::{ErrorCode, ServerFrame};
use tokio::sync::{mpsc, watch};

/// Most commands handled in one wake-up before the hub checks for flushes.
const BATCH: usize = 256;

/// One team's hub: its stream's head, its subscribers and what waits for
/// the flush.
pub(super) struct Hub<'r> {
    pub(super) registry: &'r Arc<Registry>,
    pub(super) team: TeamId,
    pub(super) epoch: Epoch,
    pub(super) head: Offset,
    pub(super) durable: Offset,
    pub(super) durable_shared: Arc<AtomicU64>,
    pub(super) subscribers: Subscribers,
    /// What waits for its flush, in offset order (see `pending`).
    pub(super) pending: VecDeque<Pending>,
    /// What the entries of `pending` count for, bounded (see `backlog`).
    pub(super) pending_bytes: usize,
    pub(super) seqs: HashMap<switchboard_protocol::ids::ConversationId, Seq>,
    /// The newest durable events, encoded, for replays.
    pub(super) recent: Recent,
    /// Book writes appended whose commit the store may not show yet.
    pub(super) unapplied: Unapplied,
    /// The conversations as agents triage them.
    pub(super) board: Board,
    /// Who is online, typing, viewing: ephemeral, never stored.
    pub(super) presence: Presence,
    /// Set once the team is removed: every later command is refused as for
    /// an unknown team (see `removal`).
    pub(super) removed: bool,
    /// Which server writes the team (see `follow`).
    pub(super) writer: Writer,
    /// The newest offset of the team the log holds here, live.
    pub(super) applied: watch::Receiver<Offset>,
    /// Who writes the team, live (for forwarded requests to give up on a
    /// writer that went).
    pub(super) writers: watch::Receiver<Writer>,
    /// Write commands waiting for a writer to be known, bounded.
    pub(super) parked: VecDeque<HubRequest>,
    /// The other servers' connections (see `shared_presence`).
    pub(super) remote: Remote,
    /// The web chat visitors online here (see `visitors`).
    pub(super) visitors: super::visitors::VisitorsOnline,
    /// A flush's events still on their way to some subscribers (see
    /// `fan_out`): the hub takes nothing else until they are all handed.
    pub(super) fanning: Option<FanOut>,
}

/// A live subscription.
pub(super) struct Subscriber {
    pub(super) outlet: Outlet,
    /// Set for a Restricted Member only: whose grants filter its events.
    /// None is the fast path, every event of the team.
    pub(super) restricted: Option<Arc<Principal>>,
    /// Set while it catches up from the log after a batch too large for
    /// its outbox (see `catch_up`): live events skip it meanwhile. Boxed:
    /// it is rare, and every subscriber of every hub holds the field.
    pub(super) behind: Option<Box<Behind>>,
}

pub(super) async fn run(
    registry: &Arc<Registry>,
    team: TeamId,
    id: u64,
    mut commands: mpsc::Receiver<HubRequest>,
    durable_shared: Arc<AtomicU64>,
) {
    let context = &registry.context;
    // A team removed while a command for it was on its way: the command is
    // answered as for any unknown team (see `removal`).
    let loaded = context.store.team(team).and_then(|record| {
        let head = context.log.head(team)?;
        Ok(record.map(|_| head))
    });
    let head = match loaded {
        Ok(Some(head)) => head,
        Ok(None) => {
            let unknown = format!("no team {team}");
            refuse_all(registry, team, id, commands, ErrorCode::NotFound, &unknown).await;
            return;
        }
        Err(e) => {
            tracing::error!(%team, error = %e, "cannot load the team's stream");
            let why = "the team is unavailable";
            refuse_all(registry, team, id, commands, ErrorCode::Internal, why).await;
            return;
        }
    };
    durable_shared.store(head.last.0, Ordering::Release);
    let attachment = context.log.attach(team);
    let mut writers = attachment.writer;
    let mut applied = attachment.applied;
    let writer = writers.borrow_and_update().clone();
    let mut hub = Hub {
        registry,
        team,
        epoch: head.epoch,
        head: head.last,
        durable: head.last,
        durable_shared,
        subscribers: Subscribers::default(),
        pending: VecDeque::new(),
        pending_bytes: 0,
        seqs: HashMap::new(),
        recent: Recent::default(),
        unapplied: Unapplied::default(),
        board: Board::default(),
        presence: Presence::new(context.config.presence_grace, context.config.typing_expiry),
        removed: false,
        writer,
        applied: applied.clone(),
        writers: writers.clone(),
        parked: VecDeque::new(),
        remote: Remote::default(),
        visitors: Default::default(),
        fanning: None,
    };
    let shared = context.peers.is_some();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    if shared {
        // The other servers' connections, told at once rather than at
        // their next heartbeat.
        hub.tell(Ephemeral::Ask);
    }
    let mut flushed = context.log.committed(team);
    let mut stop = context.stop.clone();
    // Handoffs left for this team come first (see `deliver`), durable
    // before any command is handled; by the writer, whenever one is known.
    hub.handle(HubRequest::internal(HubCommand::ImportHandoffs));
    while !hub.pending.is_empty() {
        let generation = match flushed.changed().await {
            Ok(()) => *flushed.borrow_and_update(),
            Err(_) => break,
        };
        hub.complete(generation);
    }
    let exit = loop {
        if hub.fanning.is_some() {
            // Between turns of a fan-out, another hub woken meanwhile runs
            // first (see `fan_out`); nothing else of this hub happens.
            tokio::task::yield_now().await;
            hub.fan_out_turn();
            continue;
        }
        let idle = hub.subscribers.is_empty()
            && hub.pending.is_empty()
            && hub.parked.is_empty()
            && hub.presence.is_empty_below(REMOTE)
            && !hub.board.is_loading();
        let deadline = hub.presence.next_deadline();
        tokio::select! {
            biased;
            _ = flushed.changed(), if !hub.pending.is_empty() => {
                let generation = *flushed.borrow_and_update();
                hub.complete(generation);
            }
            Ok(()) = writers.changed() => {
                let writer = writers.borrow_and_update().clone();
                if let Err(e) = hub.writer_changed(writer) {
                    tracing::error!(%team, error = %e, "cannot take the team's log over");
                }
            }
            Ok(()) = applied.changed(), if hub.writer != Writer::Me => {
                let upto = *applied.borrow_and_update();
                if let Err(e) = hub.follow(upto) {
                    tracing::error!(%team, error = %e, "cannot follow the team's log");
                }
            }
            // Before the commands, so that a busy inbox cannot hold an
            // expiry back; an expiry is a bounded amount of work.
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)),
                if deadline.is_some() => hub.expire(),
            command = commands.recv() => {
                let Some(command) = command else { break Exit::Idle };
                hub.handle(command);
                for _ in 1..BATCH {
                    if hub.removed {
                        break;
                    }
                    match commands.try_recv() {
                        Ok(command) => hub.handle(command),
                        Err(_) => break,
                    }
                }
                if hub.removed {
                    break Exit::Removed;
                }
            }
            _ = heartbeat.tick(), if shared && !idle => hub.heartbeat(),
            _ = tokio::time::sleep(context.config.hub_idle), if idle => break Exit::Idle,
            _ = stop.wait_for(|stopped| *stopped) => break Exit::Stopping,
        }
    };

    hub.finish_fan_out();
    // Leave the registry first so that new commands go to a successor, which
    // waits for our lease, then settle what is already ours.
    registry.retire(team, id);
    hub.abandon_board();
    commands.close();
    let mut leftover: Vec<HubRequest> = hub.parked.drain(..).collect();
    while let Ok(command) = commands.try_recv() {
        leftover.push(command);
    }
    if exit == Exit::Stopping {
        for command in leftover {
            refuse(
                command,
                ErrorCode::Unavailable,
                "the server is shutting down",
            );
        }
    } else if exit == Exit::Removed {
        let unknown = hub.unknown_team();
        for command in leftover {
            refuse(command, ErrorCode::NotFound, &unknown);
        }
    } else if !leftover.is_empty() {
        let registry = Arc::clone(registry);
        tokio::spawn(async move {
            for command in leftover {
                if registry.dispatch(team, command).await.is_err() {
                    break;
                }
            }
        });
    }
    while !hub.pending.is_empty() {
        let generation = match flushed.changed().await {
            Ok(()) => *flushed.borrow_and_update(),
            Err(_) => break,
        };
        hub.complete(generation);
    }
    hub.finish_fan_out();
    context.log.detach(team);
    tracing::debug!(%team, "hub stopped");
}

/// Why a hub's loop ended.
#[derive(PartialEq, Eq)]
enum Exit {
    /// Nothing to do for `hub_idle`: a successor takes what arrives next.
    Idle,
    /// The server is stopping.
    Stopping,
    /// The team was removed.
    Removed,
}

/// Leaves the registry and refuses every command sent to a hub that cannot
/// serve its team.
async fn refuse_all(
    registry: &Registry,
    team: TeamId,
    id: u64,
    mut commands: mpsc::Receiver<HubRequest>,
    code: ErrorCode,
    message: &str,
) {
    registry.retire(team, id);
    commands.close();
    while let Some(command) = commands.recv().await {
        refuse(command, code, message);
    }
}

/// Answers a request that will not be carried out.
pub(super) fn refuse(request: HubRequest, code: ErrorCode, message: &str) {
    match request.op {
        // Left pending in the store: the next hub of the team imports it.
        HubCommand::ImportHandoffs => {}
        HubCommand::RemoveTeam { done } => {
            let why = match code {
                ErrorCode::NotFound => RemovalError::NotFound,
                _ => RemovalError::Unavailable,
            };
            let _ = done.send(Err(why));
        }
        // Whoever waits for an answer gets the refusal; a signal, a board
        // page or a catch-up chunk waits for none.
        _ => request.reply.refuse(code, message),
    }
}

pub(super) fn error_frame(id: RequestId, code: ErrorCode, message: &str) -> ServerFrame {
    ServerFrame::Error(ErrorFrame {
        id: Some(id),
        code,
        message: message.to_string(),
    })
}

pub(super) fn result_frame(id: RequestId, result: Reply) -> ServerFrame {
    ServerFrame::Result(ResultFrame::new(id, result))
}
