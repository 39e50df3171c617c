//! Posts across nodes: a post created on one node is edited on another
//! (the write forwarded to the team's writer), listed on a third as it now
//! is, and a message sent there carries its card; a Member on another
//! node hears each change.

use crate::util::{connect, start_conversation, PATIENCE};
use crate::world::ClusterWorld;
use switchboard_client::{ClientEvent, PostDraft, PostPatch, PostQuery, PostStatus};
use switchboard_protocol::server::Event;

#[tokio::test(flavor = "multi_thread")]
async fn a_post_made_on_one_node_is_edited_on_another_and_sent_from_a_third() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let world = &cluster.world;
    let team = world.team_a;
    let (member, mut member_events) = connect(&cluster.url(1), &world.bob.token).await;
    member
        .subscribe(team)
        .await
        .expect("a Member subscribes on B");
    let (alice_a, _a_events) = connect(&cluster.url(0), &world.alice.token).await;
    let draft = PostDraft {
        kind: "job".into(),
        title: "Forklift driver".into(),
        body: String::new(),
        link: None,
        location: Some("Leeds".into()),
        status: PostStatus::Open,
    };
    let post = alice_a
        .create_post(team, draft)
        .await
        .expect("created on A");
    let (alice_b, _b_events) = connect(&cluster.url(1), &world.alice.token).await;
    let changes = PostPatch {
        status: Some(PostStatus::Closed),
        ..PostPatch::default()
    };
    let closed = alice_b
        .edit_post(team, post.id, changes)
        .await
        .expect("edited on B");
    assert_eq!(closed.status, PostStatus::Closed);

    let (alice_c, _c_events) = connect(&cluster.url(2), &world.alice.token).await;
    let listed = alice_c
        .posts(team, PostQuery::default())
        .await
        .expect("listed on C");
    assert_eq!(listed.posts, vec![closed.clone()]);
    let conversation = start_conversation(&alice_c, team, "Jordan").await;
    alice_c
        .send(conversation, format!("^post {} sentinel", post.id))
        .await
        .expect("sent on C");

    // Bob, on B, hears both changes, then the message with the card.
    let mut changed = Vec::new();
    loop {
        let event = tokio::time::timeout(PATIENCE * 2, member_events.next())
            .await
            .expect("events in time")
            .expect("the event stream is open");
        let ClientEvent::Event(frame) = event else {
            continue;
        };
        match frame.event {
            Event::PostChanged(p) => changed.push(p),
            Event::Message(m) if m.body == "sentinel" => {
                assert_eq!(m.post, Some(closed.card()));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(changed, vec![post, closed]);
}
