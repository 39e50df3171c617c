//! Restricted Members through the SDK against a real server: a user with
//! no role in a team but an accepted grant to one conversation sees that
//! conversation (live, in replays, in history) and nothing else of the
//! team; a pending grant gives nothing; revoking one closes the user's
//! connections with 4009 and takes the conversation away.

use crate::util::*;
use switchboard_client::{ClientEvent, Events, HistoryQuery};
use switchboard_protocol::ids::{ConversationId, Offset, TeamId, UserId};
use switchboard_protocol::model::{GrantInfo, NewContact, Position};
use switchboard_protocol::server::{Event, EventFrame};
use switchboard_protocol::{close, ErrorCode};
use switchboard_server::admin::{self, NewUser};
use switchboard_server::store::{Store, TokenKind};
use switchboard_server::GrantState;

/// A new user with no team, and a token for them.
pub fn outsider(store: &dyn Store, email: &str, name: &str) -> Login {
    let new = NewUser {
        email: email.into(),
        name: name.into(),
        handle: None,
    };
    let user = admin::create_user(store, &new).unwrap();
    let (_, token) = admin::token_for_email(store, email, TokenKind::Session, None).unwrap();
    Login {
        user: user.id,
        token,
    }
}

/// Events up to and including the first message with `body`.
async fn events_until(events: &mut Events, body: &str) -> Vec<EventFrame> {
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        if let ClientEvent::Event(frame) = event {
            let done = matches!(&frame.event, Event::Message(m) if m.body == body);
            seen.push(frame);
            if done {
                return seen;
            }
        }
    }
}

#[tokio::test]
async fn a_restricted_member_sees_only_the_accepted_conversation_live_in_replay_and_history() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let granted = start_conversation(&alice, world.team_a, "Jordan").await;
    let other = start_conversation(&alice, world.team_a, "Sam").await;
    let dave = outsider(store.as_ref(), "dave@guest.test", "Dave");
    let erin = outsider(store.as_ref(), "erin@guest.test", "Erin");
    let set = |c: ConversationId, u: UserId, s: GrantState| {
        server.server.set_grant(c, u, s, world.alice.user).unwrap();
    };
    set(granted, dave.user, GrantState::Accepted);
    set(granted, erin.user, GrantState::Pending);

    let (dave_client, mut dave_events) = connect(&server.url(), &dave.token).await;
    let welcome = dave_client.welcome();
    assert!(welcome.teams.is_empty(), "no role in any team");
    let expected = GrantInfo {
        conversation: granted,
        team: world.team_a,
    };
    assert_eq!(welcome.grants, vec![expected]);
    let subscribed = dave_client.subscribe(world.team_a).await.unwrap();

    // Traffic in the team: only the granted conversation's reaches Dave.
    alice.send(other, "not for guests").await.unwrap();
    start_conversation(&alice, world.team_a, "Kim").await;
    alice.send(granted, "hello Dave").await.unwrap();
    let seen = events_until(&mut dave_events, "hello Dave").await;
    assert_eq!(seen.len(), 1, "nothing of other conversations: {seen:?}");
    assert_eq!(seen[0].event.conversation(), Some(granted));
    assert!(
        seen[0].offset.0 > subscribed.offset.0 + 1,
        "offsets skip what Dave may not read"
    );

    // A replay from the start of the stream is filtered the same way.
    let (replayer, mut replay_events) = connect(&server.url(), &dave.token).await;
    let from = Position {
        epoch: subscribed.epoch,
        offset: Offset(0),
    };
    let replayed = replayer.subscribe_from(world.team_a, from).await.unwrap();
    assert_eq!(
        replayed.replayed, 2,
        "the granted conversation's start and message"
    );
    let seen = events_until(&mut replay_events, "hello Dave").await;
    assert_eq!(seen.len(), 2);
    assert!(matches!(seen[0].event, Event::ConversationStarted(ref c) if c.id == granted));

    // History, sending and reading in the granted conversation work.
    let page = dave_client
        .history(granted, HistoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1);
    let ack = dave_client.send(granted, "thanks").await.unwrap();
    dave_client.mark_read(granted, ack.seq).await.unwrap();

    // Everything else of the team is as if it did not exist.
    let missing_conversation = ConversationId(999_999);
    let (code, message) = refusal(dave_client.history(other, HistoryQuery::default()).await);
    let (_, nonexistent) = refusal(
        dave_client
            .history(missing_conversation, HistoryQuery::default())
            .await,
    );
    assert_eq!(code, ErrorCode::NotFound);
    assert_eq!(
        message.replace(&other.to_string(), "ID"),
        nonexistent.replace(&missing_conversation.to_string(), "ID")
    );
    let (code, _) = refusal(dave_client.send(other, "sneaky").await);
    assert_eq!(code, ErrorCode::NotFound);
    let missing_team = TeamId(999_998);
    let same_as_missing = |(code, message): (ErrorCode, String), missing: String| {
        assert_eq!(code, ErrorCode::NotFound);
        assert_eq!(message.replace(&world.team_a.to_string(), "ID"), missing);
    };
    let missing = |(_, m): (ErrorCode, String)| m.replace(&missing_team.to_string(), "ID");
    let listing = refusal(dave_client.conversations(world.team_a, None, None).await);
    let none = missing(refusal(
        dave_client.conversations(missing_team, None, None).await,
    ));
    same_as_missing(listing, none);
    let members = refusal(dave_client.members(world.team_a).await);
    same_as_missing(
        members,
        missing(refusal(dave_client.members(missing_team).await)),
    );
    let contact = || NewContact {
        name: "Pat".into(),
        email: None,
        phone: None,
    };
    let started = refusal(
        dave_client
            .start_conversation(world.team_a, contact())
            .await,
    );
    let none = missing(refusal(
        dave_client
            .start_conversation(missing_team, contact())
            .await,
    ));
    same_as_missing(started, none);

    // A pending grant gives nothing at all.
    let (erin_client, _erin_events) = connect(&server.url(), &erin.token).await;
    assert!(erin_client.welcome().grants.is_empty());
    let (code, _) = refusal(erin_client.subscribe(world.team_a).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(erin_client.history(granted, HistoryQuery::default()).await);
    assert_eq!(code, ErrorCode::NotFound);
}

#[tokio::test]
async fn revoking_a_grant_closes_the_connection_with_4009_and_takes_the_conversation_away() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let dave = outsider(store.as_ref(), "dave@guest.test", "Dave");
    let set = |s: GrantState| {
        server
            .server
            .set_grant(conversation, dave.user, s, world.alice.user)
            .unwrap();
    };
    set(GrantState::Accepted);
    let (client, mut events) = connect(&server.url(), &dave.token).await;
    client.subscribe(world.team_a).await.unwrap();

    set(GrantState::Revoked);
    let welcome = loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        match event {
            ClientEvent::Disconnected { code, .. } => {
                assert_eq!(code, Some(close::ACCESS_CHANGED));
            }
            ClientEvent::Reconnected { welcome } => break welcome,
            ClientEvent::Event(frame) => panic!("nothing more may arrive: {frame:?}"),
            _ => continue,
        }
    };
    assert!(welcome.grants.is_empty());
    alice
        .send(conversation, "after the revocation")
        .await
        .unwrap();
    let (code, _) = refusal(client.history(conversation, HistoryQuery::default()).await);
    assert_eq!(code, ErrorCode::NotFound);
    let (code, _) = refusal(client.send(conversation, "still here?").await);
    assert_eq!(code, ErrorCode::NotFound);
}
