//! Delivering to another team of the account: its members get a new
//! conversation with the history copied, live and in history, waiting in
//! their queue; the delivering team's report counts the outcome.

use super::next_events;
use crate::restricted::outsider;
use crate::util::*;
use std::collections::BTreeSet;
use switchboard_client::{ReportQuery, Target};
use switchboard_protocol::deliver::{DeliveredTo, Destination, StatusCount};
use switchboard_protocol::model::{ConversationStatus, Message, Role, SenderKind};
use switchboard_protocol::server::Event;
use switchboard_protocol::ErrorCode;
use switchboard_server::admin;

#[tokio::test]
async fn delivering_to_a_team_copies_the_history_to_its_members_live_and_in_history() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let dana = outsider(store.as_ref(), "dana@one.test", "Dana");
    admin::add_member(store.as_ref(), world.team_sales, dana.user, Role::Member).unwrap();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (dana_client, mut dana_events) = connect(&server.url(), &dana.token).await;
    dana_client.subscribe(world.team_sales).await.unwrap();

    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let first = alice.send(conversation, "Hi Jordan").await.unwrap();
    alice.send(conversation, "Second").await.unwrap();
    let outcome = alice
        .deliver(
            conversation,
            Target::Team("SALES".into()),
            Some("qualified".into()),
            Some("over to you".into()),
        )
        .await
        .unwrap();
    let DeliveredTo::Team {
        team,
        ref name,
        conversation: received,
    } = outcome.to
    else {
        panic!("delivered to a team: {outcome:?}");
    };
    assert_eq!((team, name.as_str()), (world.team_sales, "Team Sales"));

    // Live: the new conversation, the two messages, the handoff message.
    let frames = next_events(&mut dana_events, world.team_sales, 4).await;
    match &frames[0].event {
        Event::ConversationStarted(info) => {
            assert_eq!(info.id, received);
            assert_eq!(info.team, world.team_sales);
            assert_eq!(info.contact.name, "Jordan");
            // Handed over, the contact waits for the receiving team.
            assert_eq!(info.status, ConversationStatus::Waiting);
        }
        other => panic!("expected the new conversation, got {other:?}"),
    }
    let live: Vec<Message> = frames[1..]
        .iter()
        .map(|f| match &f.event {
            Event::Message(m) => m.clone(),
            other => panic!("expected a message, got {other:?}"),
        })
        .collect();
    let history = all_messages(&dana_client, received).await;
    assert_eq!(history, live, "history holds what was seen live");
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Hi Jordan",
            "Second",
            "Alice handed this conversation over from Team A — status qualified — note: over to you"
        ]
    );
    let seqs: Vec<u64> = history.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(
        history[0].sender.id, world.alice.user.0,
        "the sender is kept"
    );
    assert_eq!(history[0].sender.kind, SenderKind::Agent);
    assert_eq!(history[0].at, first.at, "the time is kept");
    assert_eq!(history[2].sender.kind, SenderKind::System);
    assert_eq!(
        history.iter().map(|m| m.status).collect::<Vec<_>>(),
        [None, None, Some(ConversationStatus::Waiting)],
        "copies carry no status; the handoff sets waiting"
    );
    // The receiving team's queue offers it: waiting since the handoff.
    let next = dana_client.next(world.team_sales).await.unwrap();
    let row = next.row.expect("the handed-over conversation waits");
    assert_eq!(row.conversation, received);
    assert_eq!(row.waiting_since, Some(history[2].at));

    // The delivering side: delivered, its own system message.
    let source = all_messages(&alice, conversation).await;
    assert_eq!(
        source.last().map(|m| m.body.as_str()),
        Some("Alice delivered to Team Sales — status qualified — note: over to you")
    );
    let page = alice.conversations(world.team_a, None, None).await.unwrap();
    assert_eq!(page.conversations[0].status, ConversationStatus::Delivered);
    assert_eq!(
        source.last().and_then(|m| m.status),
        Some(ConversationStatus::Delivered),
        "the delivery's message carries the status it set"
    );

    // The report of the delivering team counts the outcome.
    let report = alice
        .report(ReportQuery {
            team: Some(world.team_a),
            ..ReportQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(report.teams, [world.team_a]);
    assert_eq!(report.outcomes.total, 1);
    assert_eq!(report.outcomes.by_team[0].team, world.team_a);
    assert_eq!(
        report.outcomes.by_destination[0].to,
        Destination::Team {
            team: world.team_sales
        }
    );
    assert_eq!(
        report.outcomes.by_status[0].status.as_deref(),
        Some("qualified")
    );
    // Every team Alice manages: both of account 1, the receiving one's
    // conversation waiting.
    let all = alice.report(ReportQuery::default()).await.unwrap();
    assert_eq!(
        all.teams.iter().collect::<BTreeSet<_>>(),
        [world.team_a, world.team_sales].iter().collect()
    );
    assert_eq!(all.outcomes.total, 1);
    assert_eq!(
        all.conversations,
        [
            StatusCount {
                status: ConversationStatus::Delivered,
                count: 1
            },
            StatusCount {
                status: ConversationStatus::Waiting,
                count: 1
            },
        ]
    );
    // Members may not read reports; outsiders learn nothing.
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let query = ReportQuery {
        team: Some(world.team_a),
        ..ReportQuery::default()
    };
    assert_eq!(refusal(bob.report(query).await).0, ErrorCode::Forbidden);
    assert_eq!(
        refusal(bob.report(ReportQuery::default()).await).0,
        ErrorCode::Forbidden
    );
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    assert_eq!(refusal(carol.report(query).await).0, ErrorCode::NotFound);
}
