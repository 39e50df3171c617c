//! Refused deliveries, typed or as a frame: each answers precisely why,
//! and none leaves a message, a status or a copy behind.

use super::statuses;
use crate::util::*;
use switchboard_client::Target;
use switchboard_protocol::model::ConversationStatus;
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn refused_deliveries_answer_precisely_and_change_nothing() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice.send(conversation, "Hi Jordan").await.unwrap();
    // Pat: a Member of the sibling team, not of team A.
    member_of(
        store.as_ref(),
        world.team_sales,
        "pat@one.test",
        "Pat",
        "pat",
    );
    // Dave: a Restricted Member of the conversation.
    let dave = restricted_member(
        &server,
        conversation,
        "dave@guest.test",
        "Dave",
        world.alice.user,
    );

    let typed = |n: &str, body: &str| {
        let alice = alice.clone();
        let (id, body) = (format!("cmd-{n}"), body.to_string());
        async move { refusal(alice.send_deliver(conversation, id, body).await) }
    };
    // No statuses configured: only a delivery without one passes.
    alice
        .update_team(world.team_a, statuses(&[]))
        .await
        .unwrap();
    assert_eq!(
        typed("none", "^deliver @bob hired").await,
        (
            ErrorCode::BadCommand,
            "status hired is not allowed: this team has no outcome statuses, deliver without one"
                .into()
        )
    );
    alice
        .update_team(world.team_a, statuses(&["Hired", "Rejected"]))
        .await
        .unwrap();
    let cases = [
        ("syntax", "^deliver bob", None),
        (
            "unknown",
            "^deliver @nobody",
            Some("no member @nobody in this team"),
        ),
        (
            "outsider",
            "^deliver @pat",
            Some("@pat is not a member of this team: invite them into this conversation with ^invite EMAIL"),
        ),
        (
            "team",
            "^deliver #nope",
            Some("no team #nope in this account"),
        ),
        (
            "other-account",
            "^deliver #team-b",
            Some("no team #team-b in this account"),
        ),
        (
            "own",
            "^deliver #team-a",
            Some("#team-a is this conversation's own team: deliver to a @member or to another team"),
        ),
        (
            "status",
            "^deliver @bob maybe",
            Some("status maybe is not one of this team's: Hired, Rejected"),
        ),
    ];
    for (name, body, expected) in cases {
        let (code, message) = typed(name, body).await;
        assert_eq!(code, ErrorCode::BadCommand, "{body}: {message}");
        match expected {
            Some(expected) => assert_eq!(message, expected, "{body}"),
            None => assert!(
                message.contains("^deliver @user|#team [status] [note]"),
                "{message}"
            ),
        }
    }
    // The typed frame is refused the same way.
    let (code, message) = refusal(
        alice
            .deliver(conversation, Target::Team("team-b".into()), None, None)
            .await,
    );
    assert_eq!(
        (code, message.as_str()),
        (ErrorCode::BadCommand, "no team #team-b in this account")
    );
    // A Restricted Member sees the conversation but may not deliver it.
    let (dave_client, _dave_events) = connect(&server.url(), &dave.token).await;
    let (code, _) = refusal(
        dave_client
            .send_deliver(conversation, "cmd-dave", "^deliver @bob")
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, _) = refusal(
        dave_client
            .deliver(conversation, Target::User("bob".into()), None, None)
            .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);

    // Nothing changed.
    let bodies: Vec<String> = all_messages(&alice, conversation)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["Hi Jordan"]);
    let page = alice.conversations(world.team_a, None, None).await.unwrap();
    assert_eq!(page.conversations[0].status, ConversationStatus::Open);
    assert!(page.conversations[0].assignees.is_empty());
    let sales = alice
        .conversations(world.team_sales, None, None)
        .await
        .unwrap();
    assert!(sales.conversations.is_empty());
}
