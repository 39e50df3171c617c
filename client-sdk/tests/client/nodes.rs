//! Against real servers in this process, on 127.0.0.1 and a temporary
//! folder: moving to the next server of the list when one stops, and
//! asking again after a temporary refusal. What an application counts:
//! every message acknowledged once, every event delivered once, in order.
//!
//! Two servers cannot share a data folder (sled locks it), so "another
//! node over the same data" is the same folder served again on another
//! port: what a client sees of a node going away in a deployment.

use crate::fake::{self, STEP};
use std::sync::Arc;
use std::time::Duration;
use switchboard_client::{
    Client, ClientConfig, ClientEvent, ConversationId, Encoding, Events, HistoryQuery, NewContact,
    Role, TeamId,
};
use switchboard_server::admin::{self, NewUser};
use switchboard_server::store::{FlushGate, MemoryStore, Store, TokenKind};
use switchboard_server::{Config, Server};

/// A team with a Manager (alice, who sends) and a Member (bob, who reads).
struct Team {
    team: TeamId,
    alice: String,
    bob: String,
}

fn seed(store: &dyn Store) -> Team {
    let user = |email: &str, name: &str| NewUser {
        email: email.into(),
        name: name.into(),
        handle: None,
    };
    let (account, _) = admin::create_account(store, "One", &user("alice@one.test", "Alice"))
        .expect("account created");
    let team = admin::create_team(store, account.id, "Team A", "team-a", "+1 555 0001")
        .expect("team created");
    let bob = admin::create_user(store, &user("bob@one.test", "Bob")).expect("user created");
    admin::add_member(store, team.id, bob.id, Role::Member).expect("member added");
    let token = |email: &str| {
        admin::token_for_email(store, email, TokenKind::Session, None)
            .expect("token issued")
            .1
    };
    let seeded = Team {
        team: team.id,
        alice: token("alice@one.test"),
        bob: token("bob@one.test"),
    };
    store.flush().expect("seed flushed");
    seeded
}

