//! The agent's day through the SDK against a real server: a bridging bot
//! relays what contacts write, statuses follow the rules, the dashboard
//! shows who waits and for how long, and `next` hops to the conversation
//! that most needs the agent.

use crate::util::*;
use switchboard_client::{BotScope, Client, DashboardQuery, Events, SenderKind, Target};
use switchboard_protocol::command::Assignee;
use switchboard_protocol::dashboard::{DashboardRow, NextReason, View};
use switchboard_protocol::ids::ConversationId;
use switchboard_protocol::model::{ConversationStatus, Message};
use switchboard_protocol::ErrorCode;

/// A read-write bot of team A, connected: the channel bridge.
async fn bridge(url: &str, manager: &Client, world: &World) -> Client {
    let bot = manager
        .create_bot(world.team_a, "SMS bridge", BotScope::ReadWrite)
        .await
        .unwrap();
    connect(url, &bot.token).await.0
}

/// The next message event of a conversation, skipping everything else.
async fn next_message_in(events: &mut Events, conversation: ConversationId) -> Message {
    loop {
        let message = next_message(events).await;
        if message.conversation == conversation {
            return message;
        }
    }
}

/// A fresh seeded server with Alice (Manager) connected, Bob (Member)
/// connected and subscribed to team A, his events, and the bridge bot
/// Alice created. The folder and the server must outlive the clients.
async fn desk() -> (
    tempfile::TempDir,
    TestServer,
    World,
    Client,
    Client,
    Events,
    Client,
) {
    let (dir, server, world) = seeded().await;
    let url = server.url();
    let (alice, _) = connect(&url, &world.alice.token).await;
    let (bob, bob_events) = connect(&url, &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let bridge = bridge(&url, &alice, &world).await;
    (dir, server, world, alice, bob, bob_events, bridge)
}

/// Team A's dashboard row of `conversation`, as `client` sees it.
async fn row(client: &Client, world: &World, conversation: ConversationId) -> DashboardRow {
    let page = client
        .dashboard(world.team_a, DashboardQuery::default())
        .await
        .unwrap();
    page.rows
        .into_iter()
        .find(|r| r.conversation == conversation)
        .expect("the conversation is on the dashboard")
}

#[tokio::test]
async fn a_relayed_contact_message_makes_it_waiting_and_a_reply_opens_it_live() {
    let (_dir, _server, world, alice, bob, mut bob_events, bridge) = desk().await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    assert_eq!(
        row(&bob, &world, conversation).await.status,
        ConversationStatus::Open
    );

    let ack = bridge
        .send_as_contact(conversation, "sms-1", "Is the job still open?")
        .await
        .unwrap();
    let seen = next_message_in(&mut bob_events, conversation).await;
    assert_eq!(seen.sender.kind, SenderKind::Contact);
    assert_eq!(seen.sender.name, "Jordan");
    assert_eq!(seen.status, Some(ConversationStatus::Waiting));
    let waiting = row(&bob, &world, conversation).await;
    assert_eq!(waiting.status, ConversationStatus::Waiting);
    assert_eq!(waiting.waiting_since, Some(ack.at));
    assert_eq!(waiting.unread, 1);

    // A second message from the contact changes no status; the wait still
    // counts from the first.
    bridge
        .send_as_contact(conversation, "sms-2", "Hello?")
        .await
        .unwrap();
    assert_eq!(
        next_message_in(&mut bob_events, conversation).await.status,
        None
    );
    let still = row(&bob, &world, conversation).await;
    assert_eq!(still.waiting_since, Some(ack.at));
    assert!(still.waited_ms >= still.last_at.0 - ack.at.0);

    // The bridge relaying the same SMS again stores nothing twice.
    let again = bridge
        .send_as_contact(conversation, "sms-1", "Is the job still open?")
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.seq, ack.seq);

    bob.send(conversation, "Yes! When can you talk?")
        .await
        .unwrap();
    let reply = next_message_in(&mut bob_events, conversation).await;
    assert_eq!(reply.status, Some(ConversationStatus::Open));
    let open = row(&bob, &world, conversation).await;
    assert_eq!(open.status, ConversationStatus::Open);
    assert_eq!(open.waiting_since, None);
    assert_eq!(open.last_seq, reply.seq);
}

