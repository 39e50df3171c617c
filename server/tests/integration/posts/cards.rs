//! Messages that carry a post: the card is a snapshot taken when sent,
//! seen live and in history, sent with the `post` field or typed as
//! `^post ID [text]`; a Restricted Member sees the card but never the
//! posts nor their events; the report counts deliveries by post.

use super::{draft, next_post_changed};
use crate::util::*;
use switchboard_client::{ClientEvent, PostPatch, PostQuery, PostStatus, ReportQuery, TeamChanges};
use switchboard_protocol::server::Event;
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn a_message_carries_the_posts_card_live_and_in_history_as_it_was_when_sent() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let post = alice
        .create_post(world.team_a, draft("Forklift driver"))
        .await
        .unwrap();
    bob.subscribe(world.team_a).await.unwrap();

    // With the post field, and typed as ^post (no text: an empty body).
    alice
        .send_post(conversation, post.id, "Have a look at this one")
        .await
        .unwrap();
    alice
        .send(conversation, format!("^post {}", post.id))
        .await
        .unwrap();
    let live = next_messages(&mut bob_events, 2).await;
    assert_eq!(live[0].body, "Have a look at this one");
    assert_eq!(live[1].body, "");
    for message in &live {
        assert_eq!(message.post, Some(post.card()), "{message:?}");
    }

    // Editing the post later leaves the cards sent as they were.
    alice
        .edit_post(
            world.team_a,
            post.id,
            PostPatch {
                title: Some("Forklift driver (nights)".into()),
                status: Some(PostStatus::Closed),
                ..PostPatch::default()
            },
        )
        .await
        .unwrap();
    // A closed post may still be sent: its card says closed.
    alice
        .send(conversation, format!("^post {} still interested?", post.id))
        .await
        .unwrap();
    let history = all_messages(&bob, conversation).await;
    let cards: Vec<_> = history.iter().filter_map(|m| m.post.clone()).collect();
    assert_eq!(cards.len(), 3);
    assert_eq!(cards[0], post.card());
    assert_eq!(cards[1], post.card());
    assert_eq!(cards[2].title, "Forklift driver (nights)");
    assert_eq!(cards[2].status, PostStatus::Closed);
    assert_eq!(history.last().unwrap().body, "still interested?");

    // Another team's post, or none at all, is not found and sends nothing.
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let theirs = carol
        .create_post(world.team_b, draft("Elsewhere"))
        .await
        .unwrap();
    assert_eq!(
        code(alice.send_post(conversation, theirs.id, "psst").await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(alice.send(conversation, "^post 987654 hi").await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(alice.send(conversation, "^post soon").await),
        ErrorCode::BadCommand
    );
    assert_eq!(all_messages(&bob, conversation).await.len(), history.len());
}

#[tokio::test]
async fn a_restricted_member_sees_the_card_but_not_the_posts_nor_their_events() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    let guest = restricted_member(
        &server,
        conversation,
        "gina@guest.test",
        "Gina",
        world.alice.user,
    );
    let (gina, mut gina_events) = connect(&server.url(), &guest.token).await;
    gina.subscribe(world.team_a).await.unwrap();

    assert_eq!(
        code(gina.posts(world.team_a, PostQuery::default()).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(gina.create_post(world.team_a, draft("Mine")).await),
        ErrorCode::NotFound
    );
    let post = alice
        .create_post(world.team_a, draft("Forklift driver"))
        .await
        .unwrap();
    alice
        .edit_post(world.team_a, post.id, PostPatch::default())
        .await
        .unwrap();
    assert_eq!(
        code(
            gina.edit_post(world.team_a, post.id, PostPatch::default())
                .await
        ),
        ErrorCode::NotFound
    );
    alice
        .send_post(conversation, post.id, "For you")
        .await
        .unwrap();

    // Everything Gina hears up to that message: no post_changed among it.
    loop {
        let event = tokio::time::timeout(PATIENCE, gina_events.next())
            .await
            .expect("the message in time")
            .expect("the event stream is open");
        let ClientEvent::Event(frame) = event else {
            continue;
        };
        match frame.event {
            Event::PostChanged(post) => panic!("a Restricted Member heard of {post:?}"),
            Event::Message(message) if message.body == "For you" => {
                assert_eq!(message.post, Some(post.card()));
                break;
            }
            _ => continue,
        }
    }
    let history = all_messages(&gina, conversation).await;
    assert_eq!(history.last().unwrap().post, Some(post.card()));
    // Sending a post is no less the team's: the post named is not hers.
    assert_eq!(
        code(gina.send_post(conversation, post.id, "this one").await),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn the_report_counts_outcomes_by_the_post_each_conversation_was_about() {
    let (_dir, server, world) = seeded().await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    let changes = TeamChanges {
        statuses: Some(vec!["Hired".into(), "Rejected".into()]),
        ..TeamChanges::default()
    };
    alice.update_team(world.team_a, changes).await.unwrap();
    alice.subscribe(world.team_a).await.unwrap();
    let forklift = alice
        .create_post(world.team_a, draft("Forklift driver"))
        .await
        .unwrap();
    let welder = alice
        .create_post(world.team_a, draft("Welder"))
        .await
        .unwrap();
    next_post_changed(&mut alice_events, world.team_a).await;
    for (name, post, status) in [
        ("Jordan", forklift.id, "hired"),
        ("Kim", forklift.id, "rejected"),
        ("Lee", welder.id, "hired"),
    ] {
        let conversation = start_conversation(&alice, world.team_a, name).await;
        // The latest post before the delivery counts: welder first, then this one.
        alice.send_post(conversation, welder.id, "").await.unwrap();
        alice
            .send(conversation, format!("^post {post} this is the one"))
            .await
            .unwrap();
        alice
            .send(conversation, format!("^deliver @bob {status}"))
            .await
            .unwrap();
    }
    let query = ReportQuery {
        team: Some(world.team_a),
        ..ReportQuery::default()
    };
    let report = alice.report(query).await.unwrap();
    assert_eq!(report.outcomes.total, 3);
    let by_post: Vec<_> = report
        .outcomes
        .by_post
        .iter()
        .map(|p| {
            let statuses: Vec<_> = p
                .by_status
                .iter()
                .map(|s| (s.status.clone().unwrap_or_default(), s.count))
                .collect();
            (p.post, p.title.clone(), p.count, statuses)
        })
        .collect();
    assert_eq!(
        by_post,
        vec![
            (
                forklift.id,
                "Forklift driver".to_string(),
                2,
                vec![("Hired".to_string(), 1), ("Rejected".to_string(), 1)]
            ),
            (
                welder.id,
                "Welder".to_string(),
                1,
                vec![("Hired".to_string(), 1)]
            ),
        ]
    );
}
