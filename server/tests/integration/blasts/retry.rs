//! `create_blast` is keyed: sent twice with the same key (a client
//! resending after a dropped connection), it creates one blast and every
//! contact still gets one message.

use super::support::*;
use super::tagged;
use crate::util::{connect, seeded};
use std::time::Duration;

#[tokio::test]
async fn a_create_blast_sent_twice_with_its_key_creates_one_blast() {
    use switchboard_protocol::blast::CreateBlast;
    use switchboard_protocol::client::ClientFrame;
    use switchboard_protocol::ids::RequestId;
    use switchboard_protocol::server::{Reply, ServerFrame};
    let (_dir, server, world) = seeded().await;
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let team = world.team_a;
    make_contacts(&alice, team, "twice", 2).await;
    let mut raw = crate::util::Raw::login(&server.url(), &world.alice.token).await;
    let mut created = Vec::new();
    for id in [1, 2] {
        let frame = ClientFrame::CreateBlast(CreateBlast {
            id: RequestId(id),
            team,
            key: "same-key".into(),
            name: "Once".into(),
            audience: tagged("twice"),
            template: "Hi".into(),
        });
        match raw.request(frame).await {
            ServerFrame::Result(r) => match r.result {
                Reply::Blast(info) => created.push(info.id),
                other => panic!("expected a blast, got {other:?}"),
            },
            other => panic!("expected a result, got {other:?}"),
        }
    }
    assert_eq!(created[0], created[1], "the retry answers the same blast");
    assert_eq!(alice.blasts(team).await.unwrap().len(), 1);
    finished(&alice, team, created[0], Duration::from_secs(20)).await;
    let stored = stored_messages(&alice, team, created[0]).await;
    assert!(stored.values().all(|m| m.len() == 1) && stored.len() == 2);
}
