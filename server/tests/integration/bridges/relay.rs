//! `relay`: a contact's message from a bridge creates the contact and the
//! conversation when new, is stored once per `client_msg_id` across
//! reconnects and restarts, and STOP/START set and clear the contact's
//! opt-out.

use super::bot_of;
use crate::util::*;
use switchboard_client::ClientEvent;
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::model::{Channel, ConversationStatus, SenderKind};
use switchboard_protocol::server::{Event, EventFrame};
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn a_relayed_message_starts_a_bridge_conversation_agents_see_once_per_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    let sms = bot_of(&server, world.team_a, "SMS", BotScope::Bridge, &world.alice);
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    alice.subscribe(world.team_a).await.unwrap();

    let (bridge, _bridge_events) = connect(&server.url(), &sms.token).await;
    let first = bridge
        .relay(
            "+1 (415) 555-0100",
            Some("Dana"),
            "sms-1",
            "Is the job still open?",
        )
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.seq.0, 1);

    // The agent sees the new conversation, on the bridge, and the message
    // as the contact's, waiting for a reply.
    let started = loop {
        let event = tokio::time::timeout(PATIENCE, alice_events.next())
            .await
            .expect("an event in time")
            .expect("open");
        if let ClientEvent::Event(EventFrame {
            event: Event::ConversationStarted(info),
            ..
        }) = event
        {
            break info;
        }
    };
    assert_eq!(started.id, first.conversation);
    assert_eq!(started.contact.name, "Dana");
    assert_eq!(started.contact.phone.as_deref(), Some("+14155550100"));
    assert_eq!(
        started.channel,
        Some(Channel::Bridge {
            bridge: sms.user,
            address: "+14155550100".into()
        })
    );
    let message = next_message(&mut alice_events).await;
    assert_eq!(message.body, "Is the job still open?");
    assert_eq!(message.sender.kind, SenderKind::Contact);
    assert_eq!(message.sender.id, first.contact.0);
    assert_eq!(message.status, Some(ConversationStatus::Waiting));

    // The same message again: the original place, nothing stored twice;
    // also after a reconnect.
    let again = bridge
        .relay(
            "+14155550100",
            Some("Dana"),
            "sms-1",
            "Is the job still open?",
        )
        .await
        .unwrap();
    assert_eq!(
        (again.conversation, again.seq),
        (first.conversation, first.seq)
    );
    assert!(!again.created);
    bridge.close().await;
    let (bridge, _bridge_events) = connect(&server.url(), &sms.token).await;
    let reconnected = bridge
        .relay("+14155550100", None, "sms-1", "Is the job still open?")
        .await
        .unwrap();
    assert_eq!(reconnected.seq, first.seq);
    // A new message of the same contact goes into the same conversation.
    let second = bridge
        .relay("+14155550100", None, "sms-2", "Hello?")
        .await
        .unwrap();
    assert_eq!((second.conversation, second.seq.0), (first.conversation, 2));
    assert!(!second.created);
    bridge.close().await;
    alice.close().await;
    server.server.shutdown().await;

    // After a restart, the same ids still store nothing twice.
    let server = TestServer::start(dir.path()).await;
    let (bridge, _bridge_events) = connect(&server.url(), &sms.token).await;
    let after = bridge
        .relay("+14155550100", None, "sms-2", "Hello?")
        .await
        .unwrap();
    assert_eq!(
        (after.conversation, after.seq),
        (second.conversation, second.seq)
    );
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let bodies: Vec<String> = all_messages(&alice, first.conversation)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["Is the job still open?", "Hello?"]);
    // The contact was found by phone: one contact, one conversation.
    let page = alice.contact(world.team_a, first.contact).await.unwrap();
    assert_eq!(page.contact.phones, ["+14155550100"]);
    assert_eq!(page.conversations.len(), 1);
    server.server.shutdown().await;
}

