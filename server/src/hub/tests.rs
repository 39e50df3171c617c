//! Hub logic without sockets: commands in, frames out of outlets, on the
//! in-memory store.

use super::*;
use crate::outlet::{Outbox, Work};
use crate::store::{FlushGate, MemoryStore, TeamRecord, TokenKind, UserRecord};
use bytes::Bytes;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::time::Duration;
use switchboard_protocol::codec::{decode, Encoding};
use switchboard_protocol::ids::{AccountId, Millis, UserId};
use switchboard_protocol::model::{Role, SenderKind};
use switchboard_protocol::server::{Event, Reply, Resume};
use switchboard_protocol::{ErrorCode, ServerFrame};

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
        })
        .unwrap();
    let (committer, flusher) = Committer::start(Arc::clone(&store)).unwrap();
    // The flusher runs until the test ends.
    std::mem::forget(flusher);
    let (stop, stop_rx) = watch::channel(false);
    let (alive_tx, alive) = mpsc::channel(1);
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), "unused");
    tune(&mut config);
    let registry = Registry::new(HubContext {
        store,
        committer,
        config: Arc::new(config),
        stop: stop_rx,
        alive: alive_tx,
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
        let command = HubCommand::Subscribe {
            outlet: outlet.clone(),
            principal: Arc::clone(&self.principal),
            request: RequestId(request),
            after,
        };
        self.registry.dispatch(TEAM, command).await.unwrap();
    }

    async fn send(
        &self,
        outlet: &Outlet,
        rx: &mut Frames,
        conversation: ConversationId,
        id: &str,
    ) -> Reply {
        let command = HubCommand::Send {
            outlet: outlet.clone(),
            principal: Arc::clone(&self.principal),
            request: RequestId(1),
            conversation,
            client_msg_id: id.into(),
            body: format!("body {id}"),
            as_contact: None,
        };
        self.registry.dispatch(TEAM, command).await.unwrap();
        loop {
            if let ServerFrame::Result(r) = next(rx).await {
                return r.result;
            }
        }
    }

    async fn conversation(&self, outlet: &Outlet, rx: &mut Frames) -> ConversationId {
        let command = HubCommand::StartConversation {
            outlet: outlet.clone(),
            request: RequestId(2),
            contact: NewContact {
                name: "Jo".into(),
                email: None,
                phone: None,
            },
        };
        self.registry.dispatch(TEAM, command).await.unwrap();
        match result(next(rx).await) {
            Reply::Conversation(info) => info.id,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_late_subscriber_gets_the_replay_then_live_events_without_gap_or_double() {
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 64);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    for i in 0..5 {
        f.send(&writer, &mut writer_rx, conversation, &format!("m{i}"))
            .await;
    }

    // Subscribe from the stream's start: the conversation and five messages.
    let (reader, mut reader_rx) = outlet(2, 64);
    f.subscribe(&reader, 9, None).await;
    let Reply::Subscribed(fresh) = result(next(&mut reader_rx).await) else {
        panic!()
    };
    assert_eq!(
        (fresh.resume, fresh.replayed, fresh.offset.0),
        (Resume::Fresh, 0, 6)
    );

    let after = Position {
        epoch: fresh.epoch,
        offset: Offset(2),
    };
    f.subscribe(&reader, 10, Some(after)).await;
    let Reply::Subscribed(resumed) = result(next(&mut reader_rx).await) else {
        panic!()
    };
    assert_eq!(
        (resumed.resume, resumed.replayed, resumed.live),
        (Resume::Recovered, 4, true)
    );
    let mut offsets = Vec::new();
    for _ in 0..4 {
        let ServerFrame::Event(e) = next(&mut reader_rx).await else {
            panic!()
        };
        offsets.push(e.offset.0);
    }
    f.send(&writer, &mut writer_rx, conversation, "live").await;
    let ServerFrame::Event(live) = next(&mut reader_rx).await else {
        panic!()
    };
    offsets.push(live.offset.0);
    assert_eq!(offsets, [3, 4, 5, 6, 7]);
    let Event::Message(message) = live.event else {
        panic!()
    };
    assert_eq!((message.seq, message.body.as_str()), (Seq(6), "body live"));
}

#[tokio::test]
async fn a_repeated_client_msg_id_returns_the_original_ack_and_stores_once() {
    let f = fixture();
    let (outlet, mut rx) = outlet(1, 64);
    let conversation = f.conversation(&outlet, &mut rx).await;
    let Reply::Sent(first) = f.send(&outlet, &mut rx, conversation, "same").await else {
        panic!()
    };
    let Reply::Sent(again) = f.send(&outlet, &mut rx, conversation, "same").await else {
        panic!()
    };
    assert!(!first.duplicate && again.duplicate);
    assert_eq!(
        (again.seq, again.offset, again.at),
        (first.seq, first.offset, first.at)
    );
    let Reply::Sent(next) = f.send(&outlet, &mut rx, conversation, "other").await else {
        panic!()
    };
    assert_eq!(next.seq, Seq(2), "the duplicate took no seq");
    assert_eq!(
        f.registry.context.store.last_seq(conversation).unwrap(),
        Seq(2)
    );
}

#[tokio::test]
async fn a_full_outlet_is_closed_as_a_slow_consumer_and_dropped_from_fan_out() {
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 64);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    // Room for the subscribe reply and two events, never read.
    let (slow, slow_frames) = outlet(2, 3);
    f.subscribe(&slow, 3, None).await;
    for i in 0..4 {
        f.send(&writer, &mut writer_rx, conversation, &format!("m{i}"))
            .await;
    }
    let code = tokio::time::timeout(Duration::from_secs(5), slow_frames.outbox.closed())
        .await
        .expect("closed in time");
    assert_eq!(code, switchboard_protocol::close::SLOW_CONSUMER);
}

#[tokio::test]
async fn an_idle_hub_stops_and_its_successor_continues_the_seqs_and_offsets() {
    let f = fixture_with(Duration::from_millis(20));
    let (outlet, mut rx) = outlet(1, 64);
    let conversation = f.conversation(&outlet, &mut rx).await;
    let Reply::Sent(first) = f.send(&outlet, &mut rx, conversation, "a").await else {
        panic!()
    };
    let durable_before = f.registry.durable(TEAM);
    assert_eq!(durable_before, Some(first.offset));
    // Idle: no subscribers, nothing pending. The hub leaves the registry.
    tokio::time::timeout(Duration::from_secs(5), async {
        while f.registry.durable(TEAM).is_some() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the idle hub stops");
    let Reply::Sent(second) = f.send(&outlet, &mut rx, conversation, "b").await else {
        panic!()
    };
    assert_eq!(second.seq, Seq(2));
    assert_eq!(second.offset, first.offset.next());
    let Reply::Sent(retry) = f.send(&outlet, &mut rx, conversation, "a").await else {
        panic!()
    };
    assert!(retry.duplicate, "idempotency outlives the hub");
    assert_eq!(retry.seq, first.seq);
}

#[tokio::test]
async fn a_system_message_takes_the_next_seq_and_is_answered_and_fanned_out_after_the_flush() {
    let f = fixture();
    let (writer, mut writer_rx) = outlet(1, 64);
    let conversation = f.conversation(&writer, &mut writer_rx).await;
    let (reader, mut reader_rx) = outlet(2, 64);
    f.subscribe(&reader, 9, None).await;
    assert!(matches!(
        result(next(&mut reader_rx).await),
        Reply::Subscribed(_)
    ));
    f.send(&writer, &mut writer_rx, conversation, "m0").await;

    let command = HubCommand::SystemMessage {
        outlet: writer.clone(),
        request: RequestId(3),
        conversation,
        body: "Maya invited sam@example.com".into(),
        reply: Reply::Pong,
        claim: None,
    };
    // The flush that covers the system message is held back: neither its
    // answer nor its event may leave the hub until the flush completes.
    f.gate.hold();
    let attempts = f.gate.attempts();
    f.registry.dispatch(TEAM, command).await.unwrap();
    while f.gate.attempts() == attempts {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    nothing_within(&writer_rx, Duration::from_millis(200)).await;
    // The reader may already hold m0's event; nothing after it.
    let first = next(&mut reader_rx).await;
    nothing_within(&reader_rx, Duration::from_millis(50)).await;
    f.gate.open();
    assert_eq!(result(next(&mut writer_rx).await), Reply::Pong);
    let mut seen = Vec::new();
    for i in 0..2 {
        let frame = if i == 0 {
            first.clone()
        } else {
            next(&mut reader_rx).await
        };
        let ServerFrame::Event(e) = frame else {
            panic!()
        };
        let Event::Message(message) = e.event else {
            panic!()
        };
        seen.push((e.offset.0, message));
    }
    let (offset, system) = &seen[1];
    assert_eq!((*offset, system.seq), (3, Seq(2)));
    assert_eq!(system.sender.kind, SenderKind::System);
    assert_eq!(system.client_msg_id, None);
    assert_eq!(system.body, "Maya invited sam@example.com");
    let stored = f.registry.context.store.message(conversation, Seq(2));
    assert_eq!(stored.unwrap().as_ref(), Some(system));
}

#[tokio::test]
async fn a_signal_for_a_full_outbox_is_dropped_and_the_connection_stays_open() {
    let f = fixture();
    // Room for the two replies and one signal.
    let (watcher, mut watcher_rx) = outlet(1, 3);
    f.subscribe(&watcher, 1, None).await;
    let presence = HubCommand::Presence {
        outlet: watcher.clone(),
        principal: Arc::clone(&f.principal),
        request: RequestId(2),
    };
    f.registry.dispatch(TEAM, presence).await.unwrap();

    // Five typing signals while the watcher reads nothing.
    let (typist, mut typist_rx) = outlet(2, 64);
    for n in 0..5 {
        let typing = HubCommand::Typing {
            outlet: typist.clone(),
            principal: Arc::clone(&f.principal),
            request: RequestId(10 + n),
            conversation: ConversationId(100 + n),
        };
        f.registry.dispatch(TEAM, typing).await.unwrap();
        assert!(matches!(
            result(next(&mut typist_rx).await),
            Reply::Typing { .. }
        ));
    }

    assert!(matches!(
        result(next(&mut watcher_rx).await),
        Reply::Subscribed(_)
    ));
    match result(next(&mut watcher_rx).await) {
        Reply::Presence(state) => assert!(state.signals, "subscribed: opted in"),
        other => panic!("unexpected {other:?}"),
    }
    match next(&mut watcher_rx).await {
        ServerFrame::Signal(frame) => {
            assert_eq!(frame.signal.conversation(), Some(ConversationId(100)));
        }
        other => panic!("expected the first signal, got {other:?}"),
    }
    // The other four were dropped, not queued, and the connection is open:
    // the next signal arrives.
    let typing = HubCommand::Typing {
        outlet: typist.clone(),
        principal: Arc::clone(&f.principal),
        request: RequestId(20),
        conversation: ConversationId(200),
    };
    f.registry.dispatch(TEAM, typing).await.unwrap();
    match next(&mut watcher_rx).await {
        ServerFrame::Signal(frame) => {
            assert_eq!(frame.signal.conversation(), Some(ConversationId(200)));
        }
        other => panic!("expected the next signal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_departure_on_a_full_inbox_still_reaches_the_hub_which_then_goes_idle() {
    let f = fixture_tuned(|config| {
        config.hub_inbox = 1;
        config.hub_idle = Duration::from_millis(20);
        config.presence_grace = Duration::from_millis(20);
    });
    let (leaving, mut leaving_rx) = outlet(1, 64);
    f.subscribe(&leaving, 1, None).await;
    assert!(matches!(
        result(next(&mut leaving_rx).await),
        Reply::Subscribed(_)
    ));
    // The hub's one-command inbox is full (this test's single thread does
    // not let the hub run in between) when the connection goes.
    let (other, _other_rx) = outlet(2, 64);
    let presence = HubCommand::Presence {
        outlet: other,
        principal: Arc::clone(&f.principal),
        request: RequestId(2),
    };
    f.registry.dispatch(TEAM, presence).await.unwrap();
    f.registry.disconnect(TEAM, leaving.clone());

    // The departure is not lost: no ghost subscriber or device keeps the
    // hub alive, and it stops once idle.
    tokio::time::timeout(Duration::from_secs(5), async {
        while f.registry.durable(TEAM).is_some() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the hub goes idle");
}

#[tokio::test]
async fn the_first_dashboard_of_a_large_team_has_every_conversation_and_the_writes_made_while_it_loads(
) {
    use crate::store::{ContactRecord, ConversationRecord, Entry};
    use switchboard_protocol::dashboard::View;
    use switchboard_protocol::ids::ContactId;
    const CONVERSATIONS: u64 = 1_200;
    let f = fixture();
    // Conversations the hub has never seen: in the store before it starts.
    let store = &f.registry.context.store;
    for i in 1..=CONVERSATIONS {
        let contact = ContactRecord {
            id: ContactId(i),
            team: TEAM,
            name: format!("contact {i}"),
            email: None,
            phone: None,
            created_at: Millis(i),
        };
        let conversation = ConversationRecord::new(ConversationId(i), TEAM, contact.id, Millis(i));
        let entry = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        store.commit(TEAM, Offset(i), entry).unwrap();
    }
    let (asker, mut asker_rx) = outlet(1, 64);
    let dashboard = HubCommand::Dashboard {
        outlet: asker.clone(),
        request: RequestId(7),
        query: BoardQuery {
            user: f.principal.user.id,
            view: View::All,
            status: None,
            after: None,
            limit: 5_000,
        },
    };
    f.registry.dispatch(TEAM, dashboard).await.unwrap();
    // A write while the board loads.
    let (writer, mut writer_rx) = outlet(2, 64);
    f.send(&writer, &mut writer_rx, ConversationId(5), "m")
        .await;

    let Reply::Dashboard(page) = result(next(&mut asker_rx).await) else {
        panic!("expected the dashboard");
    };
    let counts = page.counts;
    assert_eq!(
        counts.open + counts.waiting + counts.delivered,
        CONVERSATIONS
    );
    assert_eq!(page.rows.len() as u64, CONVERSATIONS);
    let written = page
        .rows
        .iter()
        .find(|row| row.conversation == ConversationId(5))
        .expect("the conversation written to");
    assert_eq!(written.last_seq, Seq(1), "its row has the write");
}

#[tokio::test]
async fn a_write_in_flight_when_its_team_is_removed_is_refused_and_later_ones_store_nothing() {
    let f = fixture();
    let (a, mut rx) = outlet(1, 64);
    let conversation = f.conversation(&a, &mut rx).await;
    let store = &f.registry.context.store;
    let before = store.stream_head(TEAM).unwrap().last;

    // Taken by the hub, written, waiting for its flush.
    f.gate.hold();
    let command = |id: &str| HubCommand::Send {
        outlet: a.clone(),
        principal: Arc::clone(&f.principal),
        request: RequestId(7),
        conversation,
        client_msg_id: id.into(),
        body: "hello".into(),
        as_contact: None,
    };
    f.registry
        .dispatch(TEAM, command("in-flight"))
        .await
        .unwrap();
    f.registry.remove_team(TEAM).await.unwrap();
    // Checked before the removal, handed over after it: to the removed
    // team's hub, then to whatever would serve the team next.
    f.registry.dispatch(TEAM, command("queued")).await.unwrap();
    let not_found = |frame: ServerFrame| match frame {
        ServerFrame::Error(e) => {
            assert_eq!((e.id, e.code), (Some(RequestId(7)), ErrorCode::NotFound));
            assert_eq!(e.message, "no team 1");
        }
        other => panic!("expected not_found, got {other:?}"),
    };
    not_found(next(&mut rx).await);
    not_found(next(&mut rx).await);
    f.gate.open();
    // Once the removed team's hub has stopped, a command starts no hub
    // that would write for it.
    tokio::time::timeout(Duration::from_secs(5), async {
        while f.registry.hubs.contains_key(&TEAM) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the removed team's hub stops");
    f.registry.dispatch(TEAM, command("later")).await.unwrap();
    not_found(next(&mut rx).await);
    nothing_within(&rx, Duration::from_millis(100)).await;

    // The write taken before the removal is all the stream holds.
    assert_eq!(store.stream_head(TEAM).unwrap().last, before.next());
    assert!(store.team(TEAM).unwrap().is_none());
}
