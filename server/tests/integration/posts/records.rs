//! Posts as records: create, edit, list, page, filter, keyed retries and
//! refusals.

use super::{draft, next_post_changed};
use crate::util::*;
use switchboard_client::{PostPatch, PostQuery, PostStatus};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::content::{CreatePost, EditPost, PostPatch as Patch};
use switchboard_protocol::ids::{PostId, RequestId};
use switchboard_protocol::server::{Reply, ServerFrame};
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn posts_are_created_edited_and_listed_by_page_and_status_and_each_change_is_an_event() {
    let (_dir, server, world) = seeded().await;
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, mut bob_events) = connect(&server.url(), &world.bob.token).await;
    bob.subscribe(world.team_a).await.unwrap();

    let mut ids = Vec::new();
    for n in 1..=5 {
        let post = alice
            .create_post(world.team_a, draft(&format!("Job {n}")))
            .await
            .unwrap();
        assert_eq!(post.team, world.team_a);
        assert_eq!(post.created_by, world.alice.user);
        assert_eq!(post.status, PostStatus::Open);
        assert_eq!(post.location.as_deref(), Some("Leeds"));
        // Bob, a Member, hears of each post as it is made.
        assert_eq!(next_post_changed(&mut bob_events, world.team_a).await, post);
        ids.push(post.id);
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");

    // A Member edits: closes one, renames another and clears its link.
    let closed = bob
        .edit_post(
            world.team_a,
            ids[1],
            PostPatch {
                status: Some(PostStatus::Closed),
                ..PostPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(closed.status, PostStatus::Closed);
    assert_eq!(closed.title, "Job 2", "what the patch leaves alone stays");
    assert!(closed.updated_at >= closed.created_at);
    assert_eq!(
        next_post_changed(&mut bob_events, world.team_a).await,
        closed
    );
    let renamed = bob
        .edit_post(
            world.team_a,
            ids[3],
            PostPatch {
                title: Some("  Senior welder ".into()),
                link: Some(String::new()),
                ..PostPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title, "Senior welder");
    assert_eq!(renamed.link, None);

    // Pages of two, by id, to the end.
    let mut seen = Vec::new();
    let mut query = PostQuery {
        limit: Some(2),
        ..PostQuery::default()
    };
    loop {
        let page = bob.posts(world.team_a, query).await.unwrap();
        assert!(page.posts.len() <= 2);
        seen.extend(page.posts.iter().map(|p| p.id));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let status = |status| PostQuery {
        status: Some(status),
        ..PostQuery::default()
    };
    let open = bob
        .posts(world.team_a, status(PostStatus::Open))
        .await
        .unwrap();
    let open_ids: Vec<PostId> = open.posts.iter().map(|p| p.id).collect();
    assert_eq!(open_ids, [ids[0], ids[2], ids[3], ids[4]]);
    assert_eq!(open.posts[2].title, "Senior welder");
    let closed_page = bob
        .posts(world.team_a, status(PostStatus::Closed))
        .await
        .unwrap();
    assert_eq!(closed_page.posts, vec![closed]);
    assert_eq!(closed_page.next, None);

    // Another team's posts are none of team A's, and the other way round.
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let theirs = carol
        .create_post(world.team_b, draft("Elsewhere"))
        .await
        .unwrap();
    assert!(
        carol
            .posts(world.team_b, PostQuery::default())
            .await
            .unwrap()
            .posts
            .len()
            == 1
    );
    let edit_theirs = alice
        .edit_post(world.team_a, theirs.id, PostPatch::default())
        .await;
    assert_eq!(code(edit_theirs), ErrorCode::NotFound);
    assert_eq!(
        code(carol.posts(world.team_a, PostQuery::default()).await),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn bad_fields_are_refused_with_what_is_wrong_and_nothing_is_made() {
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let cases = [
        (draft("   "), "title"),
        (draft(&"x".repeat(201)), "title"),
        (
            switchboard_client::PostDraft {
                link: Some("javascript:alert(1)".into()),
                ..draft("Job")
            },
            "link",
        ),
        (
            switchboard_client::PostDraft {
                kind: "job post!".into(),
                ..draft("Job")
            },
            "kind",
        ),
        (
            switchboard_client::PostDraft {
                body: "b".repeat(8_001),
                ..draft("Job")
            },
            "body",
        ),
    ];
    for (bad, field) in cases {
        let (code, message) = refusal(alice.create_post(world.team_a, bad).await);
        assert_eq!(code, ErrorCode::BadRequest, "{message}");
        assert!(message.contains(field), "{message:?} names the {field}");
    }
    let page = alice
        .posts(world.team_a, PostQuery::default())
        .await
        .unwrap();
    assert!(page.posts.is_empty(), "nothing was made: {page:?}");
    let missing = alice
        .edit_post(world.team_a, PostId(987_654), PostPatch::default())
        .await;
    assert_eq!(code(missing), ErrorCode::NotFound);
}

#[tokio::test]
async fn a_create_or_edit_retried_with_its_key_is_carried_out_once() {
    let (_dir, server, world) = seeded().await;
    let mut raw = Raw::login(&server.url(), &world.alice.token).await;
    let create = |id: u64| {
        ClientFrame::CreatePost(CreatePost {
            id: RequestId(id),
            team: world.team_a,
            key: Some("create-1".into()),
            post: draft("Forklift driver"),
        })
    };
    let first = match raw.request(create(1)).await {
        ServerFrame::Result(r) => r,
        other => panic!("expected a result, got {other:?}"),
    };
    assert!(!first.duplicate);
    let Reply::Post(post) = first.result.clone() else {
        panic!("expected a post, got {:?}", first.result);
    };
    // The same key again (a retry after a lost answer): the same post back.
    let again = match raw.request(create(2)).await {
        ServerFrame::Result(r) => r,
        other => panic!("expected a result, got {other:?}"),
    };
    assert!(again.duplicate, "the retry is marked duplicate");
    assert_eq!(again.result, first.result);

    let edit = |id: u64, title: &str| {
        ClientFrame::EditPost(EditPost {
            id: RequestId(id),
            team: world.team_a,
            post: post.id,
            key: Some("edit-1".into()),
            changes: Patch {
                title: Some(title.into()),
                ..Patch::default()
            },
        })
    };
    let ServerFrame::Result(edited) = raw.request(edit(3, "Night driver")).await else {
        panic!("the edit is carried out");
    };
    // A retry with the same key does nothing again, even with other fields.
    let ServerFrame::Result(retried) = raw.request(edit(4, "Something else")).await else {
        panic!("the retry is answered");
    };
    assert!(retried.duplicate);
    assert_eq!(retried.result, edited.result);

    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let page = alice
        .posts(world.team_a, PostQuery::default())
        .await
        .unwrap();
    assert_eq!(page.posts.len(), 1, "one post: {page:?}");
    assert_eq!(page.posts[0].title, "Night driver");
}

#[tokio::test]
async fn a_read_bot_lists_posts_and_may_not_write_them_a_read_write_bot_may() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (_, read_token) = switchboard_server::bots::create(
        store.as_ref(),
        world.team_a,
        "Reader",
        switchboard_protocol::manage::BotScope::Read,
        world.alice.user,
    )
    .unwrap();
    let (_, write_token) = switchboard_server::bots::create(
        store.as_ref(),
        world.team_a,
        "Job board sync",
        switchboard_protocol::manage::BotScope::ReadWrite,
        world.alice.user,
    )
    .unwrap();
    let (writer, _writer_events) = connect(&server.url(), &write_token).await;
    let post = writer
        .create_post(world.team_a, draft("Synced from the job board"))
        .await
        .unwrap();
    let (reader, _reader_events) = connect(&server.url(), &read_token).await;
    let page = reader
        .posts(world.team_a, PostQuery::default())
        .await
        .unwrap();
    assert_eq!(page.posts, vec![post.clone()]);
    assert_eq!(
        code(reader.create_post(world.team_a, draft("Mine")).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            reader
                .edit_post(world.team_a, post.id, PostPatch::default())
                .await
        ),
        ErrorCode::Forbidden
    );
}
