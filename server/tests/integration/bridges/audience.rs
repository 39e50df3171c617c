//! Who receives a `receipt` event (the bridges' row of the event matrix):
//! whoever reads the conversation, live. A Member, a Restricted Member let
//! into the conversation, a `read` bot, the bridge itself: yes. A
//! Restricted Member of another conversation, a Member of another team:
//! no. Each listener stops at a sentinel message sent after the receipt,
//! or (for those who read nothing of the conversation) at a sentinel of a
//! conversation they read.

use super::bot_of;
use crate::util::*;
use switchboard_client::{ClientEvent, Events};
use switchboard_protocol::bridge::DeliveryStatus;
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::server::{Event, EventFrame};

/// Whether `events` carries a `receipt` before the message "sentinel".
async fn hears_receipt(events: &mut Events) -> bool {
    let mut heard = false;
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("the sentinel in time")
            .expect("open");
        let ClientEvent::Event(EventFrame { event, .. }) = event else {
            continue;
        };
        match event {
            Event::Receipt(_) => heard = true,
            Event::Message(m) if m.body == "sentinel" => return heard,
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_receipt_reaches_exactly_whoever_reads_the_conversation() {
    let (_dir, server, world) = seeded().await;
    let sms = bot_of(&server, world.team_a, "SMS", BotScope::Bridge, &world.alice);
    let reader = bot_of(
        &server,
        world.team_a,
        "Reader",
        BotScope::Read,
        &world.alice,
    );
    let (bridge, mut bridge_events) = connect(&server.url(), &sms.token).await;
    let relayed = bridge
        .relay("+14155550155", Some("Rio"), "a-1", "Hi")
        .await
        .unwrap();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let other: ConversationId = start_conversation(&alice, world.team_a, "Other").await;
    let let_in = restricted_member(
        &server,
        relayed.conversation,
        "in@guest.test",
        "In",
        world.alice.user,
    );
    let elsewhere = restricted_member(&server, other, "out@guest.test", "Out", world.alice.user);

    // (who, token, subscribes to, hears the receipt)
    let subjects = [
        ("member", world.bob.token.clone(), world.team_a, true),
        (
            "restricted, let in",
            let_in.token.clone(),
            world.team_a,
            true,
        ),
        (
            "restricted elsewhere",
            elsewhere.token.clone(),
            world.team_a,
            false,
        ),
        ("read bot", reader.token.clone(), world.team_a, true),
        (
            "another team's member",
            world.carol.token.clone(),
            world.team_b,
            false,
        ),
    ];
    let mut listeners = Vec::new();
    for (name, token, team, hears) in subjects {
        let (client, events) = connect(&server.url(), &token).await;
        client.subscribe(team).await.unwrap();
        listeners.push((name, client, events, hears));
    }
    bridge.subscribe(world.team_a).await.unwrap();

    let reply = alice.send(relayed.conversation, "Hello Rio").await.unwrap();
    bridge
        .receipt(relayed.conversation, reply.seq, DeliveryStatus::Sent, None)
        .await
        .unwrap();
    // Sentinels: in the conversation, in the other one, and in team B.
    alice.send(relayed.conversation, "sentinel").await.unwrap();
    alice.send(other, "sentinel").await.unwrap();
    let (owen, _owen_events) = connect(&server.url(), &world.owen.token).await;
    let b = start_conversation(&owen, world.team_b, "Bea").await;
    owen.send(b, "sentinel").await.unwrap();

    assert!(hears_receipt(&mut bridge_events).await, "the bridge");
    for (name, _client, mut events, hears) in listeners {
        assert_eq!(hears_receipt(&mut events).await, hears, "{name}");
    }
}
