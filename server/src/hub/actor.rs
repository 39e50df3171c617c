//! The hub task of one team: assigns offsets and seqs, writes through the
//! store, waits for the group commit, then answers and fans out.
//!
//! Invariants:
//! - `head` is the newest offset written; `durable` the newest flushed and
//!   fanned out. Entries between them wait in `pending`, in offset order.
//! - Nothing is acknowledged or delivered before the flush that covers it.
//! - A subscriber is registered at the moment its replay reaches `durable`,
//!   so every later event reaches it live: no gap, no duplicate.

use super::{HubCommand, Registry};
use crate::access::{Action, Principal, Resource};
use crate::outlet::{ConnId, Encoded, Outlet};
use crate::store::{ContactRecord, ConversationRecord, Entry, LogRecord, StoreError};
use crate::time::now;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use switchboard_protocol::ids::{Epoch, Offset, RequestId, Seq, TeamId};
use switchboard_protocol::model::{ConversationStatus, Message, NewContact, Position, ReadMarker};
use switchboard_protocol::server::{
    ErrorFrame, Event, EventFrame, Reply, ResultFrame, Resume, SendAck, Subscribed,
};
use switchboard_protocol::{ErrorCode, ServerFrame};
use tokio::sync::mpsc;

/// Most commands handled in one wake-up before the hub checks for flushes.
const BATCH: usize = 256;

struct Hub<'r> {
    registry: &'r Arc<Registry>,
    team: TeamId,
    epoch: Epoch,
    head: Offset,
    durable: Offset,
    durable_shared: Arc<AtomicU64>,
    subscribers: HashMap<ConnId, Outlet>,
    pending: VecDeque<Pending>,
    seqs: HashMap<switchboard_protocol::ids::ConversationId, Seq>,
}

