//! Presence, typing and viewing through the SDK against a real server with
//! short grace and expiry windows: what a teammate sees when a user comes
//! and goes on several devices, types, or opens a conversation; that a
//! Restricted Member sees none of it beyond its own conversation; and that
//! the SDK restores its opt-in to signals and its view after a reconnect.

use crate::util::*;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use switchboard_client::{
    Client, ClientConfig, ClientEvent, Error, Events, PresenceChange, Signal, TypingChange,
};
use switchboard_protocol::ids::{ConversationId, TeamId, UserId};
use switchboard_protocol::ErrorCode;
use switchboard_server::Config;

/// A seeded server whose presence grace and typing expiry are `grace` and
/// `expiry`.
async fn server_with(grace: Duration, expiry: Duration) -> (tempfile::TempDir, TestServer, World) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(config_at(
        "127.0.0.1:0".parse().unwrap(),
        dir.path(),
        grace,
        expiry,
    ))
    .await;
    let world = seed(server.server.store().as_ref());
    (dir, server, world)
}

/// A server's configuration on `addr` and `dir`, with these presence grace
/// and typing expiry.
fn config_at(addr: SocketAddr, dir: &Path, grace: Duration, expiry: Duration) -> Config {
    let mut config = Config::new(addr, dir);
    config.presence_grace = grace;
    config.typing_expiry = expiry;
    config
}

/// Subscribes to a team and asks for its signals (a `presence` request).
async fn watch(client: &Client, team: TeamId) {
    client.subscribe(team).await.unwrap();
    let state = client.presence(team).await.unwrap();
    assert!(state.signals, "subscribed, so signals flow");
}

/// The next signal, skipping events; panics after `PATIENCE`.
async fn next_signal(events: &mut Events) -> Signal {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a signal in time")
            .expect("the event stream is open");
        if let ClientEvent::Signal(frame) = event {
            return frame.signal;
        }
    }
}

/// The next presence signal about `user`, skipping other signals.
async fn presence_of(events: &mut Events, user: UserId) -> PresenceChange {
    loop {
        if let Signal::Presence(change) = next_signal(events).await {
            if change.user == user {
                return change;
            }
        }
    }
}

/// The next typing signal, skipping other signals.
async fn next_typing(events: &mut Events) -> TypingChange {
    loop {
        if let Signal::Typing(change) = next_signal(events).await {
            return change;
        }
    }
}

/// The next viewers of `conversation`, by user id, skipping other signals.
async fn viewers_of(events: &mut Events, conversation: ConversationId) -> Vec<UserId> {
    loop {
        if let Signal::Viewing(viewers) = next_signal(events).await {
            if viewers.conversation == conversation {
                return viewers.users.iter().map(|v| v.user).collect();
            }
        }
    }
}

#[tokio::test]
async fn a_user_on_two_devices_stays_online_until_the_grace_window_after_the_last() {
    let grace = Duration::from_millis(800);
    let (_dir, server, world) = server_with(grace, Duration::from_secs(60)).await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    watch(&alice, world.team_a).await;

    let (phone, _phone_events) = connect(&server.url(), &world.bob.token).await;
    phone.subscribe(world.team_a).await.unwrap();
    let seen = presence_of(&mut alice_events, world.bob.user).await;
    assert_eq!(
        (seen.online, seen.devices, seen.name.as_str()),
        (true, 1, "Bob")
    );

    let (laptop, _laptop_events) = connect(&server.url(), &world.bob.token).await;
    laptop.subscribe(world.team_a).await.unwrap();
    let seen = presence_of(&mut alice_events, world.bob.user).await;
    assert_eq!((seen.online, seen.devices), (true, 2));
    let state = alice.presence(world.team_a).await.unwrap();
    let bob = state.users.iter().find(|u| u.user == world.bob.user);
    assert_eq!(bob.map(|u| u.devices), Some(2), "{state:?}");

    phone.close().await;
    let seen = presence_of(&mut alice_events, world.bob.user).await;
    assert_eq!((seen.online, seen.devices), (true, 1), "one device left");

    // Timed from before the close: the server's grace window starts when
    // it sees the close, which is after this instant, however long the
    // close itself takes to return on a busy machine.
    let closed = Instant::now();
    laptop.close().await;
    let seen = presence_of(&mut alice_events, world.bob.user).await;
    assert_eq!((seen.online, seen.devices), (false, 0));
    assert!(
        closed.elapsed() >= grace,
        "offline only after the grace window, not {:?} after the close",
        closed.elapsed()
    );
    let state = alice.presence(world.team_a).await.unwrap();
    assert!(state.users.iter().all(|u| u.user != world.bob.user));
}

