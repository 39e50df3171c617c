//! Catch-up that always finishes: a client away through far more than its
//! outbound queue holds gets everything back through the SDK, and a batch
//! the server pushes in one go (a handoff's copied history) never closes a
//! subscriber that reads.

use crate::util::*;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use switchboard_client::{Client, Events, Target};
use switchboard_protocol::ids::{ConversationId, Offset, TeamId};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Event, EventFrame, Resume};
use switchboard_server::LimitsConfig;

/// A body of exactly `len` bytes that starts with `tag`.
fn body(tag: &str, len: usize) -> String {
    format!("{tag} {}", "x".repeat(len - tag.len() - 1))
}

/// Sends `n` bodies of `len` bytes into `conversation`, up to 16 at once;
/// returns them.
async fn flood(client: Client, conversation: ConversationId, n: usize, len: usize) -> Vec<String> {
    let bodies: Vec<String> = (0..n)
        .map(|i| body(&format!("c{conversation} m{i}"), len))
        .collect();
    send_all(&client, conversation, bodies.clone()).await;
    bodies
}

/// The next event frame of `team`; panics on a disconnect or after `PATIENCE`.
async fn next_event(events: &mut Events, team: TeamId) -> EventFrame {
    next_team_event(events, team)
        .await
        .expect("an event in time")
}

#[tokio::test]
async fn a_client_away_through_10_000_messages_of_the_largest_body_catches_up_in_order_once() {
    const SENDERS: usize = 4;
    const EACH: usize = 2_500;
    let (_dir, server, world) = seeded().await;
    let max_body = LimitsConfig::default().max_body_bytes;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, _) = connect(&server.url(), &world.bob.token).await;
    let start = bob.subscribe(world.team_a).await.unwrap();
    bob.close().await;

    // Several senders, each its own connection and conversation.
    let mut conversations = Vec::new();
    let mut senders = Vec::new();
    for n in 0..SENDERS {
        let (sender, events) = connect(&server.url(), &world.alice.token).await;
        let conversation = start_conversation(&sender, world.team_a, &format!("C{n}")).await;
        conversations.push(conversation);
        senders.push(tokio::spawn(async move {
            let _events = events;
            flood(sender, conversation, EACH, max_body).await
        }));
    }
    let mut sent = HashSet::new();
    for sender in senders {
        let bodies = tokio::time::timeout(Duration::from_secs(120), sender)
            .await
            .expect("seeded in time")
            .unwrap();
        sent.extend(bodies);
    }
    assert_eq!(sent.len(), SENDERS * EACH);

    // Bob comes back: the SDK replays chunk after chunk until live.
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    let position = Position {
        epoch: start.epoch,
        offset: start.offset,
    };
    let resuming = {
        let bob = bob.clone();
        let team = world.team_a;
        tokio::spawn(async move { bob.subscribe_from(team, position).await })
    };
    let mut last = start.offset;
    let mut seqs: BTreeMap<ConversationId, u64> = BTreeMap::new();
    let mut received = HashSet::new();
    let caught_up = async {
        while received.len() < sent.len() {
            let frame = next_event(&mut bob_events, world.team_a).await;
            assert!(frame.offset > last, "events in offset order, none twice");
            last = frame.offset;
            if let Event::Message(message) = frame.event {
                let seq = seqs.entry(message.conversation).or_default();
                assert_eq!(message.seq.0, *seq + 1, "each conversation in seq order");
                *seq = message.seq.0;
                assert!(sent.contains(&message.body), "a message that was sent");
                assert!(received.insert(message.body), "a message seen twice");
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), caught_up)
        .await
        .expect("caught up in time");
    let subscribed = resuming.await.unwrap().expect("the resume completes");
    assert_eq!(subscribed.resume, Resume::Recovered);
    assert!(subscribed.live);
    // Every message, and each conversation's start.
    assert_eq!(subscribed.replayed as usize, SENDERS * EACH + SENDERS);

    // Live after it: the next message, and nothing in between.
    alice.send(conversations[0], "live again").await.unwrap();
    let frame = next_event(&mut bob_events, world.team_a).await;
    assert_eq!(frame.offset, Offset(last.0 + 1));
    match frame.event {
        Event::Message(message) => assert_eq!(message.body, "live again"),
        other => panic!("expected the live message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_subscriber_of_a_team_receiving_a_long_conversation_stays_connected_and_gets_it_all() {
    const MESSAGES: usize = 400;
    let (_dir, server, world) = seeded().await;
    let limits = LimitsConfig::default();
    let (max_body, queue) = (limits.max_body_bytes, limits.outbound_queue_bytes);
    assert!(MESSAGES * max_body > queue, "the copy outgrows the queue");
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (watcher, mut watching) = connect(&server.url(), &world.alice.token).await;
    watcher.subscribe(world.team_sales).await.unwrap();

    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let mut bodies = Vec::new();
    for i in 0..MESSAGES {
        let text = body(&format!("m{i}"), max_body);
        alice.send(conversation, text.clone()).await.unwrap();
        bodies.push(text);
    }
    alice
        .deliver(
            conversation,
            Target::Team("sales".into()),
            Some("qualified".into()),
            None,
        )
        .await
        .unwrap();

    // The new conversation, its copied history in order, the handoff note.
    let started = next_event(&mut watching, world.team_sales).await;
    let Event::ConversationStarted(received) = started.event else {
        panic!("expected the new conversation, got {:?}", started.event);
    };
    let mut last = started.offset;
    let mut copied = Vec::new();
    while copied.len() < MESSAGES + 1 {
        let frame = next_event(&mut watching, world.team_sales).await;
        assert_eq!(frame.offset, Offset(last.0 + 1), "no gap, nothing twice");
        last = frame.offset;
        let Event::Message(message) = frame.event else {
            panic!("expected a message, got {:?}", frame.event);
        };
        copied.push(message.body);
    }
    assert_eq!(copied[..MESSAGES], bodies[..]);
    assert!(copied[MESSAGES].contains("handed this conversation over"));

    // Still the same connection, and live: the next message arrives.
    alice.send(received.id, "welcome").await.unwrap();
    let frame = next_event(&mut watching, world.team_sales).await;
    assert_eq!(frame.offset, Offset(last.0 + 1));
}
