//! After a disconnect the client gets exactly what it missed, in order, or
//! is told plainly that it cannot: never a silent gap.

use crate::util::*;
use switchboard_client::{Client, ClientConfig, ClientEvent, Events};
use switchboard_protocol::ids::{Epoch, Offset};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Event, Resume};
use switchboard_server::Config;

/// Sends `n` numbered messages and returns their bodies.
async fn send_numbered(
    client: &Client,
    conversation: switchboard_protocol::ids::ConversationId,
    n: usize,
    tag: &str,
) -> Vec<String> {
    let mut bodies = Vec::with_capacity(n);
    for i in 0..n {
        let body = format!("{tag} {i}");
        client.send(conversation, body.clone()).await.unwrap();
        bodies.push(body);
    }
    bodies
}

/// Asserts that the next events are exactly these messages, and then the
/// sentinel: nothing missing, nothing doubled, nothing extra.
async fn assert_exactly(events: &mut Events, expected: &[String], sentinel: &str) {
    let got = next_messages(events, expected.len() + 1).await;
    let bodies: Vec<&str> = got.iter().map(|m| m.body.as_str()).collect();
    let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
    want.push(sentinel);
    assert_eq!(bodies, want);
    for pair in got.windows(2) {
        assert!(pair[0].offset < pair[1].offset);
        assert_eq!(pair[0].seq.0 + 1, pair[1].seq.0);
    }
}

#[tokio::test]
async fn a_client_back_after_200_messages_receives_exactly_those_200_in_order() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    alice.send(conversation, "before").await.unwrap();
    assert_eq!(next_message(&mut bob_events).await.body, "before");
    let seen = bob
        .position(world.team_a)
        .expect("a position after an event");
    bob.close().await;

    let missed = send_numbered(&alice, conversation, 200, "missed").await;

    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    let subscribed = bob.subscribe_from(world.team_a, seen).await.unwrap();
    assert_eq!(subscribed.resume, Resume::Recovered);
    alice.send(conversation, "live again").await.unwrap();
    assert_exactly(&mut bob_events, &missed, "live again").await;
}

#[tokio::test]
async fn a_long_absence_is_replayed_in_chunks_until_live() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    config.limits.replay_chunk = 64;
    let server = TestServer::start_with(config).await;
    let world = seed(server.server.store().as_ref());
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let (bob, _) = connect(&server.url(), &world.bob.token).await;
    let start = bob.subscribe(world.team_a).await.unwrap();
    bob.close().await;

    let missed = send_numbered(&alice, conversation, 300, "missed").await;

    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    let position = Position {
        epoch: start.epoch,
        offset: start.offset,
    };
    let subscribed = bob.subscribe_from(world.team_a, position).await.unwrap();
    assert!(subscribed.live);
    alice.send(conversation, "live again").await.unwrap();
    assert_exactly(&mut bob_events, &missed, "live again").await;
}

#[tokio::test]
async fn a_position_from_another_epoch_is_refused_plainly() {
    let (_dir, server, world) = seeded().await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    let stale = Position {
        epoch: Epoch(12345),
        offset: Offset(1),
    };
    let subscribed = bob.subscribe_from(world.team_a, stale).await.unwrap();
    assert_eq!(subscribed.resume, Resume::EpochChanged);
    assert_eq!(subscribed.replayed, 0);
    let event = tokio::time::timeout(PATIENCE, bob_events.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        event,
        ClientEvent::ResumeFailed {
            team: world.team_a,
            resume: Resume::EpochChanged
        }
    );
}

#[tokio::test]
async fn the_sdk_resumes_by_itself_across_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let addr = server.addr;
    let world = seed(server.server.store().as_ref());
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let mut config = ClientConfig::new(server.url(), world.bob.token.clone());
    config.reconnect.initial = std::time::Duration::from_millis(50);
    config.reconnect.max = std::time::Duration::from_millis(200);
    let (bob, mut bob_events) = Client::connect(config).await.unwrap();
    bob.subscribe(world.team_a).await.unwrap();
    alice.send(conversation, "before").await.unwrap();
    assert_eq!(next_message(&mut bob_events).await.body, "before");
    alice.close().await;

    server.server.shutdown().await;
    // Same data, same port: the SDK's reconnect finds it again.
    let server = TestServer::start_with(Config::new(addr, dir.path())).await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let missed = send_numbered(&alice, conversation, 50, "meanwhile").await;
    let sentinel = "after";
    alice.send(conversation, sentinel).await.unwrap();

    let mut saw_disconnect = false;
    let mut bodies = Vec::new();
    while bodies.len() < missed.len() + 1 {
        let event = tokio::time::timeout(PATIENCE, bob_events.next())
            .await
            .unwrap()
            .unwrap();
        match event {
            ClientEvent::Disconnected { code, .. } => {
                assert_eq!(code, Some(switchboard_protocol::close::RESTART));
                saw_disconnect = true;
            }
            ClientEvent::Event(frame) => {
                if let Event::Message(m) = frame.event {
                    bodies.push(m.body);
                }
            }
            // No signal either: this client never asked for them.
            ClientEvent::ResumeFailed { .. }
            | ClientEvent::Closed { .. }
            | ClientEvent::Signal(_) => {
                panic!("unexpected {event:?}")
            }
            ClientEvent::Reconnected { .. } => {}
        }
    }
    assert!(saw_disconnect);
    let mut want = missed.clone();
    want.push(sentinel.to_string());
    assert_eq!(bodies, want);
    server.server.shutdown().await;
}
