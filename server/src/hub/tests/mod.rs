//! Hub logic without sockets: commands in, frames out of outlets, on the
//! in-memory store. This file holds the fixture (a registry on a memory
//! store whose flushes pass a gate the test may hold) and the helpers that
//! read an outlet; the tests are grouped by topic in its submodules.

use super::*;
use crate::access::Principal;
use crate::outlet::{Outbox, Work};
use crate::store::{FlushGate, MemoryStore, TeamRecord, TokenKind, UserRecord};
use bytes::Bytes;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::time::Duration;
use switchboard_protocol::codec::{decode, Encoding};
use switchboard_protocol::ids::{AccountId, Millis, RequestId, UserId};
use switchboard_protocol::ids::{ConversationId, Seq};
use switchboard_protocol::model::{NewContact, Position};
use switchboard_protocol::model::{Role, SenderKind};
use switchboard_protocol::server::{Event, Reply, Resume};
use switchboard_protocol::{ErrorCode, ServerFrame};

mod board;
mod delivery;
mod posts;
mod reign;
mod removal;
mod stream;

const TEAM: TeamId = TeamId(1);

struct Fixture {
    registry: Arc<Registry>,
    principal: Arc<Principal>,
    /// The store's flushes pass through it (open unless a test holds it).
    gate: FlushGate,
    _stop: watch::Sender<bool>,
    _alive: mpsc::Receiver<()>,
}

fn fixture() -> Fixture {
    fixture_with(Duration::from_secs(30))
}

fn fixture_with(hub_idle: Duration) -> Fixture {
    fixture_tuned(|config| config.hub_idle = hub_idle)
}

fn fixture_tuned(tune: impl FnOnce(&mut Config)) -> Fixture {
    fixture_on(tune, |log| Arc::new(log))
}

/// The fixture with the embedded log as `wrap` makes it over (a test's
/// stand-in for a log shared between servers).
fn fixture_on(
    tune: impl FnOnce(&mut Config),
    wrap: impl FnOnce(crate::team_log::LocalLog) -> Arc<dyn TeamLog>,
) -> Fixture {
    let gate = FlushGate::new();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_flush_gate(gate.clone()));
    // A hub serves only a team the store holds.
    store
        .put_team(&TeamRecord {
            id: TEAM,
            account: AccountId(1),
            name: "Team".into(),
            handle: "team".into(),
            identity: "+1 555 0100".into(),
            statuses: Vec::new(),
            max_members: None,
            created_at: Millis(0),
            blast_rate: None,
            widget: Default::default(),
        })
        .unwrap();
    let (committer, flusher) = crate::commit::Committer::start(Arc::clone(&store)).unwrap();
    // The flusher runs until the test ends.
    std::mem::forget(flusher);
    let (stop, stop_rx) = watch::channel(false);
    let (alive_tx, alive) = mpsc::channel(1);
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), "unused");
    tune(&mut config);
    let log = crate::team_log::LocalLog::new(Arc::clone(&store), committer);
    let registry = Registry::new(HubContext {
        store,
        log: wrap(log),
        config: Arc::new(config),
        stop: stop_rx,
        alive: alive_tx,
        peers: None,
        threads: tokio::runtime::Handle::current(),
        pacer: crate::outlet::Pacer::new(tokio::runtime::Handle::current()),
    });
    let user = UserRecord {
        id: UserId(5),
        email: "a@b.test".into(),
        name: "A".into(),
        handle: "a".into(),
        created_at: Millis(0),
        password_hash: None,
    };
    let principal = Principal::new(
        user,
        TokenKind::Session,
        HashMap::from([(TEAM, Role::Member)]),
    );
    Fixture {
        registry,
        principal: Arc::new(principal),
        gate,
        _stop: stop,
        _alive: alive,
    }
}

/// The frames a connection's writer would write, one at a time.
struct Frames {
    outbox: Arc<Outbox>,
    taken: VecDeque<Bytes>,
}

fn outlet(conn: u64, capacity: usize) -> (Outlet, Frames) {
    let (outlet, outbox) = Outlet::new(conn, Encoding::MsgPack, capacity);
    (
        outlet,
        Frames {
            outbox,
            taken: VecDeque::new(),
        },
    )
}

async fn next(frames: &mut Frames) -> ServerFrame {
    while frames.taken.is_empty() {
        let work = tokio::time::timeout(Duration::from_secs(5), frames.outbox.work())
            .await
            .expect("a frame in time");
        match work {
            Work::Write(batch) => frames.taken = batch,
            Work::Ping => panic!("a hub asked for a ping"),
            Work::Close(_, code, reason) => panic!("closed with {code}: {reason}"),
        }
    }
    let bytes = frames.taken.pop_front().expect("checked non-empty");
    decode(Encoding::MsgPack, &bytes, 1 << 20).unwrap()
}

/// Fails if the connection is handed any frame within `quiet`.
async fn nothing_within(frames: &Frames, quiet: Duration) {
    assert!(frames.taken.is_empty(), "frames already taken");
    if let Ok(work) = tokio::time::timeout(quiet, frames.outbox.work()).await {
        match work {
            Work::Write(batch) => panic!("{} frames escaped before their flush", batch.len()),
            Work::Ping => panic!("a hub asked for a ping"),
            Work::Close(_, code, reason) => panic!("closed with {code}: {reason}"),
        }
    }
}

fn result(frame: ServerFrame) -> Reply {
    match frame {
        ServerFrame::Result(r) => r.result,
        other => panic!("expected a result, got {other:?}"),
    }
}

impl Fixture {
    /// Hands the hub a subscription (answered on the outlet) from `after`.
    async fn subscribe(&self, outlet: &Outlet, request: u64, after: Option<Position>) {
        let command = HubRequest::from(
            outlet.clone(),
            Some(RequestId(request)),
            HubCommand::Subscribe {
                principal: Arc::clone(&self.principal),
                after,
            },
        );
        self.registry.dispatch(TEAM, command).await.unwrap();
    }

    async fn send(
        &self,
        outlet: &Outlet,
        rx: &mut Frames,
        conversation: ConversationId,
        id: &str,
    ) -> Reply {
        let command = HubRequest::from(
            outlet.clone(),
            Some(RequestId(1)),
            HubCommand::Send {
                principal: Arc::clone(&self.principal),
                conversation,
                client_msg_id: id.into(),
                body: format!("body {id}"),
                as_contact: None,
                post: None,
            },
        );
        self.registry.dispatch(TEAM, command).await.unwrap();
        loop {
            if let ServerFrame::Result(r) = next(rx).await {
                return r.result;
            }
        }
    }

    async fn conversation(&self, outlet: &Outlet, rx: &mut Frames) -> ConversationId {
        let command = HubRequest::from(
            outlet.clone(),
            Some(RequestId(2)),
            HubCommand::StartConversation {
                contact: NewContact {
                    name: "Jo".into(),
                    email: None,
                    phone: None,
                },
                channel: None,
            },
        );
        self.registry.dispatch(TEAM, command).await.unwrap();
        match result(next(rx).await) {
            Reply::Conversation(info) => info.id,
            other => panic!("unexpected {other:?}"),
        }
    }
}
