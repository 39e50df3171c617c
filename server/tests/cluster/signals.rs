//! Presence and typing across nodes: a user's devices on two nodes count
//! as one user online with two devices for a watcher on a third, typing
//! on one node shows on another, and the user goes offline only once the
//! last device on any node has left (after the grace window).

use crate::util::{connect, start_conversation, PATIENCE};
use crate::world::ClusterWorld;
use switchboard_client::{ClientEvent, Events};
use switchboard_protocol::ids::UserId;
use switchboard_protocol::presence::{PresenceChange, Signal, TypingChange};

/// The next signal, skipping events; panics after twice `PATIENCE` (the
/// grace window before an offline is 5 s).
async fn next_signal(events: &mut Events) -> Signal {
    loop {
        let event = tokio::time::timeout(PATIENCE * 2, events.next())
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

/// The next typing signal by `user`, skipping other signals.
async fn typing_of(events: &mut Events, user: UserId) -> TypingChange {
    loop {
        if let Signal::Typing(change) = next_signal(events).await {
            if change.user == user {
                return change;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn presence_and_typing_on_some_nodes_reach_a_watcher_on_another() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let (team, bob) = (cluster.world.team_a, cluster.world.bob.clone());
    let (alice, mut alice_events) = connect(&cluster.url(0), &cluster.world.alice.token).await;
    alice.subscribe(team).await.expect("alice subscribes on A");
    let state = alice.presence(team).await.expect("alice watches on A");
    assert!(state.signals, "subscribed, so signals flow");
    let conversation = start_conversation(&alice, team, "Casey").await;

    let (phone, _phone_events) = connect(&cluster.url(1), &bob.token).await;
    phone
        .subscribe(team)
        .await
        .expect("bob's phone subscribes on B");
    let seen = presence_of(&mut alice_events, bob.user).await;
    assert_eq!((seen.online, seen.devices), (true, 1), "bob online from B");

    let (laptop, _laptop_events) = connect(&cluster.url(2), &bob.token).await;
    laptop
        .subscribe(team)
        .await
        .expect("bob's laptop subscribes on C");
    let seen = presence_of(&mut alice_events, bob.user).await;
    assert_eq!(
        (seen.online, seen.devices),
        (true, 2),
        "one user, a device on B and one on C"
    );

    laptop.typing(conversation).await.expect("bob types on C");
    let typing = typing_of(&mut alice_events, bob.user).await;
    assert_eq!(
        (typing.conversation, typing.typing),
        (conversation, true),
        "A shows bob typing"
    );

    laptop
        .view(Some(conversation))
        .await
        .expect("bob opens the conversation on C");
    let viewing = tokio::time::timeout(PATIENCE, async {
        loop {
            if let Signal::Viewing(viewers) = next_signal(&mut alice_events).await {
                return viewers;
            }
        }
    })
    .await
    .expect("a viewing signal on A in time");
    assert_eq!(viewing.conversation, conversation);
    assert_eq!(
        viewing.users.iter().map(|v| v.user).collect::<Vec<_>>(),
        vec![bob.user],
        "A shows bob viewing"
    );

    phone.close().await;
    let seen = presence_of(&mut alice_events, bob.user).await;
    assert_eq!(
        (seen.online, seen.devices),
        (true, 1),
        "the device on C is left"
    );
    laptop.close().await;
    let seen = presence_of(&mut alice_events, bob.user).await;
    assert_eq!(
        (seen.online, seen.devices),
        (false, 0),
        "offline once no node has a device"
    );
}
