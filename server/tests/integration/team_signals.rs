//! The team-level signals through the SDK against a real server: a Member
//! who asked for signals hears of a Manager's `update_team` (the new
//! settings) and `add_member` (re-read the members) as they happen; a
//! Restricted Member of the team hears of neither.

use crate::util::*;
use switchboard_client::{Client, ClientEvent, Events, Role, Signal, TeamChanges};
use switchboard_protocol::ids::TeamId;

/// Subscribes to a team and asks for its signals (a `presence` request).
async fn watch(client: &Client, team: TeamId) {
    client.subscribe(team).await.unwrap();
    let state = client.presence(team).await.unwrap();
    assert!(state.signals, "subscribed, so signals flow");
}

/// The next signal that is not about presence, skipping events.
async fn next_team_signal(events: &mut Events) -> (TeamId, Signal) {
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("a signal in time")
            .expect("the event stream is open");
        if let ClientEvent::Signal(frame) = event {
            if !matches!(frame.signal, Signal::Presence(_)) {
                return (frame.team, frame.signal);
            }
        }
    }
}

#[tokio::test]
async fn a_member_hears_of_team_and_member_changes_and_a_restricted_member_does_not() {
    let (_dir, server, world) = seeded().await;
    let team = world.team_a;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    watch(&bob, team).await;
    let granted = start_conversation(&alice, team, "Jordan").await;
    let dave = restricted_member(
        &server,
        granted,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );
    let (dave_client, mut dave_events) = connect(&server.url(), &dave.token).await;
    watch(&dave_client, team).await;

    let changes = TeamChanges {
        name: Some("Recruiting".into()),
        statuses: Some(vec!["interview".into(), "hired".into()]),
        ..TeamChanges::default()
    };
    alice.update_team(team, changes).await.unwrap();
    match next_team_signal(&mut bob_events).await {
        (from, Signal::TeamChanged(change)) => {
            assert_eq!(from, team);
            assert_eq!(change.name, "Recruiting");
            assert_eq!(change.statuses, ["interview", "hired"]);
            assert_eq!(change.identity, "+1 555 0001", "unchanged fields too");
        }
        other => panic!("Bob should hear of the new settings first: {other:?}"),
    }

    let added = alice
        .add_member(team, "erin@one.test", Role::Member, Some("Erin".into()))
        .await
        .unwrap();
    assert!(added.invited);
    match next_team_signal(&mut bob_events).await {
        (from, Signal::MembersChanged(change)) => assert_eq!((from, change.team), (team, team)),
        other => panic!("Bob should hear that the members changed: {other:?}"),
    }
    let members = bob.members(team).await.unwrap();
    assert!(members.members.iter().any(|m| m.user.name == "Erin"));

    // Then something Dave may hear: typing in his own conversation. It is
    // the first signal he gets, so neither change reached him.
    alice.typing(granted).await.unwrap();
    match next_team_signal(&mut dave_events).await {
        (_, Signal::Typing(change)) => assert_eq!(change.conversation, granted),
        other => panic!("Dave should hear of no team change: {other:?}"),
    }
}
