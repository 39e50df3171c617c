//! The flush gates every answer: on a store whose flush the test holds
//! back, no `sent`, no event and no command result leaves before the flush
//! completes; on a store whose flush fails, writes past the pending bound
//! are refused with `unavailable`, `/readyz` answers 503, the failures are
//! counted in `/metrics`, and everything waiting is answered once the store
//! flushes again.

use crate::api_client::{http, sample, scrape};
use crate::util::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_client::{ClientEvent, Events};
use switchboard_protocol::client::{ClientFrame, MarkRead, SendMessage};
use switchboard_protocol::ids::{ConversationId, RequestId, Seq};
use switchboard_protocol::server::{Event, Reply, ServerFrame};
use switchboard_protocol::ErrorCode;
use switchboard_server::store::{FlushGate, MemoryStore, Store};
use switchboard_server::{Config, Server};

/// A send request on a raw socket.
fn send_frame(id: u64, conversation: ConversationId, body: &str) -> ClientFrame {
    ClientFrame::Send(SendMessage {
        id: RequestId(id),
        conversation,
        client_msg_id: format!("raw-{id}"),
        body: body.to_string(),
        as_contact: false,
        post: None,
    })
}

/// A seeded server on a memory store whose flushes pass through the
/// returned gate; `tune` adjusts its config first. Keep the folder alive.
async fn gated(
    tune: impl FnOnce(&mut Config),
) -> (tempfile::TempDir, TestServer, World, FlushGate) {
    let dir = tempfile::tempdir().unwrap();
    let gate = FlushGate::new();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_flush_gate(gate.clone()));
    let world = seed(store.as_ref());
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    tune(&mut config);
    let server = Server::start_with_store(config, store).await.unwrap();
    let addr = server.local_addr();
    (dir, TestServer { server, addr }, world, gate)
}

