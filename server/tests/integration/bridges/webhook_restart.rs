//! The webhook bridge across a restart: a message the gateway took is
//! not POSTed again, and one still waiting for its retry when the server
//! stopped is sent after it starts again, once.

use super::gateway::Gateway;
use super::webhook::{create, delivery_of, inbound, quick};
use crate::util::*;
use std::time::Duration;
use switchboard_protocol::bridge::DeliveryStatus;
use switchboard_protocol::ids::Seq;
use switchboard_server::Config;

#[tokio::test]
async fn nothing_the_gateway_took_is_posted_again_across_a_restart_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    quick(&mut config);
    // Before the restart, a refused POST waits long for its retry.
    let mut slow = config.clone();
    slow.webhook.backoff = Duration::from_secs(30);
    let server = TestServer::start_with(slow).await;
    let world = seed(server.server.store().as_ref());
    let gateway = Gateway::start().await;
    let created = create(&server.url(), &world.alice, world.team_a, &gateway.url).await;
    let (conversation, _) = inbound(&server, &created, "m-1", "Hi").await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let first = bob.send(conversation, "First").await.unwrap();
    gateway.wait_for(1).await;
    // Its `sent` is written before the dispatcher moves on.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while delivery_of(&bob, conversation, first.seq).await.is_none() {
        assert!(tokio::time::Instant::now() < deadline, "no receipt in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The gateway refuses the next one, which then waits for its retry
    // when the server stops.
    gateway.fail_next(1);
    let pending = bob.send(conversation, "Pending").await.unwrap();
    gateway.wait_for(2).await;
    drop(bob);
    server.server.shutdown().await;

    let server = TestServer::start_with(config).await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let second = bob.send(conversation, "Second").await.unwrap();
    gateway.wait_for(4).await;
    // A few polls more: nothing else comes.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let accepted: Vec<String> = (gateway.received().iter())
        .filter(|r| r.accepted)
        .map(|r| r.json()["ref"].as_str().unwrap().to_string())
        .collect();
    let reference = |seq: Seq| format!("{}:{}", conversation.0, seq.0);
    assert_eq!(
        accepted,
        vec![
            reference(first.seq),
            reference(pending.seq),
            reference(second.seq)
        ],
        "each message taken once, the pending one after the restart"
    );
    assert_eq!(gateway.received().len(), 4, "one refusal, three taken");
    for seq in [first.seq, pending.seq, second.seq] {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while delivery_of(&bob, conversation, seq).await != Some(DeliveryStatus::Sent) {
            assert!(tokio::time::Instant::now() < deadline, "{seq} not sent");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
