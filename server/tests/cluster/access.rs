//! The permission matrix's live events across nodes, in a smaller form:
//! the matrix's own event harness (`tests/integration/matrix/events.rs`)
//! drives one in-process server, so here the rows that can go wrong
//! between nodes are checked with subscribers spread over them. Events
//! happen on node A; a Restricted Member on C receives exactly their
//! conversation's, a Member on B all of the team's, and someone of another
//! account on C is told the team does not exist. And a logout on one node
//! closes the token's connections on the others (4001), and a role changed
//! on one node closes the user's connections on another (4009).

use crate::api_client::log_out;
use crate::util::{close_code, code, connect, start_conversation, PATIENCE};
use crate::world::ClusterWorld;
use std::time::Duration;
use switchboard_client::{ClientEvent, ContactChanges, Events, HistoryQuery};
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::model::Role;
use switchboard_protocol::server::{Event, EventFrame};
use switchboard_protocol::{close, ErrorCode};

/// How long a listener keeps listening after its sentinel.
const DRAIN: Duration = Duration::from_millis(300);

/// What a listener saw: each event's conversation and, for a message, its
/// body.
type Seen = Vec<(Option<ConversationId>, Option<String>)>;

/// Events until the message "sentinel", then for [`DRAIN`] more.
async fn until_sentinel(events: &mut Events) -> Seen {
    let mut seen = Vec::new();
    let mut sentinel = false;
    loop {
        let wait = if sentinel { DRAIN } else { PATIENCE * 2 };
        let Ok(next) = tokio::time::timeout(wait, events.next()).await else {
            assert!(sentinel, "no sentinel in time; saw {seen:?}");
            return seen;
        };
        match next.expect("the event stream is open") {
            ClientEvent::Event(EventFrame { event, .. }) => {
                let body = match &event {
                    Event::Message(m) => Some(m.body.clone()),
                    _ => None,
                };
                sentinel |= body.as_deref() == Some("sentinel");
                seen.push((event.conversation(), body));
            }
            ClientEvent::Disconnected { code, reason } => {
                panic!("disconnected while listening: {code:?} {reason}")
            }
            _ => continue,
        }
    }
}

/// The bodies of the messages seen, in order.
fn bodies(seen: &Seen) -> Vec<&str> {
    seen.iter()
        .filter_map(|(_, body)| body.as_deref())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restricted_member_on_one_node_gets_only_their_conversation_of_events_sent_on_another() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let world = &cluster.world;
    let team = world.team_a;
    let (alice, _alice_events) = connect(&cluster.url(0), &world.alice.token).await;
    let c = start_conversation(&alice, team, "Casey").await;
    let d = start_conversation(&alice, team, "Dana").await;
    let rachel = cluster.restricted_member(c, "rachel@guest.test");

    let (member, mut member_events) = connect(&cluster.url(1), &world.bob.token).await;
    member
        .subscribe(team)
        .await
        .expect("a Member subscribes on B");
    let (restricted, mut restricted_events) = connect(&cluster.url(2), &rachel.token).await;
    restricted
        .subscribe(team)
        .await
        .expect("a Restricted Member subscribes on C");
    let (stranger, _stranger_events) = connect(&cluster.url(2), &world.carol.token).await;
    let refused = stranger.subscribe(team).await;
    assert_eq!(
        code(refused),
        ErrorCode::NotFound,
        "another account's user is told no such team"
    );

    alice.send(c, "for rachel").await.expect("sent in C");
    alice.send(d, "not for rachel").await.expect("sent in D");
    let changes = ContactChanges {
        email: Some("dana@contact.test".into()),
        ..ContactChanges::default()
    };
    alice
        .update_contact(d, changes)
        .await
        .expect("D's contact updated");
    alice.send(c, "sentinel").await.expect("sentinel in C");

    let seen = until_sentinel(&mut restricted_events).await;
    assert!(
        seen.iter()
            .all(|(conversation, _)| *conversation == Some(c)),
        "only C's events reach the Restricted Member: {seen:?}"
    );
    assert_eq!(
        bodies(&seen),
        ["for rachel", "sentinel"],
        "C's messages, in order"
    );

    let seen = until_sentinel(&mut member_events).await;
    assert_eq!(
        bodies(&seen),
        ["for rachel", "not for rachel", "sentinel"],
        "every message of the team, in order"
    );
    assert!(
        seen.iter()
            .any(|(conversation, body)| *conversation == Some(d) && body.is_none()),
        "the Member gets D's contact update"
    );

    let history = restricted
        .history(c, HistoryQuery::latest())
        .await
        .expect("C's history on C");
    let read: Vec<&str> = history.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        read,
        ["for rachel", "sentinel"],
        "the Restricted Member reads C's history"
    );
    let hidden = restricted.history(d, HistoryQuery::latest()).await;
    assert_eq!(
        code(hidden),
        ErrorCode::NotFound,
        "D does not exist for the Restricted Member"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_logout_on_one_node_closes_the_tokens_connections_on_the_others_with_4001() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let (team, bob) = (cluster.world.team_a, cluster.world.bob.token.clone());
    let (on_b, mut events_b) = connect(&cluster.url(1), &bob).await;
    let (on_c, mut events_c) = connect(&cluster.url(2), &bob).await;
    on_b.subscribe(team).await.expect("subscribed on B");
    on_c.subscribe(team).await.expect("subscribed on C");
    // Another user's connection on the same node is not concerned.
    let (alice, _alice_events) = connect(&cluster.url(1), &cluster.world.alice.token).await;

    let answer = log_out(cluster.nodes[0].addr(), &bob).await;
    assert_eq!(answer.status, 204, "the logout on A is accepted");
    for (node, events) in [("B", &mut events_b), ("C", &mut events_c)] {
        let closed = close_code(events).await;
        assert_eq!(
            closed,
            Some(close::UNAUTHORIZED),
            "the connection on {node} is closed"
        );
    }
    alice
        .ping()
        .await
        .expect("alice's connection on B stays open");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_changed_on_one_node_closes_the_user_s_connections_on_another_with_4009() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let (team, bob) = (cluster.world.team_a, cluster.world.bob.clone());
    let (on_c, mut events_c) = connect(&cluster.url(2), &bob.token).await;
    on_c.subscribe(team).await.expect("subscribed on C");
    let (alice, _alice_events) = connect(&cluster.url(0), &cluster.world.alice.token).await;

    let promoted = alice
        .set_role(team, bob.user, Role::Manager)
        .await
        .expect("alice promotes bob on A");
    assert_eq!(promoted.member.role, Role::Manager);
    // C closes bob's connection with 4009; the SDK comes back with his
    // new access, which C reads from the cluster.
    let welcome = tokio::time::timeout(PATIENCE, async {
        let mut closed = None;
        loop {
            match events_c.next().await.expect("the event stream is open") {
                ClientEvent::Disconnected { code, .. } if closed.is_none() => closed = Some(code),
                ClientEvent::Reconnected { welcome } => return (closed, welcome),
                ClientEvent::Closed { code, reason } => {
                    panic!("closed for good: {code:?} {reason}")
                }
                _ => continue,
            }
        }
    })
    .await
    .expect("C closed and welcomed bob again in time");
    assert_eq!(
        welcome.0,
        Some(Some(close::ACCESS_CHANGED)),
        "closed with 4009 on C"
    );
    let role = welcome
        .1
        .teams
        .iter()
        .find(|t| t.id == team)
        .map(|t| t.role);
    assert_eq!(role, Some(Role::Manager), "his new role, on C");
}
