//! Fan-out to a team larger than the pacer's chunk (a big team's writers
//! are woken a few at a time, `outlet/pacer.rs`): every subscriber gets
//! every event once, in offset order, and another team's subscriber gets
//! its own meanwhile.

use crate::util::*;
use std::time::Duration;
use switchboard_client::Events;
use switchboard_protocol::ids::{Offset, TeamId};
use switchboard_protocol::server::Event;

/// Reads `team`'s events until `count` messages have come; checks that
/// offsets follow each other from `after` with none skipped or repeated,
/// and returns the bodies in the order they came.
async fn read_messages(
    mut events: Events,
    team: TeamId,
    after: Offset,
    count: usize,
) -> Vec<String> {
    let mut last = after;
    let mut bodies = Vec::with_capacity(count);
    while bodies.len() < count {
        let Some(frame) = next_team_event(&mut events, team).await else {
            panic!("{} of {count} messages, then nothing", bodies.len())
        };
        assert_eq!(frame.offset.0, last.0 + 1, "offsets follow each other");
        last = frame.offset;
        if let Event::Message(message) = frame.event {
            bodies.push(message.body);
        }
    }
    bodies
}

/// `bodies`, sorted.
fn sorted(mut bodies: Vec<String>) -> Vec<String> {
    bodies.sort();
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_subscriber_of_a_team_larger_than_a_pace_gets_every_message_once_in_order() {
    const SUBSCRIBERS: usize = 60;
    const BIG: usize = 150;
    const SMALL: usize = 30;
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let big_room = start_conversation(&alice, world.team_a, "Jordan").await;
    let small_room = start_conversation(&alice, world.team_sales, "Sam").await;

    let mut readers = Vec::with_capacity(SUBSCRIBERS);
    let mut clients = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        let (client, events) = connect(&server.url(), &world.bob.token).await;
        let subscribed = client.subscribe(world.team_a).await.unwrap();
        readers.push(tokio::spawn(read_messages(
            events,
            world.team_a,
            subscribed.offset,
            BIG,
        )));
        clients.push(client);
    }
    let (watcher, watching) = connect(&server.url(), &world.alice.token).await;
    let subscribed = watcher.subscribe(world.team_sales).await.unwrap();
    let small_reader = tokio::spawn(read_messages(
        watching,
        world.team_sales,
        subscribed.offset,
        SMALL,
    ));

    // Both teams at once, each from a connection of its own.
    let big: Vec<String> = (0..BIG).map(|i| format!("big {i}")).collect();
    let small: Vec<String> = (0..SMALL).map(|i| format!("small {i}")).collect();
    let (small_sender, _small_events) = connect(&server.url(), &world.alice.token).await;
    tokio::join!(
        send_all(&alice, big_room, big.clone()),
        send_all(&small_sender, small_room, small.clone()),
    );

    let (big, small) = (sorted(big), sorted(small));
    for reader in readers {
        let bodies = tokio::time::timeout(Duration::from_secs(30), reader)
            .await
            .expect("every subscriber read in time")
            .unwrap();
        assert_eq!(sorted(bodies), big, "every message of the big team, once");
    }
    let bodies = small_reader.await.unwrap();
    assert_eq!(
        sorted(bodies),
        small,
        "every message of the small team, once"
    );
    drop(clients);
}