/// Starts a server on `config`, waiting out the sled lock a server that
/// just stopped on the same folder may still hold for a moment.
async fn start(config: Config) -> Server {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        match Server::start(config.clone()).await {
            Ok(server) => return server,
            Err(e) if tokio::time::Instant::now() < deadline => {
                eprintln!("server start failed, retrying: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("server starts: {e}"),
        }
    }
}

fn url(server: &Server) -> String {
    format!("ws://{}/ws", server.local_addr())
}

async fn connect(config: ClientConfig) -> (Client, Events) {
    Client::connect(fake::quick(config, Encoding::MsgPack))
        .await
        .expect("the client connects")
}

async fn conversation(client: &Client, team: TeamId) -> ConversationId {
    let contact = NewContact {
        name: "Dana".into(),
        email: None,
        phone: None,
    };
    client
        .start_conversation(team, contact)
        .await
        .expect("conversation started")
        .id
}

/// The bodies of the next message events until `last`, checking that
/// offsets increase; connection events in between are skipped.
async fn bodies_until(events: &mut Events, last: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    let mut offset = 0;
    loop {
        match fake::next_event(events).await {
            ClientEvent::Event(frame) => {
                assert!(frame.offset.0 > offset, "offsets increase: {frame:?}");
                offset = frame.offset.0;
                if let switchboard_client::Event::Message(message) = frame.event {
                    let done = message.body == last;
                    bodies.push(message.body);
                    if done {
                        return bodies;
                    }
                }
            }
            ClientEvent::Closed { code, reason } => panic!("closed: {code:?} {reason}"),
            _ => {}
        }
    }
}

async fn history(client: &Client, conversation: ConversationId) -> Vec<String> {
    let page = client
        .history(conversation, HistoryQuery::latest())
        .await
        .expect("history read");
    page.messages.into_iter().map(|m| m.body).collect()
}

#[tokio::test]
async fn when_the_server_stops_the_clients_move_to_the_next_and_nothing_is_lost_or_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(Config::new("127.0.0.1:0".parse().unwrap(), dir.path())).await;
    let team = seed(first.store().as_ref());
    // The second server's port, free until the second server takes it.
    let second_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let servers = [url(&first), format!("ws://{second_addr}/ws")];

    let (alice, _alice_events) = connect(ClientConfig::with_servers(&servers, &team.alice)).await;
    let (bob, mut bob_events) = connect(ClientConfig::with_servers(&servers, &team.bob)).await;
    assert_eq!(bob.server_url(), servers[0]);
    bob.subscribe(team.team).await.expect("subscribed");
    let conversation = conversation(&alice, team.team).await;
    for body in ["m1", "m2"] {
        alice.send(conversation, body).await.expect("sent");
    }
    assert_eq!(bodies_until(&mut bob_events, "m2").await, ["m1", "m2"]);

    first.shutdown().await;
    // Sent while no server is up: kept, and sent to the next one.
    let waiting = tokio::spawn({
        let alice = alice.clone();
        async move { alice.send(conversation, "m3").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = start(Config::new(second_addr, dir.path())).await;
    let m3 = tokio::time::timeout(STEP, waiting)
        .await
        .expect("m3 acknowledged in time")
        .unwrap()
        .expect("m3 sent");
    assert!(!m3.duplicate);
    for body in ["m4", "m5"] {
        alice.send(conversation, body).await.expect("sent");
    }

    assert_eq!(
        bodies_until(&mut bob_events, "m5").await,
        ["m3", "m4", "m5"],
        "after the move, each message once, in order"
    );
    assert_eq!(bob.server_url(), servers[1]);
    assert_eq!(alice.server_url(), servers[1]);
    assert_eq!(
        history(&bob, conversation).await,
        ["m1", "m2", "m3", "m4", "m5"]
    );
    second.shutdown().await;
}

#[tokio::test]
async fn a_send_refused_while_the_team_is_backlogged_is_stored_once_when_it_clears() {
    let dir = tempfile::tempdir().unwrap();
    let gate = FlushGate::new();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_flush_gate(gate.clone()));
    let team = seed(store.as_ref());
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    // One write waiting for the disk is the most: a second is refused
    // with `unavailable` while the first waits.
    config.limits.pending_writes = 1;
    let server = Server::start_with_store(config, store).await.unwrap();
    let (alice, _events) = connect(ClientConfig::new(url(&server), &team.alice)).await;
    let conversation = conversation(&alice, team.team).await;

    gate.hold();
    let first = tokio::spawn({
        let alice = alice.clone();
        async move { alice.send(conversation, "first").await }
    });
    let second = tokio::spawn({
        let alice = alice.clone();
        async move { alice.send(conversation, "second").await }
    });
    // Long enough for "second" to be refused (and asked again) while
    // "first" waits for the held flush.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the refusal is not the answer");
    gate.open();

    let first = first.await.unwrap().expect("first sent");
    let second = second
        .await
        .unwrap()
        .expect("second sent after its refusal");
    assert_eq!(second.seq.0, first.seq.0 + 1);
    assert!(
        !first.duplicate && !second.duplicate,
        "the refusal stored nothing"
    );
    assert_eq!(history(&alice, conversation).await, ["first", "second"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_keep_flowing_while_the_server_stops_each_acknowledged_and_stored_once() {
    const SENDS: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let first = start(Config::new("127.0.0.1:0".parse().unwrap(), dir.path())).await;
    let team = seed(first.store().as_ref());
    let second_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let servers = [url(&first), format!("ws://{second_addr}/ws")];
    let (alice, _alice_events) = connect(ClientConfig::with_servers(&servers, &team.alice)).await;
    let (bob, mut bob_events) = connect(ClientConfig::with_servers(&servers, &team.bob)).await;
    bob.subscribe(team.team).await.expect("subscribed");
    let conversation = conversation(&alice, team.team).await;

    // One send after the other, without pause, through the stop: the one
    // the stopping server leaves unanswered, and those made while no
    // server is up, go to the next server with their ids.
    let (acked, mut acks) = tokio::sync::mpsc::channel(SENDS);
    let sender = tokio::spawn({
        let alice = alice.clone();
        async move {
            for i in 0..SENDS {
                let ack = alice.send(conversation, format!("m{i}")).await;
                let _ = acked.send(ack).await;
            }
        }
    });
    for _ in 0..SENDS / 4 {
        acks.recv().await.expect("an ack").expect("sent");
    }
    first.shutdown().await;
    let second = start(Config::new(second_addr, dir.path())).await;
    tokio::time::timeout(STEP, sender)
        .await
        .expect("every send answered in time")
        .unwrap();
    while let Some(ack) = acks.recv().await {
        ack.expect("every send acknowledged");
    }

    let expected: Vec<String> = (0..SENDS).map(|i| format!("m{i}")).collect();
    let last = format!("m{}", SENDS - 1);
    assert_eq!(bodies_until(&mut bob_events, &last).await, expected);
    assert_eq!(history(&bob, conversation).await, expected);
    second.shutdown().await;
}
