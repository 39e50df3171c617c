//! The hub task of one team: assigns offsets and seqs, writes through the
//! store, waits for the group commit, then answers and fans out.
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
use super::presence::Presence;
use super::recent::Recent;
use super::{HubCommand, Registry, RemovalError};
use crate::access::Principal;
use crate::outlet::{Batch, ConnId, Outlet, SharedFrame};
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::ids::{ConversationId, Epoch, Offset, RequestId, Seq, TeamId};
use switchboard_protocol::server::{ErrorFrame, Event, EventFrame, Reply, ResultFrame};
use switchboard_protocol::{ErrorCode, ServerFrame};
use tokio::sync::mpsc;

/// Most commands handled in one wake-up before the hub checks for flushes.
const BATCH: usize = 256;

pub(super) struct Hub<'r> {
    pub(super) registry: &'r Arc<Registry>,
    pub(super) team: TeamId,
    pub(super) epoch: Epoch,
    pub(super) head: Offset,
    pub(super) durable: Offset,
    pub(super) durable_shared: Arc<AtomicU64>,
    pub(super) subscribers: HashMap<ConnId, Subscriber>,
    pending: VecDeque<Pending>,
    pending_bytes: usize,
    pub(super) seqs: HashMap<switchboard_protocol::ids::ConversationId, Seq>,
    /// The newest durable events, encoded, for replays.
    pub(super) recent: Recent,
    /// The conversations as agents triage them.
    pub(super) board: Board,
    /// Who is online, typing, viewing: ephemeral, never stored.
    pub(super) presence: Presence,
    /// Set once the team is removed: every later command is refused as for
    /// an unknown team (see `removal`).
    pub(super) removed: bool,
}

/// A live subscription.
pub(super) struct Subscriber {
    pub(super) outlet: Outlet,
    /// Set for a Restricted Member only: whose grants filter its events.
    /// None is the fast path, every event of the team.
    pub(super) restricted: Option<Arc<Principal>>,
    /// Whether the connection asked for the team's ephemeral signals (with
    /// a `presence` request while subscribed); older clients never do, and
    /// so never receive a frame type they do not know.
    pub(super) signals: bool,
    /// Set while it catches up from the log after a batch too large for
    /// its outbox (see `catch_up`): live events skip it meanwhile.
    pub(super) behind: Option<Behind>,
}

/// An answer and an event waiting for their flush.
struct Pending {
    generation: u64,
    bytes: usize,
    reply: Option<(Outlet, ServerFrame)>,
    event: Option<EventFrame>,
}