#[tokio::test]
async fn stop_opts_the_contact_out_and_start_opts_them_back_in() {
    let (_dir, server, world) = seeded().await;
    let sms = bot_of(&server, world.team_a, "SMS", BotScope::Bridge, &world.alice);
    let (bridge, _events) = connect(&server.url(), &sms.token).await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let hello = bridge
        .relay("+14155550111", Some("Kim"), "k-1", "Hi")
        .await
        .unwrap();
    let card = alice
        .contact(world.team_a, hello.contact)
        .await
        .unwrap()
        .contact;
    assert_eq!(card.opted_out_at, None);

    let stop = bridge
        .relay("+14155550111", None, "k-2", "  Stop ")
        .await
        .unwrap();
    let card = alice
        .contact(world.team_a, hello.contact)
        .await
        .unwrap()
        .contact;
    assert!(card.opted_out_at.is_some(), "STOP opts the contact out");
    // The keyword is a message of the conversation like any other.
    let last = all_messages(&alice, stop.conversation).await.pop().unwrap();
    assert_eq!(last.body, "  Stop ");
    // Not a keyword: a sentence that holds one.
    bridge
        .relay("+14155550111", None, "k-3", "please start over")
        .await
        .unwrap();
    let card = alice
        .contact(world.team_a, hello.contact)
        .await
        .unwrap()
        .contact;
    assert!(card.opted_out_at.is_some());

    bridge
        .relay("+14155550111", None, "k-4", "START")
        .await
        .unwrap();
    let card = alice
        .contact(world.team_a, hello.contact)
        .await
        .unwrap()
        .contact;
    assert_eq!(card.opted_out_at, None, "START opts them back in");
}

#[tokio::test]
async fn only_a_bridge_bot_relays_and_a_bridge_does_not_send_as_an_agent() {
    let (_dir, server, world) = seeded().await;
    let reader = bot_of(
        &server,
        world.team_a,
        "Reader",
        BotScope::Read,
        &world.alice,
    );
    let writer = bot_of(
        &server,
        world.team_a,
        "Writer",
        BotScope::ReadWrite,
        &world.alice,
    );
    let sms = bot_of(&server, world.team_a, "SMS", BotScope::Bridge, &world.alice);
    for token in [
        &world.alice.token,
        &world.bob.token,
        &reader.token,
        &writer.token,
    ] {
        let (client, _events) = connect(&server.url(), token).await;
        let refused = client.relay("+14155550122", None, "x-1", "Hi").await;
        assert_eq!(code(refused), ErrorCode::Forbidden);
    }
    let (bridge, _events) = connect(&server.url(), &sms.token).await;
    let relayed = bridge
        .relay("+14155550122", None, "x-1", "Hi")
        .await
        .unwrap();
    let sent = bridge.send(relayed.conversation, "as an agent").await;
    assert_eq!(code(sent), ErrorCode::Forbidden);
    let empty = bridge.relay("+14155550122", None, "x-2", "   ").await;
    assert_eq!(code(empty), ErrorCode::BadRequest);
    // It reads, as a `read` bot does.
    assert_eq!(all_messages(&bridge, relayed.conversation).await.len(), 1);
}

#[tokio::test]
async fn merging_an_opted_out_contact_keeps_the_opt_out() {
    let (_dir, server, world) = seeded().await;
    let sms = bot_of(&server, world.team_a, "SMS", BotScope::Bridge, &world.alice);
    let (bridge, _events) = connect(&server.url(), &sms.token).await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let stopped = bridge
        .relay("+14155550177", Some("Ola"), "o-1", "STOP")
        .await
        .unwrap();
    let draft = switchboard_client::ContactDraft {
        name: "Ola Nordmann".into(),
        phones: Vec::new(),
        emails: vec!["ola@example.com".into()],
        tags: Vec::new(),
        fields: Default::default(),
        notes: String::new(),
    };
    let other = alice
        .create_contact(world.team_a, draft)
        .await
        .unwrap()
        .contact;
    assert_eq!(other.opted_out_at, None);
    let merged = alice
        .merge_contacts(world.team_a, other.id, stopped.contact)
        .await
        .unwrap()
        .contact;
    assert!(merged.opted_out_at.is_some(), "the merge kept the opt-out");
}
