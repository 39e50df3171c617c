//! A team removed while writes of it are on their way.

use super::*;

#[tokio::test]
async fn a_write_in_flight_when_its_team_is_removed_is_refused_and_later_ones_store_nothing() {
    let f = fixture();
    let (a, mut rx) = outlet(1, 64);
    let conversation = f.conversation(&a, &mut rx).await;
    let store = &f.registry.context.store;
    let before = store.stream_head(TEAM).unwrap().last;

    // Taken by the hub, written, waiting for its flush.
    f.gate.hold();
    let command = |id: &str| {
        HubRequest::from(
            a.clone(),
            Some(RequestId(7)),
            HubCommand::Send {
                principal: Arc::clone(&f.principal),
                conversation,
                client_msg_id: id.into(),
                body: "hello".into(),
                as_contact: None,
                post: None,
            },
        )
    };
    f.registry
        .dispatch(TEAM, command("in-flight"))
        .await
        .unwrap();
    f.registry.remove_team(TEAM).await.unwrap();
    // Checked before the removal, handed over after it: to the removed
    // team's hub, then to whatever would serve the team next.
    f.registry.dispatch(TEAM, command("queued")).await.unwrap();
    let not_found = |frame: ServerFrame| match frame {
        ServerFrame::Error(e) => {
            assert_eq!((e.id, e.code), (Some(RequestId(7)), ErrorCode::NotFound));
            assert_eq!(e.message, "no team 1");
        }
        other => panic!("expected not_found, got {other:?}"),
    };
    not_found(next(&mut rx).await);
    not_found(next(&mut rx).await);
    f.gate.open();
    // Once the removed team's hub has stopped, a command starts no hub
    // that would write for it.
    tokio::time::timeout(Duration::from_secs(5), async {
        while f.registry.hubs.contains_key(&TEAM) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the removed team's hub stops");
    f.registry.dispatch(TEAM, command("later")).await.unwrap();
    not_found(next(&mut rx).await);
    nothing_within(&rx, Duration::from_millis(100)).await;

    // The write taken before the removal is all the stream holds.
    assert_eq!(store.stream_head(TEAM).unwrap().last, before.next());
    assert!(store.team(TEAM).unwrap().is_none());
}