pub(super) async fn run(
    registry: &Arc<Registry>,
    team: TeamId,
    id: u64,
    mut commands: mpsc::Receiver<HubCommand>,
    durable_shared: Arc<AtomicU64>,
) {
    let context = &registry.context;
    // A team removed while a command for it was on its way: the command is
    // answered as for any unknown team (see `removal`).
    let loaded = context.store.team(team).and_then(|record| {
        let head = context.store.stream_head(team)?;
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
    let mut hub = Hub {
        registry,
        team,
        epoch: head.epoch,
        head: head.last,
        durable: head.last,
        durable_shared,
        subscribers: HashMap::new(),
        pending: VecDeque::new(),
        pending_bytes: 0,
        seqs: HashMap::new(),
        recent: Recent::default(),
        board: Board::default(),
        presence: Presence::new(context.config.presence_grace, context.config.typing_expiry),
        removed: false,
    };
    let mut flushed = context.committer.watch();
    let mut stop = context.stop.clone();
    // Handoffs left for this team come first (see `deliver`), durable
    // before any command is handled.
    if let Err(e) = hub.import_handoffs() {
        tracing::error!(%team, error = %e, "could not import pending handoffs");
    }
    while !hub.pending.is_empty() {
        let generation = match flushed.changed().await {
            Ok(()) => *flushed.borrow_and_update(),
            Err(_) => break,
        };
        hub.complete(generation);
    }
    let exit = loop {
        let idle = hub.subscribers.is_empty()
            && hub.pending.is_empty()
            && hub.presence.is_empty()
            && !hub.board.is_loading();
        let deadline = hub.presence.next_deadline();
        tokio::select! {
            biased;
            _ = flushed.changed(), if !hub.pending.is_empty() => {
                let generation = *flushed.borrow_and_update();
                hub.complete(generation);
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
            _ = tokio::time::sleep(context.config.hub_idle), if idle => break Exit::Idle,
            _ = stop.wait_for(|stopped| *stopped) => break Exit::Stopping,
        }
    };

    // Leave the registry first so that new commands go to a successor, which
    // waits for our lease, then settle what is already ours.
    registry.retire(team, id);
    hub.abandon_board();
    commands.close();
    let mut leftover = Vec::new();
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
    mut commands: mpsc::Receiver<HubCommand>,
    code: ErrorCode,
    message: &str,
) {
    registry.retire(team, id);
    commands.close();
    while let Some(command) = commands.recv().await {
        refuse(command, code, message);
    }
}

/// Answers a command that will not be carried out.
fn refuse(command: HubCommand, code: ErrorCode, message: &str) {
    let (outlet, request) = match command {
        HubCommand::Subscribe {
            outlet, request, ..
        }
        | HubCommand::Send {
            outlet, request, ..
        }
        | HubCommand::StartConversation {
            outlet, request, ..
        }
        | HubCommand::MarkRead {
            outlet, request, ..
        }
        | HubCommand::UpdateContact {
            outlet, request, ..
        }
        | HubCommand::Assign {
            outlet, request, ..
        }
        | HubCommand::Dashboard {
            outlet, request, ..
        }
        | HubCommand::Next {
            outlet, request, ..
        }
        | HubCommand::SystemMessage {
            outlet, request, ..
        }
        | HubCommand::Typing {
            outlet, request, ..
        }
        | HubCommand::Presence {
            outlet, request, ..
        }
        | HubCommand::Deliver {
            outlet, request, ..
        } => (outlet, Some(request)),
        HubCommand::Unsubscribe { outlet, request }
        | HubCommand::View {
            outlet, request, ..
        } => (outlet, request),
        // Left pending in the store: the next hub of the team imports it.
        HubCommand::ImportHandoffs => return,
        // The connection is closing with the server.
        HubCommand::CatchUp { .. } => return,
        // The requests waiting for the board are refused by the hub.
        HubCommand::BoardPage { .. } => return,
        HubCommand::RemoveTeam { done } => {
            let why = match code {
                ErrorCode::NotFound => RemovalError::NotFound,
                _ => RemovalError::Unavailable,
            };
            let _ = done.send(Err(why));
            return;
        }
    };
    if let Some(id) = request {
        outlet.send(&error_frame(id, code, message));
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

impl Hub<'_> {
    fn handle(&mut self, command: HubCommand) {
        if self.removed {
            refuse(command, ErrorCode::NotFound, &self.unknown_team());
            return;
        }
        if let Some(why) = self.backlogged(&command) {
            refuse(command, ErrorCode::Unavailable, why);
            return;
        }
        let conn = command.conn();
        let outcome = match command {
            HubCommand::Subscribe {
                outlet,
                principal,
                request,
                after,
            } => self.subscribe(outlet, &principal, request, after),
            HubCommand::Unsubscribe { outlet, request } => {
                self.subscribers.remove(&outlet.conn);
                self.gone(outlet.conn);
                if let Some(id) = request {
                    outlet.send(&result_frame(id, Reply::Unsubscribed { team: self.team }));
                }
                Ok(())
            }
            HubCommand::Send {
                outlet,
                principal,
                request,
                conversation,
                client_msg_id,
                body,
                as_contact,
            } => {
                // A bot relaying the contact's words writes as the contact.
                let sender = as_contact.unwrap_or_else(|| principal.sender());
                let sent = self.send(outlet, request, conversation, client_msg_id, body, sender);
                self.message_sent(conversation, principal.user.id);
                sent
            }
            HubCommand::StartConversation {
                outlet,
                request,
                contact,
            } => self.start_conversation(outlet, request, contact),
            HubCommand::MarkRead {
                outlet,
                principal,
                request,
                conversation,
                seq,
            } => self.mark_read(outlet, &principal, request, conversation, seq),
            HubCommand::UpdateContact {
                outlet,
                request,
                conversation,
                changes,
            } => self.update_contact(outlet, request, conversation, changes),
            HubCommand::Assign {
                outlet,
                request,
                conversation,
                change,
                key,
            } => self.assign(outlet, request, conversation, change, key),
            HubCommand::Dashboard {
                outlet,
                request,
                query,
            } => self.dashboard(outlet, request, query),
            HubCommand::Next {
                outlet,
                request,
                user,
            } => self.next(outlet, request, user),
            HubCommand::SystemMessage {
                outlet,
                request,
                conversation,
                body,
                reply,
                claim,
            } => {
                let key = claim.as_deref();
                let written = self.system_message(outlet, request, conversation, body, reply, key);
                // The receipt is written (or the command failed): a retry
                // waiting for the key may look it up now.
                drop(claim);
                written
            }
            HubCommand::Typing {
                outlet,
                principal,
                request,
                conversation,
            } => {
                self.typing(outlet, &principal, request, conversation);
                Ok(())
            }
            HubCommand::View {
                outlet,
                principal,
                request,
                conversation,
            } => {
                self.view(outlet, &principal, request, conversation);
                Ok(())
            }
            HubCommand::Presence {
                outlet,
                principal,
                request,
            } => {
                self.presence(outlet, &principal, request);
                Ok(())
            }
            HubCommand::Deliver {
                outlet,
                request,
                conversation,
                delivery,
                key,
            } => self.deliver(outlet, request, conversation, delivery, key),
            HubCommand::ImportHandoffs => self.import_handoffs(),
            HubCommand::BoardPage { token, page, done } => self.board_page(token, page, done),
            HubCommand::CatchUp {
                outlet,
                token,
                drained,
            } => self.catch_up(outlet.conn, token, drained),
            HubCommand::RemoveTeam { done } => {
                self.remove_team(done);
                Ok(())
            }
        };
        if let Err(e) = outcome {
            tracing::error!(team = %self.team, conn, error = %e, "hub command failed");
        }
    }

    /// Queues an answer and an event (at `head`) behind the next flush.
    pub(super) fn wait_for_flush(
        &mut self,
        reply: Option<(Outlet, ServerFrame)>,
        event: Option<Event>,
    ) {
        if let Some(event) = &event {
            self.board.observe(event);
        }
        let generation = self.registry.context.committer.request();
        let bytes = super::backlog::entry_bytes(&reply, &event);
        self.pending_bytes += bytes;
        self.pending.push_back(Pending {
            generation,
            bytes,
            reply,
            event: event.map(|event| EventFrame {
                team: self.team,
                offset: self.head,
                event,
            }),
        });
    }

    /// Answers every entry waiting for the flush with an error instead of
    /// its reply, and drops their events: what they wrote will never be
    /// acknowledged.
    pub(super) fn refuse_pending(&mut self, code: ErrorCode, message: &str) {
        for pending in self.pending.drain(..) {
            let Some((outlet, reply)) = pending.reply else {
                continue;
            };
            let request = match reply {
                ServerFrame::Result(result) => Some(result.id),
                ServerFrame::Error(error) => error.id,
                _ => None,
            };
            if let Some(id) = request {
                outlet.send(&error_frame(id, code, message));
            }
        }
        self.pending_bytes = 0;
    }

    /// The entries waiting for the flush, and the bytes they count for.
    pub(super) fn pending_load(&self) -> (usize, usize) {
        (self.pending.len(), self.pending_bytes)
    }

    /// Answers and delivers everything the flush of `generation` covered.
    fn complete(&mut self, generation: u64) {
        // What every live subscriber has been sent so far.
        let before = self.durable;
        let mut events = Vec::new();
        while self
            .pending
            .front()
            .is_some_and(|p| p.generation <= generation)
        {
            // The loop condition saw a front element.
            let Some(done) = self.pending.pop_front() else {
                break;
            };
            self.pending_bytes -= done.bytes;
            if let Some((outlet, reply)) = done.reply {
                outlet.send(&reply);
            }
            if let Some(event) = done.event {
                self.durable = event.offset;
                let conversation = event.event.conversation();
                let frame = Arc::new(SharedFrame::new(ServerFrame::Event(event)));
                self.recent
                    .push(self.durable, conversation, Arc::clone(&frame));
                events.push((conversation, frame));
            }
        }
        if !events.is_empty() {
            self.fan_out(before, &events);
        }
        self.durable_shared.store(self.durable.0, Ordering::Release);
    }

    /// Delivers a flush's events to every subscriber: each event encoded
    /// once per encoding in use, each outlet handed the whole batch at once
    /// (one lock, one wake-up of its writer, one write call). A subscriber
    /// whose outbox cannot take the batch though it kept up falls behind
    /// (from `before`, the last offset it was sent) and catches up from the
    /// log; a closed one, or a slow one, drops out.
    fn fan_out(&mut self, before: Offset, events: &[(ConversationId, Arc<SharedFrame>)]) {
        let mut batches: [Option<Vec<Bytes>>; 2] = [None, None];
        let team = self.team;
        let mut dropped = Vec::new();
        let mut behind = Vec::new();
        self.subscribers.retain(|conn, subscriber| {
            if subscriber.behind.is_some() {
                return true;
            }
            match deliver(team, subscriber, events, &mut batches) {
                Batch::Queued => true,
                Batch::NoRoom => {
                    behind.push(*conn);
                    true
                }
                Batch::Closed => {
                    dropped.push(*conn);
                    false
                }
            }
        });
        for conn in behind {
            self.fall_behind(conn, before);
        }
        for conn in dropped {
            self.gone(conn);
        }
    }
}

/// Hands a flush's events to one subscriber, those it may read.
fn deliver(
    team: TeamId,
    subscriber: &Subscriber,
    events: &[(ConversationId, Arc<SharedFrame>)],
    batches: &mut [Option<Vec<Bytes>>; 2],
) -> Batch {
    let outlet = &subscriber.outlet;
    let encoding = outlet.encoding;
    if let Some(principal) = &subscriber.restricted {
        // A Restricted Member: its own batch, of its conversations.
        let batch: Vec<Bytes> = events
            .iter()
            .filter(|(conversation, _)| principal.reads(team, *conversation))
            .map(|(_, frame)| frame.bytes(encoding))
            .collect();
        if batch.is_empty() {
            return Batch::Queued;
        }
        return delivered(outlet.push_batch(&batch), batch.len());
    }
    // A Manager or Member: entitled to every event of the team.
    let slot = match encoding {
        Encoding::MsgPack => 0,
        Encoding::Json => 1,
    };
    let batch = batches[slot]
        .get_or_insert_with(|| events.iter().map(|(_, e)| e.bytes(encoding)).collect());
    delivered(outlet.push_batch(batch), batch.len())
}

/// Counts `n` event deliveries if `pushed` was queued; returns `pushed`.
fn delivered(pushed: Batch, n: usize) -> Batch {
    if pushed == Batch::Queued {
        crate::metrics::get().deliveries.inc_by(n as u64);
    }
    pushed
}
