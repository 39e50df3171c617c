//! `receipt`: the conversation's bridge reports how the team's reply went;
//! agents receive each report as a `receipt` event and history shows the
//! latest as the message's `delivery`, which never goes back.

use super::bot_of;
use crate::util::*;
use switchboard_client::ClientEvent;
use switchboard_protocol::bridge::{DeliveryStatus, Receipt};
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::model::SenderKind;
use switchboard_protocol::server::{Event, EventFrame};
use switchboard_protocol::ErrorCode;

/// The next `receipt` event, skipping others.
async fn next_receipt(events: &mut switchboard_client::Events) -> Receipt {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a receipt in time")
            .expect("open");
        if let ClientEvent::Event(EventFrame {
            event: Event::Receipt(receipt),
            ..
        }) = event
        {
            return receipt;
        }
    }
}

#[tokio::test]
async fn a_reply_s_receipts_reach_the_agents_and_history_and_never_go_back() {
    let (_dir, server, world) = seeded().await;
    let sms = bot_of(&server, world.team_a, "SMS", BotScope::Bridge, &world.alice);
    let other = bot_of(
        &server,
        world.team_a,
        "Other SMS",
        BotScope::Bridge,
        &world.alice,
    );
    let (bridge, mut bridge_events) = connect(&server.url(), &sms.token).await;
    bridge.subscribe(world.team_a).await.unwrap();
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();

    let relayed = bridge
        .relay("+14155550133", Some("Lee"), "l-1", "When do I start?")
        .await
        .unwrap();
    let reply = bob.send(relayed.conversation, "Monday at 9").await.unwrap();

    // The bridge receives the reply to carry out.
    let outbound = loop {
        let message = next_message(&mut bridge_events).await;
        if message.sender.kind == SenderKind::Agent {
            break message;
        }
    };
    assert_eq!(
        (outbound.seq, outbound.body.as_str()),
        (reply.seq, "Monday at 9")
    );

    let sent = bridge
        .receipt(
            relayed.conversation,
            reply.seq,
            DeliveryStatus::Sent,
            Some("gw-77"),
        )
        .await
        .unwrap();
    assert_eq!(sent.status, DeliveryStatus::Sent);
    let seen = next_receipt(&mut bob_events).await;
    assert_eq!((seen.seq, seen.status), (reply.seq, DeliveryStatus::Sent));
    assert_eq!(seen.detail.as_deref(), Some("gw-77"));

    bridge
        .receipt(
            relayed.conversation,
            reply.seq,
            DeliveryStatus::Delivered,
            None,
        )
        .await
        .unwrap();
    let seen = next_receipt(&mut bob_events).await;
    assert_eq!(seen.status, DeliveryStatus::Delivered);

    // History shows the latest.
    let messages = all_messages(&bob, relayed.conversation).await;
    let stored = messages.iter().find(|m| m.seq == reply.seq).unwrap();
    let delivery = stored.delivery.as_ref().expect("a delivery");
    assert_eq!(delivery.status, DeliveryStatus::Delivered);
    // The contact's own message has none.
    assert!(messages[0].delivery.is_none());

    // Delivered is final: a late `failed` changes nothing.
    let late = bridge
        .receipt(
            relayed.conversation,
            reply.seq,
            DeliveryStatus::Failed,
            None,
        )
        .await
        .unwrap();
    assert_eq!(late.status, DeliveryStatus::Delivered);
    let messages = all_messages(&bob, relayed.conversation).await;
    let stored = messages.iter().find(|m| m.seq == reply.seq).unwrap();
    assert_eq!(
        stored.delivery.as_ref().unwrap().status,
        DeliveryStatus::Delivered
    );

    // A contact's message is not the bridge's to report on.
    let contact_s = bridge
        .receipt(
            relayed.conversation,
            relayed.seq,
            DeliveryStatus::Sent,
            None,
        )
        .await;
    assert_eq!(code(contact_s), ErrorCode::BadRequest);
    // Another bridge of the team reads the conversation but may not report.
    let (other, _other_events) = connect(&server.url(), &other.token).await;
    let foreign = other
        .receipt(
            relayed.conversation,
            reply.seq,
            DeliveryStatus::Failed,
            None,
        )
        .await;
    assert_eq!(code(foreign), ErrorCode::Forbidden);
    // Nor may an agent.
    let agent = bob
        .receipt(
            relayed.conversation,
            reply.seq,
            DeliveryStatus::Failed,
            None,
        )
        .await;
    assert_eq!(code(agent), ErrorCode::Forbidden);
}

#[tokio::test]
async fn a_connection_of_version_2_is_not_sent_receipts() {
    use switchboard_protocol::client::{ClientFrame, Hello, Subscribe};
    use switchboard_protocol::server::ServerFrame;
    use switchboard_protocol::{Encoding, RequestId};
    let (_dir, server, world) = seeded().await;
    let sms = bot_of(&server, world.team_a, "SMS", BotScope::Bridge, &world.alice);
    // Bob's old client, subscribed before anything happens.
    let mut old = Raw::connect(&server.url(), Encoding::MsgPack).await;
    old.send(&ClientFrame::Hello(Hello {
        version: 2,
        token: world.bob.token.clone(),
    }))
    .await;
    assert!(matches!(old.recv().await, Some(ServerFrame::Welcome(_))));
    old.send(&ClientFrame::Subscribe(Subscribe {
        id: RequestId(1),
        team: world.team_a,
        after: None,
    }))
    .await;
    assert!(matches!(old.recv().await, Some(ServerFrame::Result(_))));

    let (bridge, _events) = connect(&server.url(), &sms.token).await;
    let relayed = bridge
        .relay("+14155550144", None, "v-1", "Hi")
        .await
        .unwrap();
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let reply = bob.send(relayed.conversation, "Hello").await.unwrap();
    bridge
        .receipt(relayed.conversation, reply.seq, DeliveryStatus::Sent, None)
        .await
        .unwrap();
    // A connection of version 3 hears it.
    let _ = next_receipt(&mut bob_events).await;
    bob.send(relayed.conversation, "last").await.unwrap();

    let mut saw_last = false;
    while !saw_last {
        match old.recv().await {
            Some(ServerFrame::Event(EventFrame { event, .. })) => {
                assert!(
                    !matches!(event, Event::Receipt(_)),
                    "a receipt sent to version 2"
                );
                saw_last = matches!(&event, Event::Message(m) if m.body == "last");
            }
            Some(_) => continue,
            None => panic!("closed before the last message"),
        }
    }
}