/// An answer and an event waiting for their flush.
struct Pending {
    generation: u64,
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
    let head = match context.store.stream_head(team) {
        Ok(head) => head,
        Err(e) => {
            tracing::error!(%team, error = %e, "cannot load the team's stream");
            registry.retire(team, id);
            commands.close();
            while let Some(command) = commands.recv().await {
                refuse(command, ErrorCode::Internal, "the team is unavailable");
            }
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
        seqs: HashMap::new(),
    };
    let mut flushed = context.committer.watch();
    let mut stop = context.stop.clone();
    let stopping = loop {
        let idle = hub.subscribers.is_empty() && hub.pending.is_empty();
        tokio::select! {
            biased;
            _ = flushed.changed(), if !hub.pending.is_empty() => {
                let generation = *flushed.borrow_and_update();
                hub.complete(generation);
            }
            command = commands.recv() => {
                let Some(command) = command else { break false };
                hub.handle(command);
                for _ in 1..BATCH {
                    match commands.try_recv() {
                        Ok(command) => hub.handle(command),
                        Err(_) => break,
                    }
                }
            }
            _ = tokio::time::sleep(context.config.hub_idle), if idle => break false,
            _ = stop.wait_for(|stopped| *stopped) => break true,
        }
    };

    // Leave the registry first so that new commands go to a successor, which
    // waits for our lease, then settle what is already ours.
    registry.retire(team, id);
    commands.close();
    let mut leftover = Vec::new();
    while let Ok(command) = commands.try_recv() {
        leftover.push(command);
    }
    if stopping {
        for command in leftover {
            refuse(command, ErrorCode::Unavailable, "the server is shutting down");
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
        } => (outlet, Some(request)),
        HubCommand::Unsubscribe { outlet, request } => (outlet, request),
    };
    if let Some(id) = request {
        outlet.send(&error_frame(id, code, message));
    }
}

fn error_frame(id: RequestId, code: ErrorCode, message: &str) -> ServerFrame {
    ServerFrame::Error(ErrorFrame {
        id: Some(id),
        code,
        message: message.to_string(),
    })
}

fn result_frame(id: RequestId, result: Reply) -> ServerFrame {
    ServerFrame::Result(ResultFrame { id, result })
}

impl Hub<'_> {
    fn handle(&mut self, command: HubCommand) {
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
            } => self.send(outlet, &principal, request, conversation, client_msg_id, body),
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
        };
        if let Err(e) = outcome {
            tracing::error!(team = %self.team, conn, error = %e, "hub command failed");
        }
    }

    /// Replays what the subscriber missed, then registers it for live events.
    fn subscribe(
        &mut self,
        outlet: Outlet,
        principal: &Principal,
        request: RequestId,
        after: Option<Position>,
    ) -> Result<(), StoreError> {
        if !principal.allows(Action::ReadTeam, Resource::Team(self.team)) {
            outlet.send(&error_frame(request, ErrorCode::NotFound, "no such team"));
            return Ok(());
        }
        let (from, resume) = match after {
            None => (self.durable, Resume::Fresh),
            Some(p) if p.epoch != self.epoch => (self.durable, Resume::EpochChanged),
            Some(p) if p.offset > self.durable => (self.durable, Resume::OffsetAhead),
            Some(p) => (p.offset, Resume::Recovered),
        };
        let limit = self.registry.context.config.limits.replay_chunk;
        let records = match self.registry.context.store.log_range(self.team, from, self.durable, limit) {
            Ok(records) => records,
            Err(e) => {
                outlet.send(&error_frame(request, ErrorCode::Internal, "replay failed"));
                return Err(e);
            }
        };
        let mut events = Vec::with_capacity(records.len());
        for (offset, record) in records {
            match self.replayed_event(offset, record) {
                Ok(event) => events.push(event),
                Err(e) => {
                    outlet.send(&error_frame(request, ErrorCode::Internal, "replay failed"));
                    return Err(e);
                }
            }
        }
        let offset = events.last().map_or(from, |e: &EventFrame| e.offset);
        let live = offset == self.durable;
        let reply = Reply::Subscribed(Subscribed {
            team: self.team,
            epoch: self.epoch,
            offset,
            head: self.durable,
            replayed: u32::try_from(events.len()).unwrap_or(u32::MAX),
            live,
            resume,
        });
        if !outlet.send(&result_frame(request, reply)) {
            return Ok(());
        }
        for event in events {
            if !outlet.send(&ServerFrame::Event(event)) {
                return Ok(());
            }
        }
        if live {
            self.subscribers.insert(outlet.conn, outlet);
        } else {
            self.subscribers.remove(&outlet.conn);
        }
        Ok(())
    }

    fn replayed_event(&self, offset: Offset, record: LogRecord) -> Result<EventFrame, StoreError> {
        let event = match record {
            LogRecord::Message { conversation, seq } => {
                let message = self
                    .registry
                    .context
                    .store
                    .message(conversation, seq)?
                    .ok_or_else(|| StoreError::Corrupt {
                        what: "team log",
                        detail: format!("offset {offset} points at missing message {conversation}/{seq}"),
                    })?;
                Event::Message(message)
            }
            LogRecord::ConversationStarted(info) => Event::ConversationStarted(info),
            LogRecord::Read(marker) => Event::Read(marker),
        };
        Ok(EventFrame {
            team: self.team,
            offset,
            event,
        })
    }

    fn send(
        &mut self,
        outlet: Outlet,
        principal: &Principal,
        request: RequestId,
        conversation: switchboard_protocol::ids::ConversationId,
        client_msg_id: String,
        body: String,
    ) -> Result<(), StoreError> {
        let store = &self.registry.context.store;
        let user = principal.user.id;
        // A retry of a stored send gets the original acknowledgement, once the
        // flush that covers the original has happened.
        if let Some((stored_in, seq)) = store.client_msg(self.team, user, &client_msg_id)? {
            let Some(original) = store.message(stored_in, seq)? else {
                outlet.send(&error_frame(request, ErrorCode::Internal, "send failed"));
                return Err(StoreError::Corrupt {
                    what: "client message id",
                    detail: format!("points at missing message {stored_in}/{seq}"),
                });
            };
            let ack = ack(&original, true);
            self.wait_for_flush(Some((outlet, result_frame(request, Reply::Sent(ack)))), None);
            return Ok(());
        }
        let seq = self.last_seq(conversation)?.next();
        let offset = self.head.next();
        let message = Message {
            conversation,
            seq,
            offset,
            sender: principal.sender(),
            body,
            client_msg_id: Some(client_msg_id),
            at: now(),
        };
        let idempotency = message.client_msg_id.as_deref().map(|id| (user, id));
        if let Err(e) = store.commit(
            self.team,
            offset,
            Entry::Message {
                message: &message,
                idempotency,
            },
        ) {
            outlet.send(&error_frame(request, ErrorCode::Internal, "send failed"));
            return Err(e);
        }
        self.head = offset;
        self.seqs.insert(conversation, seq);
        let reply = result_frame(request, Reply::Sent(ack(&message, false)));
        self.wait_for_flush(Some((outlet, reply)), Some(Event::Message(message)));
        Ok(())
    }

    fn start_conversation(
        &mut self,
        outlet: Outlet,
        request: RequestId,
        contact: NewContact,
    ) -> Result<(), StoreError> {
        let store = &self.registry.context.store;
        let at = now();
        let contact = ContactRecord {
            id: store.next_id()?.into(),
            team: self.team,
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            created_at: at,
        };
        let conversation = ConversationRecord {
            id: store.next_id()?.into(),
            team: self.team,
            contact: contact.id,
            status: ConversationStatus::Open,
            created_at: at,
        };
        let offset = self.head.next();
        if let Err(e) = store.commit(
            self.team,
            offset,
            Entry::ConversationStarted {
                contact: &contact,
                conversation: &conversation,
            },
        ) {
            outlet.send(&error_frame(request, ErrorCode::Internal, "could not start the conversation"));
            return Err(e);
        }
        self.head = offset;
        self.seqs.insert(conversation.id, Seq(0));
        let info = conversation.info(&contact, Seq(0));
        let reply = result_frame(request, Reply::Conversation(info.clone()));
        self.wait_for_flush(Some((outlet, reply)), Some(Event::ConversationStarted(info)));
        Ok(())
    }

    fn mark_read(
        &mut self,
        outlet: Outlet,
        principal: &Principal,
        request: RequestId,
        conversation: switchboard_protocol::ids::ConversationId,
        seq: Seq,
    ) -> Result<(), StoreError> {
        let last = self.last_seq(conversation)?;
        if seq > last {
            let message = format!("seq {seq} is beyond the conversation's last message ({last})");
            outlet.send(&error_frame(request, ErrorCode::BadRequest, &message));
            return Ok(());
        }
        let user = principal.user.id;
        let current = self.registry.context.store.read_marker(conversation, user)?;
        if seq <= current {
            // Markers never move back: answer with where it stands.
            let marker = ReadMarker {
                conversation,
                user,
                seq: current,
            };
            self.wait_for_flush(Some((outlet, result_frame(request, Reply::Read(marker)))), None);
            return Ok(());
        }
        let marker = ReadMarker {
            conversation,
            user,
            seq,
        };
        let offset = self.head.next();
        if let Err(e) = self
            .registry
            .context
            .store
            .commit(self.team, offset, Entry::Read(&marker))
        {
            outlet.send(&error_frame(request, ErrorCode::Internal, "could not mark as read"));
            return Err(e);
        }
        self.head = offset;
        let reply = result_frame(request, Reply::Read(marker.clone()));
        self.wait_for_flush(Some((outlet, reply)), Some(Event::Read(marker)));
        Ok(())
    }

    fn last_seq(&mut self, conversation: switchboard_protocol::ids::ConversationId) -> Result<Seq, StoreError> {
        if let Some(seq) = self.seqs.get(&conversation) {
            return Ok(*seq);
        }
        let seq = self.registry.context.store.last_seq(conversation)?;
        self.seqs.insert(conversation, seq);
        Ok(seq)
    }

    /// Queues an answer and an event (at `head`) behind the next flush.
    fn wait_for_flush(&mut self, reply: Option<(Outlet, ServerFrame)>, event: Option<Event>) {
        let generation = self.registry.context.committer.request();
        self.pending.push_back(Pending {
            generation,
            reply,
            event: event.map(|event| EventFrame {
                team: self.team,
                offset: self.head,
                event,
            }),
        });
    }

    /// Answers and delivers everything the flush of `generation` covered.
    fn complete(&mut self, generation: u64) {
        while self
            .pending
            .front()
            .is_some_and(|p| p.generation <= generation)
        {
            // The loop condition saw a front element.
            let Some(done) = self.pending.pop_front() else { break };
            if let Some((outlet, reply)) = done.reply {
                outlet.send(&reply);
            }
            if let Some(event) = done.event {
                self.durable = event.offset;
                let frame = ServerFrame::Event(event);
                let encoded = Encoded::new(&frame);
                // Every subscriber is a member of this team, entitled to all
                // of its events; a full or closed outlet drops out here.
                self.subscribers
                    .retain(|_, outlet| outlet.push(encoded.message(outlet.encoding)));
            }
        }
        self.durable_shared.store(self.durable.0, Ordering::Release);
    }
}

fn ack(message: &Message, duplicate: bool) -> SendAck {
    SendAck {
        conversation: message.conversation,
        seq: message.seq,
        offset: message.offset,
        at: message.at,
        duplicate,
    }
}