/// Waits until the flusher has reached the gate more than `seen` times:
/// a flush covering what was written meanwhile is under way (or failing).
async fn flush_reaches_gate(gate: &FlushGate, seen: u64) {
    let deadline = Instant::now() + PATIENCE;
    while gate.attempts() <= seen {
        assert!(Instant::now() < deadline, "no flush reached the gate");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Fails if any event arrives within `quiet`.
async fn no_event_within(events: &mut Events, quiet: Duration) {
    let deadline = tokio::time::Instant::now() + quiet;
    while let Ok(event) = tokio::time::timeout_at(deadline, events.next()).await {
        let event = event.expect("the event stream stays open");
        assert!(
            !matches!(event, ClientEvent::Event(_)),
            "an event escaped before its flush: {event:?}"
        );
    }
}

#[tokio::test]
async fn no_ack_no_event_and_no_command_result_leave_before_their_flush() {
    let (_dir, server, world, gate) = gated(|_| {}).await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    // The conversation's own event, flushed before the gate closes.
    loop {
        let event = tokio::time::timeout(PATIENCE, bob_events.next()).await;
        if let Ok(Some(ClientEvent::Event(e))) = event {
            if matches!(e.event, Event::ConversationStarted(_)) {
                break;
            }
        }
    }

    gate.hold();
    let seen = gate.attempts();
    let send = tokio::spawn({
        let alice = alice.clone();
        async move { alice.send(conversation, "held back").await }
    });
    let command = tokio::spawn({
        let alice = alice.clone();
        async move {
            alice
                .send_command(conversation, "assign-1", "^assign me")
                .await
        }
    });
    flush_reaches_gate(&gate, seen).await;
    no_event_within(&mut bob_events, Duration::from_millis(400)).await;
    assert!(!send.is_finished(), "a `sent` escaped before its flush");
    assert!(
        !command.is_finished(),
        "a command result escaped before its flush"
    );

    gate.open();
    let ack = tokio::time::timeout(PATIENCE, send).await.unwrap().unwrap();
    assert!(!ack.unwrap().duplicate);
    let assignees = tokio::time::timeout(PATIENCE, command)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(assignees.unwrap().assignees, vec![world.alice.user]);
    let message = next_message(&mut bob_events).await;
    assert_eq!(message.body, "held back");
    server.server.shutdown().await;
}

#[tokio::test]
async fn a_store_that_cannot_flush_refuses_writes_past_the_bound_and_is_not_ready() {
    const BOUND: usize = 4;
    let (_dir, server, world, gate) = gated(|config| {
        config.limits.pending_writes = BOUND;
        // Only the failure counts here, not how long a flush runs.
        config.flush_patience = Duration::from_secs(600);
    })
    .await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    assert_eq!(alice.welcome().limits.pending_writes, BOUND as u32);
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    assert_eq!(
        http(server.addr, "GET", "/readyz", &[], b"").await.status,
        200
    );

    let failures = "switchboard_flush_failures_total";
    let before = sample(&scrape(server.addr).await, failures);
    gate.fail();
    // On a raw socket, whose requests are never retried: the SDK would ask
    // the refused send again until its timeout, and the four waiting sends
    // share that clock. Frames of one connection reach the hub in order,
    // so the fifth send and the mark_read come after the four that wait.
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    for i in 0..BOUND as u64 {
        raw.send(&send_frame(i + 1, conversation, &format!("m{i}")))
            .await;
    }
    raw.send(&send_frame(10, conversation, "one too many"))
        .await;
    raw.send(&ClientFrame::MarkRead(MarkRead {
        id: RequestId(11),
        conversation,
        seq: Seq(1),
    }))
    .await;
    let mut acks = Vec::new();
    let mut refused = Vec::new();
    while refused.len() < 2 {
        match raw.recv().await.expect("answers before close") {
            ServerFrame::Error(e) => {
                assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");
                refused.push(e.id.expect("an answer to a request").0);
            }
            ServerFrame::Result(r) => acks.push(r),
            _ => continue,
        }
    }
    refused.sort_unstable();
    assert_eq!(refused, [10, 11], "the fifth send and the mark_read");
    let deadline = Instant::now() + PATIENCE;
    let unready = loop {
        let ready = http(server.addr, "GET", "/readyz", &[], b"").await;
        if ready.status == 503 || Instant::now() > deadline {
            break ready;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        unready.status, 503,
        "not ready while the store cannot flush"
    );
    let why = String::from_utf8_lossy(&unready.body).into_owned();
    assert!(why.contains("cannot flush"), "{why}");
    let counted = sample(&scrape(server.addr).await, failures);
    assert!(counted > before, "{failures} did not grow: {counted}");
    assert!(acks.is_empty(), "nothing acknowledged: {acks:?}");
    assert!(
        tokio::time::timeout(Duration::from_millis(200), raw.recv())
            .await
            .is_err(),
        "nothing acknowledged while the store cannot flush"
    );

    gate.open();
    let mut seqs = Vec::new();
    while seqs.len() < BOUND {
        match raw.recv().await.expect("acknowledged once flushed") {
            ServerFrame::Result(r) => match r.result {
                Reply::Sent(ack) => seqs.push(ack.seq.0),
                other => panic!("expected sent, got {other:?}"),
            },
            ServerFrame::Error(e) => panic!("expected sent, got {e:?}"),
            _ => continue,
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(
        http(server.addr, "GET", "/readyz", &[], b"").await.status,
        200
    );
    let after = alice.send(conversation, "flowing again").await.unwrap();
    assert_eq!(after.seq.0, 5, "the refused send stored nothing");
    let bodies: Vec<String> = all_messages(&alice, conversation)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(!bodies.iter().any(|b| b == "one too many"), "{bodies:?}");
    assert_eq!(bodies.len(), 5);
    server.server.shutdown().await;
}

/// Read-your-writes: once a `sent` has arrived, a `history` asked on the
/// same connection holds the message, even while the flush that covered
/// it is still being answered and delivered: hundreds of other writes to
/// a hundred subscribers. On several threads, as a server runs: the hub
/// finishing a flush and the session answering the `history` run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_acknowledged_is_in_the_history_asked_right_after_the_ack() {
    const OTHERS: usize = 600;
    const SUBSCRIBERS: usize = 100;
    let (_dir, server, world, gate) = gated(|_| {}).await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let mut subscribers = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        let (client, events) = connect(&server.url(), &world.bob.token).await;
        client.subscribe(world.team_a).await.unwrap();
        subscribers.push((client, events));
    }

    // A first write holds the flusher at the gate, so that Alice's and the
    // others' writes wait for the next flush together, hers first.
    gate.hold();
    let seen = gate.attempts();
    let blocker = tokio::spawn({
        let bob = bob.clone();
        async move { bob.send(conversation, "first").await }
    });
    flush_reaches_gate(&gate, seen).await;
    let mine = tokio::spawn({
        let alice = alice.clone();
        async move { alice.send(conversation, "mine").await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let others: Vec<_> = (0..OTHERS)
        .map(|i| {
            let bob = bob.clone();
            tokio::spawn(async move { bob.send(conversation, format!("other {i}")).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    gate.open();
    tokio::time::timeout(PATIENCE, blocker)
        .await
        .unwrap()
        .unwrap()
        .unwrap();

    let ack = tokio::time::timeout(PATIENCE, mine)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let page = alice
        .history(
            conversation,
            switchboard_client::HistoryQuery::after(switchboard_protocol::Seq(ack.seq.0 - 1))
                .limit(5),
        )
        .await
        .unwrap();
    assert!(
        page.messages
            .iter()
            .any(|m| m.seq == ack.seq && m.body == "mine"),
        "acknowledged as seq {}, but the history asked next has seqs {:?}",
        ack.seq,
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>()
    );
    for other in others {
        tokio::time::timeout(PATIENCE, other)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
    server.server.shutdown().await;
}
