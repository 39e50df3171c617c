//! Delivering to a user: they become the only assignee, a teammate sees
//! the system message, the assignees and the outcome live, in order, and
//! the report counts each delivery.

use super::{next_events, statuses};
use crate::util::*;
use switchboard_client::{ReportQuery, Target};
use switchboard_protocol::deliver::{DeliveredTo, StatusCount};
use switchboard_protocol::ids::Seq;
use switchboard_protocol::model::{ConversationStatus, SenderKind};
use switchboard_protocol::server::Event;

#[tokio::test]
async fn delivering_to_a_user_assigns_them_and_a_teammate_sees_it_live() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    alice
        .update_team(world.team_a, statuses(&["Hired", "Rejected"]))
        .await
        .unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(conversation, "Hi Jordan").await.unwrap();
    bob.subscribe(world.team_a).await.unwrap();

    // Typed as text; the status matches whatever its case.
    let outcome = alice
        .send_deliver(conversation, "cmd-1", "^deliver @bob hired  call Monday ")
        .await
        .unwrap();
    assert_eq!(outcome.conversation, conversation);
    assert_eq!(outcome.team, world.team_a);
    assert_eq!(outcome.seq, Seq(2), "the system message takes the next seq");
    assert_eq!(outcome.by, world.alice.user);
    assert_eq!(outcome.by_name, "Alice");
    assert_eq!(
        outcome.to,
        DeliveredTo::User {
            user: world.bob.user,
            name: "Bob".into()
        }
    );
    assert_eq!(
        outcome.status.as_deref(),
        Some("Hired"),
        "the team's spelling"
    );
    assert_eq!(outcome.note.as_deref(), Some("call Monday"));

    // Bob sees the system message, the assignees and the outcome, in order.
    let frames = next_events(&mut bob_events, world.team_a, 3).await;
    let offsets: Vec<u64> = frames.iter().map(|f| f.offset.0).collect();
    assert_eq!(offsets[1], offsets[0] + 1);
    assert_eq!(offsets[2], offsets[1] + 1);
    match &frames[0].event {
        Event::Message(m) => {
            assert_eq!(m.sender.kind, SenderKind::System);
            assert_eq!(m.seq, Seq(2));
            assert_eq!(
                m.body,
                "Alice delivered to Bob — status Hired — note: call Monday"
            );
        }
        other => panic!("expected the system message, got {other:?}"),
    }
    match &frames[1].event {
        Event::Assignees(a) => assert_eq!(a.assignees, vec![world.bob.user]),
        other => panic!("expected assignees, got {other:?}"),
    }
    assert_eq!(frames[2].event, Event::Delivered(outcome.clone()));

    let page = bob.conversations(world.team_a, None, None).await.unwrap();
    let listed = &page.conversations[0];
    assert_eq!(listed.status, ConversationStatus::Delivered);
    assert_eq!(listed.assignees, vec![world.bob.user]);

    // Delivered again (typed frame): a new outcome, Alice the only assignee.
    let again = bob
        .deliver(
            conversation,
            Target::User("alice".into()),
            Some("Rejected".into()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(again.seq, Seq(3));
    let page = bob.conversations(world.team_a, None, None).await.unwrap();
    assert_eq!(page.conversations[0].assignees, vec![world.alice.user]);
    let report = alice
        .report(ReportQuery {
            team: Some(world.team_a),
            ..ReportQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(report.outcomes.total, 2);
    assert_eq!(report.outcomes.by_user.len(), 2);
    assert_eq!(
        report.conversations,
        [StatusCount {
            status: ConversationStatus::Delivered,
            count: 1
        }]
    );
}
