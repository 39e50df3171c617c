//! Protocol versions: a client that says hello with version 1 keeps
//! working, and is never sent an event type it does not know (version 2
//! added them: content, contact book, imports), live or in a replay; a
//! version-2 client receives them.

use crate::util::*;
use switchboard_client::ClientEvent;
use switchboard_protocol::client::{ClientFrame, Hello, Subscribe};
use switchboard_protocol::content::{PostDraft, PostStatus};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Event, EventFrame, Reply, ServerFrame};
use switchboard_protocol::{Encoding, RequestId, TeamId, OLDEST_PROTOCOL_VERSION};

/// A raw connection that said hello with version 1 and subscribed to
/// `team` after `after`; returns it with its `subscribed` reply.
async fn version_1(url: &str, token: &str, team: TeamId, after: Option<Position>) -> (Raw, Reply) {
    let mut raw = Raw::connect(url, Encoding::MsgPack).await;
    raw.send(&ClientFrame::Hello(Hello {
        version: OLDEST_PROTOCOL_VERSION,
        token: token.to_string(),
    }))
    .await;
    match raw.recv().await {
        Some(ServerFrame::Welcome(welcome)) => assert_eq!(welcome.version, 1),
        other => panic!("expected welcome, got {other:?}"),
    }
    raw.send(&ClientFrame::Subscribe(Subscribe {
        id: RequestId(1),
        team,
        after,
    }))
    .await;
    match raw.recv().await {
        Some(ServerFrame::Result(result)) => (raw, result.result),
        other => panic!("expected subscribed, got {other:?}"),
    }
}

/// The events a raw connection receives up to and including the message
/// `body`.
async fn events_until(raw: &mut Raw, body: &str) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        match raw.recv().await {
            Some(ServerFrame::Event(EventFrame { event, .. })) => {
                let last = matches!(&event, Event::Message(m) if m.body == body);
                seen.push(event);
                if last {
                    return seen;
                }
            }
            Some(_) => continue,
            None => panic!("closed while waiting for {body:?}; saw {seen:?}"),
        }
    }
}

#[tokio::test]
async fn a_version_1_client_is_sent_only_the_event_types_it_knows_live_and_replayed() {
    let (_dir, server, world) = seeded().await;
    let (alice, mut alice_events) = connect(&server.url(), &world.alice.token).await;
    let subscribed = alice.subscribe(world.team_a).await.unwrap();
    let start = Position {
        epoch: subscribed.epoch,
        offset: subscribed.offset,
    };
    let (mut old, _) = version_1(&server.url(), &world.bob.token, world.team_a, None).await;
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;

    let post = alice
        .create_post(
            world.team_a,
            PostDraft {
                kind: "job".into(),
                title: "Night welder".into(),
                body: String::new(),
                link: None,
                location: None,
                status: PostStatus::Open,
            },
        )
        .await
        .unwrap();
    alice.send(conversation, "after the post").await.unwrap();

    // Version 2 (the SDK) hears of the post, then the message.
    let mut newer = Vec::new();
    while !newer
        .iter()
        .any(|e| matches!(e, Event::Message(m) if m.body == "after the post"))
    {
        match tokio::time::timeout(PATIENCE, alice_events.next())
            .await
            .expect("an event in time")
        {
            Some(ClientEvent::Event(frame)) => newer.push(frame.event),
            Some(_) => continue,
            None => panic!("alice's events ended"),
        }
    }
    assert!(
        newer
            .iter()
            .any(|e| matches!(e, Event::PostChanged(p) if p.id == post.id)),
        "a version-2 client receives post_changed: {newer:?}"
    );

    // Version 1 gets the conversation and the message, and no post_changed.
    let live = events_until(&mut old, "after the post").await;
    assert!(
        live.iter().all(|e| e.since() == 1),
        "live events of version 1 only: {live:?}"
    );
    assert!(matches!(live.first(), Some(Event::ConversationStarted(_))));

    // The same holds for a replay from before it all.
    let (mut replayed, reply) =
        version_1(&server.url(), &world.bob.token, world.team_a, Some(start)).await;
    let Reply::Subscribed(subscribed) = reply else {
        panic!("expected subscribed, got {reply:?}");
    };
    assert!(subscribed.replayed >= 2, "{subscribed:?}");
    let replay = events_until(&mut replayed, "after the post").await;
    assert_eq!(
        replay.iter().map(Event::since).collect::<Vec<_>>(),
        vec![1; replay.len()],
        "replayed events of version 1 only: {replay:?}"
    );
    assert_eq!(replay.len(), live.len(), "{replay:?} against {live:?}");
}
