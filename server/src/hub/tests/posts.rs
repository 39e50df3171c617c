//! Posts through the hub: a save is answered and fanned out as
//! `post_changed` once durable; a keyed retry writes nothing and gets the
//! original post; an edit of a post of no team of this hub is refused.

use super::*;
use switchboard_protocol::content::{PostDraft, PostPatch, PostStatus};
use switchboard_protocol::ids::PostId;

fn draft(title: &str) -> PostDraft {
    PostDraft {
        kind: "job".into(),
        title: title.into(),
        body: String::new(),
        link: None,
        location: None,
        status: PostStatus::Open,
    }
}

impl Fixture {
    async fn save(&self, outlet: &Outlet, request: u64, save: PostSave, key: Option<&str>) {
        let command = HubRequest::from(
            outlet.clone(),
            Some(RequestId(request)),
            HubCommand::SavePost {
                save,
                by: self.principal.user.id,
                key: key.map(str::to_string),
            },
        );
        self.registry.dispatch(TEAM, command).await.unwrap();
    }
}

#[tokio::test]
async fn a_post_is_answered_and_fanned_out_once_durable_and_a_keyed_retry_writes_nothing() {
    let f = fixture();
    let (watcher, mut watcher_rx) = outlet(1, 64);
    f.subscribe(&watcher, 1, None).await;
    assert!(matches!(
        result(next(&mut watcher_rx).await),
        Reply::Subscribed(_)
    ));
    let (writer, mut writer_rx) = outlet(2, 64);

    // Held at the flush: neither the answer nor the event may leave.
    f.gate.hold();
    f.save(&writer, 10, PostSave::Create(draft("Welder")), Some("k1"))
        .await;
    nothing_within(&writer_rx, Duration::from_millis(100)).await;
    nothing_within(&watcher_rx, Duration::from_millis(10)).await;
    f.gate.open();
    let Reply::Post(post) = result(next(&mut writer_rx).await) else {
        panic!("a post reply");
    };
    assert_eq!(post.title, "Welder");
    assert_eq!(post.team, TEAM);
    assert_eq!(post.created_by, f.principal.user.id);
    match next(&mut watcher_rx).await {
        ServerFrame::Event(frame) => assert_eq!(frame.event, Event::PostChanged(post.clone())),
        other => panic!("expected post_changed, got {other:?}"),
    }

    // The same key again: the original post, marked duplicate, no event.
    f.save(&writer, 11, PostSave::Create(draft("Other")), Some("k1"))
        .await;
    match next(&mut writer_rx).await {
        ServerFrame::Result(r) => {
            assert!(r.duplicate);
            assert_eq!(r.result, Reply::Post(post.clone()));
        }
        other => panic!("expected the original result, got {other:?}"),
    }
    let listed = f
        .registry
        .context
        .store
        .team_posts(TEAM, None, None, 10)
        .unwrap();
    assert_eq!(listed, vec![post.clone()]);

    // An edit: the changed post, and its event.
    let changes = PostPatch {
        status: Some(PostStatus::Closed),
        ..PostPatch::default()
    };
    let edit = PostSave::Edit {
        post: post.id,
        changes,
    };
    f.save(&writer, 12, edit, None).await;
    let Reply::Post(closed) = result(next(&mut writer_rx).await) else {
        panic!("a post reply");
    };
    assert_eq!(closed.status, PostStatus::Closed);
    assert_eq!(closed.created_at, post.created_at);
    match next(&mut watcher_rx).await {
        ServerFrame::Event(frame) => assert_eq!(frame.event, Event::PostChanged(closed)),
        other => panic!("expected post_changed, got {other:?}"),
    }

    // A post this team does not hold.
    let edit = PostSave::Edit {
        post: PostId(999),
        changes: PostPatch::default(),
    };
    f.save(&writer, 13, edit, None).await;
    match next(&mut writer_rx).await {
        ServerFrame::Error(e) => assert_eq!(e.code, ErrorCode::NotFound),
        other => panic!("expected not_found, got {other:?}"),
    }
    nothing_within(&watcher_rx, Duration::from_millis(100)).await;
}
