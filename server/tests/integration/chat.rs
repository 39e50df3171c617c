//! The path of a message between agents, and what outsiders see of it.

use crate::util::*;
use switchboard_client::Error;
use switchboard_protocol::ids::{ConversationId, Seq, TeamId};
use switchboard_protocol::model::SenderKind;
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn a_message_reaches_the_other_agent_live_and_the_ack_carries_its_seq() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();

    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let first = alice.send(conversation, "Hi Jordan").await.unwrap();
    let second = alice
        .send(conversation, "Are you free Monday?")
        .await
        .unwrap();
    assert_eq!((first.seq, second.seq), (Seq(1), Seq(2)));
    assert!(!first.duplicate);
    assert!(second.offset > first.offset);

    let received = next_messages(&mut bob_events, 2).await;
    assert_eq!(received[0].body, "Hi Jordan");
    assert_eq!(received[0].seq, Seq(1));
    assert_eq!(received[0].offset, first.offset);
    assert_eq!(received[0].sender.kind, SenderKind::Agent);
    assert_eq!(received[0].sender.id, world.alice.user.0);
    assert_eq!(received[0].sender.name, "Alice");
    assert_eq!(received[1].body, "Are you free Monday?");
    assert_eq!(received[1].seq, Seq(2));

    let page = bob
        .history(conversation, switchboard_client::HistoryQuery::default())
        .await
        .unwrap();
    let bodies: Vec<_> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["Hi Jordan", "Are you free Monday?"]);
}

#[tokio::test]
async fn a_leading_double_caret_sends_a_literal_caret_and_commands_are_checked() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    alice.send(conversation, "^^5 stars").await.unwrap();
    let page = alice
        .history(conversation, switchboard_client::HistoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.messages[0].body, "^5 stars");

    match alice.send(conversation, "^assign bob").await {
        Err(Error::Server { code, message }) => {
            assert_eq!(code, ErrorCode::BadCommand);
            assert!(message.contains("^assign @user"), "{message}");
        }
        other => panic!("expected bad_command, got {other:?}"),
    }
    match alice.send(conversation, "^frobnicate").await {
        Err(Error::Server { code, .. }) => assert_eq!(code, ErrorCode::BadCommand),
        other => panic!("expected bad_command, got {other:?}"),
    }
    // Nothing was stored by the refused commands.
    let page = alice
        .history(conversation, switchboard_client::HistoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1);
}

/// Replaces every run of digits, so that two messages naming different ids
/// can be compared for shape.
fn without_ids(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn refusal(result: Result<impl std::fmt::Debug, Error>) -> (ErrorCode, String) {
    match result {
        Err(Error::Server { code, message }) => (code, without_ids(&message)),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn outsiders_receive_nothing_and_cannot_tell_a_foreign_conversation_from_a_missing_one() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (carol, mut carol_events) = connect(&server.url(), &world.carol.token).await;
    let (owen, _owen_events) = connect(&server.url(), &world.owen.token).await;
    carol.subscribe(world.team_b).await.unwrap();

    let secret = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(secret, "team A only").await.unwrap();
    // Team B's own traffic after it: the first thing carol receives must be
    // this, so nothing of team A was delivered to her before it.
    let own = start_conversation(&owen, world.team_b, "Sky").await;
    owen.send(own, "team B news").await.unwrap();
    let first = next_message(&mut carol_events).await;
    assert_eq!(first.body, "team B news");

    let missing = ConversationId(u64::MAX / 2);
    let query = switchboard_client::HistoryQuery::default;
    assert_eq!(
        refusal(carol.history(secret, query()).await),
        refusal(carol.history(missing, query()).await)
    );
    assert_eq!(
        refusal(carol.history(secret, query()).await).0,
        ErrorCode::NotFound
    );
    assert_eq!(
        refusal(carol.send(secret, "let me in").await),
        refusal(carol.send(missing, "let me in").await)
    );
    assert_eq!(
        refusal(carol.mark_read(secret, Seq(1)).await),
        refusal(carol.mark_read(missing, Seq(1)).await)
    );
    let missing_team = TeamId(u64::MAX / 2);
    assert_eq!(
        refusal(carol.subscribe(world.team_a).await),
        refusal(carol.subscribe(missing_team).await)
    );
    assert_eq!(
        refusal(carol.conversations(world.team_a, None, None).await),
        refusal(carol.conversations(missing_team, None, None).await)
    );
    // And the refused send stored nothing.
    let page = alice
        .history(secret, switchboard_client::HistoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1);
}

#[tokio::test]
async fn conversations_list_newest_first_in_pages_and_read_markers_never_move_back() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    let mut started = Vec::new();
    for name in ["One", "Two", "Three"] {
        started.push(start_conversation(&alice, world.team_a, name).await);
    }
    let page = bob
        .conversations(world.team_a, None, Some(2))
        .await
        .unwrap();
    let names: Vec<_> = page
        .conversations
        .iter()
        .map(|c| c.contact.name.as_str())
        .collect();
    assert_eq!(names, ["Three", "Two"]);
    let rest = bob
        .conversations(world.team_a, page.next, Some(2))
        .await
        .unwrap();
    assert_eq!(rest.conversations.len(), 1);
    assert_eq!(rest.conversations[0].contact.name, "One");
    assert_eq!(rest.next, None);

    let c = started[0];
    for body in ["a", "b", "c"] {
        alice.send(c, body).await.unwrap();
    }
    bob.subscribe(world.team_a).await.unwrap();
    assert_eq!(bob.mark_read(c, Seq(2)).await.unwrap().seq, Seq(2));
    assert_eq!(
        bob.mark_read(c, Seq(1)).await.unwrap().seq,
        Seq(2),
        "markers never move back"
    );
    match bob.mark_read(c, Seq(9)).await {
        Err(Error::Server { code, .. }) => assert_eq!(code, ErrorCode::BadRequest),
        other => panic!("a marker beyond the last message is refused, got {other:?}"),
    }
    // The marker that moved was announced live.
    loop {
        let event = tokio::time::timeout(PATIENCE, bob_events.next())
            .await
            .unwrap()
            .unwrap();
        if let switchboard_client::ClientEvent::Event(frame) = event {
            if let switchboard_protocol::server::Event::Read(marker) = frame.event {
                assert_eq!((marker.user, marker.seq), (world.bob.user, Seq(2)));
                break;
            }
        }
    }
}