#[tokio::test]
async fn typing_is_coalesced_and_expires_by_itself() {
    let expiry = Duration::from_millis(800);
    let (_dir, server, world) = server_with(Duration::from_secs(5), expiry).await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    watch(&alice, world.team_a).await;
    let c = start_conversation(&alice, world.team_a, "Jordan").await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    // Subscribed, but without asking for signals: Bob gets none.
    let state = bob.presence(world.team_a).await.unwrap();
    assert!(!state.signals, "not subscribed yet");
    bob.subscribe(world.team_a).await.unwrap();

    bob.typing(c).await.unwrap();
    bob.typing(c).await.unwrap();
    let last = Instant::now();
    bob.typing(c).await.unwrap();
    // A signal after the three: every typing signal they caused is before it.
    bob.view(Some(c)).await.unwrap();
    let mut typing = Vec::new();
    loop {
        match next_signal(&mut alice_events).await {
            Signal::Typing(change) => typing.push(change),
            Signal::Viewing(_) => break,
            _ => continue,
        }
    }
    assert_eq!(typing.len(), 1, "one signal for three requests: {typing:?}");
    assert_eq!(
        (typing[0].conversation, typing[0].user, typing[0].typing),
        (c, world.bob.user, true)
    );

    let ended = next_typing(&mut alice_events).await;
    assert_eq!((ended.user, ended.typing), (world.bob.user, false));
    assert!(
        last.elapsed() >= expiry,
        "typing ended {:?} after the last repeat",
        last.elapsed()
    );

    alice.send(c, "marker").await.unwrap();
    loop {
        let event = tokio::time::timeout(PATIENCE, bob_events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        match event {
            ClientEvent::Signal(frame) => panic!("Bob never asked for signals: {frame:?}"),
            ClientEvent::Event(frame) if frame.event.seq().is_some() => break,
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_message_ends_the_senders_typing_at_once() {
    // An expiry far beyond the test's patience: only the message can end it.
    let (_dir, server, world) = server_with(Duration::from_secs(5), Duration::from_secs(600)).await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    watch(&alice, world.team_a).await;
    let c = start_conversation(&alice, world.team_a, "Jordan").await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;

    bob.typing(c).await.unwrap();
    let started = next_typing(&mut alice_events).await;
    assert!(started.typing);
    bob.send(c, "on it").await.unwrap();
    let ended = next_typing(&mut alice_events).await;
    assert_eq!(
        (ended.conversation, ended.user, ended.typing),
        (c, world.bob.user, false)
    );
    assert_eq!(next_message(&mut alice_events).await.body, "on it");
    let state = alice.presence(world.team_a).await.unwrap();
    assert!(state.typing.is_empty(), "{state:?}");
}

#[tokio::test]
async fn two_agents_on_one_conversation_see_each_other_until_one_leaves() {
    let (_dir, server, world) = server_with(Duration::from_secs(5), Duration::from_secs(5)).await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    watch(&alice, world.team_a).await;
    let c = start_conversation(&alice, world.team_a, "Jordan").await;
    let d = start_conversation(&alice, world.team_a, "Sam").await;

    alice.view(Some(c)).await.unwrap();
    assert_eq!(viewers_of(&mut alice_events, c).await, [world.alice.user]);
    // Bob never subscribes: a view alone is enough, and his leaving still
    // reaches the team.
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.view(Some(c)).await.unwrap();
    assert_eq!(
        viewers_of(&mut alice_events, c).await,
        [world.alice.user, world.bob.user]
    );
    let state = alice.presence(world.team_a).await.unwrap();
    assert_eq!(state.viewing.len(), 1);
    assert_eq!(state.viewing[0].users.len(), 2);

    // Moving to another conversation leaves the first.
    bob.view(Some(d)).await.unwrap();
    assert_eq!(viewers_of(&mut alice_events, c).await, [world.alice.user]);
    bob.view(Some(c)).await.unwrap();
    assert_eq!(viewers_of(&mut alice_events, c).await.len(), 2);

    bob.close().await;
    assert_eq!(viewers_of(&mut alice_events, c).await, [world.alice.user]);
}

#[tokio::test]
async fn a_restricted_member_sees_signals_of_its_conversation_only() {
    let (_dir, server, world) = server_with(Duration::from_secs(5), Duration::from_secs(60)).await;
    let _store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let granted = start_conversation(&alice, world.team_a, "Jordan").await;
    let other = start_conversation(&alice, world.team_a, "Sam").await;
    let dave = restricted_member(
        &server,
        granted,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );
    let (dave_client, mut dave_events) = connect(&server.url(), &dave.token).await;
    watch(&dave_client, world.team_a).await;

    // Bob comes online and Alice types in the other conversation: nothing
    // of that reaches Dave. Then she types where Dave is a guest.
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    alice.typing(other).await.unwrap();
    alice.view(Some(other)).await.unwrap();
    alice.typing(granted).await.unwrap();
    match next_signal(&mut dave_events).await {
        Signal::Typing(change) => {
            assert_eq!(
                (change.conversation, change.user),
                (granted, world.alice.user)
            );
        }
        other => panic!("Dave's first signal should be the granted typing: {other:?}"),
    }
    let state = dave_client.presence(world.team_a).await.unwrap();
    assert!(state.users.is_empty(), "no presence of the team: {state:?}");
    assert!(
        state.viewing.is_empty(),
        "not the other conversation's viewers"
    );
    assert_eq!(state.typing.len(), 1);
    assert_eq!(state.typing[0].conversation, granted);

    // Dave may type where he may read, and nowhere else.
    dave_client.typing(granted).await.unwrap();
    match dave_client.typing(other).await {
        Err(Error::Server { code, .. }) => assert_eq!(code, ErrorCode::NotFound),
        other => panic!("expected not_found, got {other:?}"),
    }
    // Nor may a user of another account, in a conversation or a team.
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    match carol.view(Some(granted)).await {
        Err(Error::Server { code, .. }) => assert_eq!(code, ErrorCode::NotFound),
        other => panic!("expected not_found, got {other:?}"),
    }
    match carol.presence(world.team_a).await {
        Err(Error::Server { code, .. }) => assert_eq!(code, ErrorCode::NotFound),
        other => panic!("expected not_found, got {other:?}"),
    }
}

#[tokio::test]
async fn after_a_restart_the_sdk_restores_its_signals_and_view_by_itself() {
    let (grace, expiry) = (Duration::from_secs(5), Duration::from_secs(60));
    let (dir, server, world) = server_with(grace, expiry).await;
    let addr = server.addr;
    let mut config = ClientConfig::new(server.url(), world.alice.token.clone());
    config.reconnect.initial = Duration::from_millis(50);
    config.reconnect.max = Duration::from_millis(200);
    let (alice, mut alice_events) = Client::connect(config).await.unwrap();
    watch(&alice, world.team_a).await;
    let c = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.view(Some(c)).await.unwrap();
    assert_eq!(viewers_of(&mut alice_events, c).await, [world.alice.user]);

    server.server.shutdown().await;
    // Same data, same port: Alice's client finds it again by itself.
    let server = TestServer::start_with(config_at(addr, dir.path(), grace, expiry)).await;
    loop {
        let event = tokio::time::timeout(PATIENCE, alice_events.next())
            .await
            .expect("a reconnect in time")
            .expect("the event stream is open");
        if let ClientEvent::Reconnected { .. } = event {
            break;
        }
    }

    // Bob sees Alice on the conversation again, though she never called
    // `view` on the new connection.
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let state = bob.presence(world.team_a).await.unwrap();
        let viewers: Vec<UserId> = state
            .viewing
            .iter()
            .filter(|v| v.conversation == c)
            .flat_map(|v| v.users.iter().map(|u| u.user))
            .collect();
        if viewers == [world.alice.user] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Alice's view is not back: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The client asked for the team's signals before it set the view, so
    // Alice now receives Bob's typing without calling `presence` again.
    bob.typing(c).await.unwrap();
    let typing = next_typing(&mut alice_events).await;
    assert_eq!(
        (typing.conversation, typing.user, typing.typing),
        (c, world.bob.user, true)
    );
    server.server.shutdown().await;
}
