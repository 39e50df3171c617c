//! `^assign` and `^unassign`, typed into a send and as their own frames:
//! who sees the change live, and what is refused without a trace.

use crate::util::*;
use switchboard_client::{Assignee, Client, ClientEvent, Events, HistoryQuery};
use switchboard_protocol::assign::Assignees;
use switchboard_protocol::ids::{ConversationId, UserId};
use switchboard_protocol::model::{Message, SenderKind};
use switchboard_protocol::server::{Event, EventFrame};
use switchboard_protocol::ErrorCode;
use switchboard_server::admin;
use switchboard_server::store::Store;

/// The next system message and the `assignees` event that follows it.
async fn next_change(events: &mut Events) -> (Message, Assignees) {
    let mut message = None;
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the event stream is open");
        let ClientEvent::Event(EventFrame { event, .. }) = event else {
            continue;
        };
        match event {
            Event::Message(m) if m.sender.kind == SenderKind::System => message = Some(m),
            Event::Assignees(a) => {
                let message = message.expect("the system message comes first");
                return (message, a);
            }
            _ => {}
        }
    }
}

async fn bodies(client: &Client, conversation: ConversationId) -> Vec<String> {
    let page = client
        .history(conversation, HistoryQuery::default())
        .await
        .unwrap();
    page.messages.into_iter().map(|m| m.body).collect()
}

fn handle(store: &dyn Store, user: UserId) -> String {
    store.user(user).unwrap().expect("the user exists").handle
}

#[tokio::test]
async fn assign_me_typed_as_text_reaches_both_agents_live_and_shows_in_conversations() {
    let (_dir, server, world) = seeded().await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    alice.subscribe(world.team_a).await.unwrap();
    bob.subscribe(world.team_a).await.unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(conversation, "Hi Jordan").await.unwrap();

    let now = alice
        .send_command(conversation, "cmd-1", "^assign me")
        .await
        .unwrap();
    assert_eq!(now.assignees, vec![world.alice.user]);

    for events in [&mut alice_events, &mut bob_events] {
        let (message, assignees) = next_change(events).await;
        assert_eq!(message.body, "Alice assigned themself");
        assert_eq!(message.seq.0, 2, "the system message takes the next seq");
        assert_eq!(message.client_msg_id, None);
        assert_eq!(assignees, now);
    }
    let page = bob.conversations(world.team_a, None, None).await.unwrap();
    assert_eq!(page.conversations[0].assignees, vec![world.alice.user]);

    // Assigning again changes nothing and writes nothing.
    let again = alice
        .send_command(conversation, "cmd-2", "^ASSIGN Me")
        .await
        .unwrap();
    assert_eq!(again, now);
    assert_eq!(
        bodies(&bob, conversation).await,
        ["Hi Jordan", "Alice assigned themself"]
    );
}

#[tokio::test]
async fn a_typed_assign_names_a_member_by_handle_and_unassign_takes_them_off() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    // Handles match whatever the case.
    let bob_handle = handle(store.as_ref(), world.bob.user).to_uppercase();

    let assigned = alice
        .assign(conversation, Assignee::User(bob_handle.clone()))
        .await
        .unwrap();
    assert_eq!(assigned, vec![world.bob.user]);
    let (message, event) = next_change(&mut bob_events).await;
    assert_eq!(message.body, "Alice assigned Bob");
    assert_eq!(event.assignees, vec![world.bob.user]);

    let both = bob.assign(conversation, Assignee::Me).await.unwrap();
    assert_eq!(both, vec![world.bob.user], "already assigned: unchanged");

    let left = alice
        .unassign(conversation, Assignee::User(bob_handle.clone()))
        .await
        .unwrap();
    assert!(left.is_empty());
    let (message, event) = next_change(&mut bob_events).await;
    assert_eq!(message.body, "Alice unassigned Bob");
    assert!(event.assignees.is_empty());

    let unchanged = bob.unassign(conversation, Assignee::Me).await.unwrap();
    assert!(unchanged.is_empty(), "not assigned: unchanged");
    // Typed as text, unassign works too.
    alice.assign(conversation, Assignee::Me).await.unwrap();
    let after = alice
        .send_command(conversation, "cmd-3", "^unassign me")
        .await
        .unwrap();
    assert!(after.assignees.is_empty());
    assert_eq!(
        bodies(&alice, conversation).await,
        [
            "Alice assigned Bob",
            "Alice unassigned Bob",
            "Alice assigned themself",
            "Alice unassigned themself"
        ]
    );
}

#[tokio::test]
async fn refused_assignments_answer_precisely_and_store_nothing() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(conversation, "Hi Jordan").await.unwrap();

    // Dave: a Restricted Member of this conversation.
    let dave = restricted_member(
        &server,
        conversation,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );
    // Pat: a Member of a sibling team of the same account.
    let sibling =
        admin::create_team(store.as_ref(), world.account_1, "Sib", "sib", "+1 555 0009").unwrap();
    member_of(store.as_ref(), sibling.id, "pat@one.test", "Pat", "pat");

    let dave_handle = handle(store.as_ref(), dave.user);
    let (code, message) = refusal(
        alice
            .assign(conversation, Assignee::User(dave_handle.clone()))
            .await,
    );
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("^invite"), "{message}");
    assert!(message.contains(&format!("@{dave_handle}")), "{message}");

    let (code, message) = refusal(
        alice
            .send_command(conversation, "cmd-pat", "^assign @pat")
            .await,
    );
    assert_eq!(code, ErrorCode::BadCommand);
    assert_eq!(
        message,
        "@pat is not a member of this team: invite them into this conversation with ^invite EMAIL"
    );

    let (code, message) = refusal(
        alice
            .assign(conversation, Assignee::User("nobody".into()))
            .await,
    );
    assert_eq!(code, ErrorCode::BadCommand);
    assert_eq!(message, "no member @nobody in this team");

    // Another account's users are not searched: unknown, not "invite".
    let carol_handle = handle(store.as_ref(), world.carol.user);
    let (code, message) = refusal(
        alice
            .assign(conversation, Assignee::User(carol_handle.clone()))
            .await,
    );
    assert_eq!(code, ErrorCode::BadCommand);
    assert_eq!(message, format!("no member @{carol_handle} in this team"));

    let (code, message) = refusal(
        alice
            .send_command(conversation, "cmd-bad", "^assign bob")
            .await,
    );
    assert_eq!(code, ErrorCode::BadCommand);
    assert!(message.contains("^assign @user | ^assign me"), "{message}");

    // A Restricted Member sees the conversation but may not run commands.
    let (dave_client, _dave_events) = connect(&server.url(), &dave.token).await;
    let (code, _) = refusal(
        dave_client
            .send_command(conversation, "cmd-dave", "^assign me")
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(dave_client.assign(conversation, Assignee::Me).await);
    assert_eq!(code, ErrorCode::Forbidden);
    // An outsider learns nothing of the conversation.
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let (code, _) = refusal(carol.assign(conversation, Assignee::Me).await);
    assert_eq!(code, ErrorCode::NotFound);

    assert_eq!(bodies(&alice, conversation).await, ["Hi Jordan"]);
    let page = alice.conversations(world.team_a, None, None).await.unwrap();
    assert!(page.conversations[0].assignees.is_empty());
}