#[tokio::test]
async fn only_a_read_write_bot_speaks_as_the_contact() {
    let (_dir, server, world) = seeded().await;
    let url = server.url();
    let (alice, _) = connect(&url, &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let reader = alice
        .create_bot(world.team_a, "Reader", BotScope::Read)
        .await
        .unwrap();
    let (reader, _) = connect(&url, &reader.token).await;
    let (carol, _) = connect(&url, &world.carol.token).await;
    assert_eq!(
        code(
            alice
                .send_as_contact(conversation, "x1", "I am the contact")
                .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(reader.send_as_contact(conversation, "x2", "me too").await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            carol
                .send_as_contact(conversation, "x3", "from outside")
                .await
        ),
        ErrorCode::NotFound
    );
    let history = alice
        .history(conversation, Default::default())
        .await
        .unwrap();
    assert!(history.messages.is_empty(), "nothing was stored");
    assert_eq!(
        row(&alice, &world, conversation).await.status,
        ConversationStatus::Open
    );
}

#[tokio::test]
async fn next_hops_to_my_longest_waiting_then_to_the_longest_waiting_unassigned() {
    let (_dir, server, world) = seeded().await;
    let url = server.url();
    let (alice, _) = connect(&url, &world.alice.token).await;
    let (bob, _) = connect(&url, &world.bob.token).await;
    let bridge = bridge(&url, &alice, &world).await;
    let nobody_waits = bob.next(world.team_a).await.unwrap();
    assert_eq!((nobody_waits.row, nobody_waits.reason), (None, None));

    let first = start_conversation(&alice, world.team_a, "First").await;
    let second = start_conversation(&alice, world.team_a, "Second").await;
    let third = start_conversation(&alice, world.team_a, "Third").await;
    for (i, conversation) in [first, second, third].into_iter().enumerate() {
        bridge
            .send_as_contact(conversation, format!("m{i}"), "hello")
            .await
            .unwrap();
    }
    alice
        .assign(third, Assignee::User("bob".into()))
        .await
        .unwrap();

    let bobs = bob.next(world.team_a).await.unwrap();
    assert_eq!(bobs.row.map(|r| r.conversation), Some(third));
    assert_eq!(bobs.reason, Some(NextReason::Assigned));
    let alices = alice.next(world.team_a).await.unwrap();
    assert_eq!(alices.row.map(|r| r.conversation), Some(first));
    assert_eq!(alices.reason, Some(NextReason::Unassigned));

    // Bob answers his; the longest-waiting unassigned one is next for him.
    bob.send(third, "Hi Third").await.unwrap();
    let after = bob.next(world.team_a).await.unwrap();
    assert_eq!(after.row.map(|r| r.conversation), Some(first));

    // The dashboard agrees: waiting first, longest first; Bob's view has
    // his one conversation.
    let all = alice
        .dashboard(world.team_a, DashboardQuery::default())
        .await
        .unwrap();
    let order: Vec<_> = all
        .rows
        .iter()
        .map(|r| (r.conversation, r.status))
        .collect();
    assert_eq!(
        order,
        vec![
            (first, ConversationStatus::Waiting),
            (second, ConversationStatus::Waiting),
            (third, ConversationStatus::Open),
        ]
    );
    assert_eq!((all.counts.waiting, all.counts.open), (2, 1));
    let mine = bob
        .dashboard(
            world.team_a,
            DashboardQuery {
                view: View::Mine,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mine: Vec<_> = mine.rows.iter().map(|r| r.conversation).collect();
    assert_eq!(mine, vec![third]);
    let waiting_unassigned = bob
        .dashboard(
            world.team_a,
            DashboardQuery {
                view: View::Unassigned,
                status: Some(ConversationStatus::Waiting),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(waiting_unassigned.rows[0].conversation, first);
    let rest = bob
        .dashboard(
            world.team_a,
            DashboardQuery {
                view: View::Unassigned,
                status: Some(ConversationStatus::Waiting),
                after: waiting_unassigned.next,
                limit: Some(1),
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.rows.len(), 1);
    assert_eq!(rest.rows[0].conversation, second);
    assert_eq!(rest.next, None);
}

#[tokio::test]
async fn unread_counts_follow_each_users_read_marker() {
    let (_dir, server, world) = seeded().await;
    let url = server.url();
    let (alice, _) = connect(&url, &world.alice.token).await;
    let (bob, _) = connect(&url, &world.bob.token).await;
    let bridge = bridge(&url, &alice, &world).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let mut last = None;
    for i in 0..3 {
        last = Some(
            bridge
                .send_as_contact(conversation, format!("m{i}"), "ping")
                .await
                .unwrap(),
        );
    }
    let last = last.unwrap();
    bob.mark_read(conversation, last.seq).await.unwrap();
    assert_eq!(row(&bob, &world, conversation).await.unread, 0);
    assert_eq!(row(&alice, &world, conversation).await.unread, 3);
}

#[tokio::test]
async fn an_agents_own_messages_never_count_as_unread_for_them() {
    let (_dir, server, world) = seeded().await;
    let url = server.url();
    let (alice, _) = connect(&url, &world.alice.token).await;
    let (bob, _) = connect(&url, &world.bob.token).await;
    let bridge = bridge(&url, &alice, &world).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    for i in 0..2 {
        bridge
            .send_as_contact(conversation, format!("m{i}"), "ping")
            .await
            .unwrap();
    }
    // Alice answers what she read: her reply is read for her, and so is
    // what came before it.
    alice.send(conversation, "On it").await.unwrap();
    assert_eq!(row(&alice, &world, conversation).await.unread, 0);
    bridge
        .send_as_contact(conversation, "m2", "thanks")
        .await
        .unwrap();
    let alices = row(&alice, &world, conversation).await;
    assert_eq!(alices.unread, 1, "only the contact's newest message");
    assert_eq!(alices.read_seq.0, alices.last_seq.0 - 1);
    assert_eq!(
        row(&bob, &world, conversation).await.unread,
        4,
        "Bob read nothing"
    );
}

#[tokio::test]
async fn the_dashboard_is_the_teams_alone() {
    let (_dir, server, world) = seeded().await;
    let url = server.url();
    let _store = server.server.store();
    let (alice, _) = connect(&url, &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let dave = restricted_member(
        &server,
        conversation,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );
    let (dave, _) = connect(&url, &dave.token).await;
    let (carol, _) = connect(&url, &world.carol.token).await;
    for client in [&dave, &carol] {
        assert_eq!(
            code(
                client
                    .dashboard(world.team_a, DashboardQuery::default())
                    .await
            ),
            ErrorCode::NotFound
        );
        assert_eq!(code(client.next(world.team_a).await), ErrorCode::NotFound);
    }
    let zero = DashboardQuery {
        limit: Some(0),
        ..Default::default()
    };
    assert_eq!(
        code(alice.dashboard(world.team_a, zero).await),
        ErrorCode::BadRequest
    );
}

#[tokio::test]
async fn statuses_waits_and_assignees_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let world = seed(server.server.store().as_ref());
    let url = server.url();
    let (alice, _) = connect(&url, &world.alice.token).await;
    let bridge = bridge(&url, &alice, &world).await;
    let waiting = start_conversation(&alice, world.team_a, "Waiting").await;
    let answered = start_conversation(&alice, world.team_a, "Answered").await;
    let since = bridge
        .send_as_contact(waiting, "w1", "hello?")
        .await
        .unwrap()
        .at;
    bridge
        .send_as_contact(answered, "a1", "hello?")
        .await
        .unwrap();
    alice.send(answered, "hi!").await.unwrap();
    alice
        .assign(waiting, Assignee::User("bob".into()))
        .await
        .unwrap();
    drop((alice, bridge));
    server.server.shutdown().await;

    let server = TestServer::start(dir.path()).await;
    let (alice, _) = connect(&server.url(), &world.alice.token).await;
    let before = row(&alice, &world, waiting).await;
    assert_eq!(before.status, ConversationStatus::Waiting);
    assert_eq!(before.waiting_since, Some(since));
    assert_eq!(before.assignees, vec![world.bob.user]);
    let listed = alice.conversations(world.team_a, None, None).await.unwrap();
    let listed = listed
        .conversations
        .iter()
        .find(|c| c.id == waiting)
        .expect("listed");
    assert_eq!(listed.assignees, vec![world.bob.user]);
    assert_eq!(
        row(&alice, &world, answered).await.status,
        ConversationStatus::Open
    );
    // Bob's queue holds it; nobody else's does, since it is his.
    let (bob, _) = connect(&server.url(), &world.bob.token).await;
    let bobs = bob.next(world.team_a).await.unwrap();
    assert_eq!(bobs.row.map(|r| r.conversation), Some(waiting));
    assert_eq!(bobs.reason, Some(NextReason::Assigned));
    assert_eq!(alice.next(world.team_a).await.unwrap().row, None);
}

#[tokio::test]
async fn a_delivered_conversation_stays_delivered_until_the_contact_writes_again() {
    let (_dir, _server, world, alice, bob, mut bob_events, bridge) = desk().await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    bridge
        .send_as_contact(conversation, "m1", "Any news?")
        .await
        .unwrap();
    alice
        .deliver(conversation, Target::User("bob".into()), None, None)
        .await
        .unwrap();
    let delivered = row(&bob, &world, conversation).await;
    assert_eq!(delivered.status, ConversationStatus::Delivered);
    assert_eq!(delivered.assignees, vec![world.bob.user]);
    assert_eq!(bob.next(world.team_a).await.unwrap().row, None);

    // The team writing leaves it delivered.
    bob.send(conversation, "All set, see you Monday")
        .await
        .unwrap();
    assert_eq!(
        row(&bob, &world, conversation).await.status,
        ConversationStatus::Delivered
    );

    // The contact writing reopens it, in Bob's queue since he is assigned.
    let ack = bridge
        .send_as_contact(conversation, "m2", "One more question")
        .await
        .unwrap();
    loop {
        let message = next_message_in(&mut bob_events, conversation).await;
        if message.seq == ack.seq {
            assert_eq!(message.status, Some(ConversationStatus::Waiting));
            break;
        }
    }
    let reopened = row(&bob, &world, conversation).await;
    assert_eq!(reopened.status, ConversationStatus::Waiting);
    assert_eq!(reopened.waiting_since, Some(ack.at));
    let next = bob.next(world.team_a).await.unwrap();
    assert_eq!(next.row.map(|r| r.conversation), Some(conversation));
    assert_eq!(next.reason, Some(NextReason::Assigned));
}
