//! The harness's NATS cluster alone, before any Switchboard node: it forms,
//! replicates a stream three ways, and keeps every acknowledged message
//! through the loss of the stream's leader.

use crate::nats::NatsCluster;
use async_nats::jetstream::{self, message::PublishMessage, stream, Context};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// How long a publish may keep retrying while a new leader is elected.
const ELECTION: Duration = Duration::from_secs(20);

/// Publishes `body` once, retrying with the same `Nats-Msg-Id` until it is
/// acknowledged (JetStream drops a retried copy as a duplicate).
async fn publish(js: &Context, body: &str) -> u64 {
    let deadline = Instant::now() + ELECTION;
    loop {
        let message = PublishMessage::build()
            .payload(Bytes::from(body.to_string()))
            .message_id(body);
        let acked = match js.send_publish("probe.data", message).await {
            Ok(ack) => ack.await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match acked {
            Ok(ack) => return ack.sequence,
            Err(e) if Instant::now() < deadline => {
                eprintln!("publish of {body} not acknowledged yet: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{body} not acknowledged within {ELECTION:?}: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nats_cluster_forms_and_survives_one_node_killed() {
    let Some(mut nats) = NatsCluster::start().await else {
        return;
    };
    let js = jetstream::new(nats.client().await);
    let mut probe = js
        .create_stream(stream::Config {
            name: "PROBE".into(),
            subjects: vec!["probe.>".into()],
            num_replicas: 3,
            ..Default::default()
        })
        .await
        .expect("an R3 stream is created");
    let mut acked = Vec::new();
    for i in 0..10 {
        let body = format!("before-{i}");
        acked.push((publish(&js, &body).await, body));
    }

    // Kill the stream's leader: the harder case, a new one must be elected.
    let info = probe.info().await.expect("stream info");
    assert_eq!(info.config.num_replicas, 3, "the stream has 3 replicas");
    let leader = info
        .cluster
        .as_ref()
        .and_then(|c| c.leader.clone())
        .expect("the stream has a leader");
    let victim = (0..3)
        .find(|i| leader == format!("nats-{i}"))
        .unwrap_or_else(|| panic!("an unknown leader {leader}"));
    nats.kill_9(victim);

    for i in 0..10 {
        let body = format!("after-{i}");
        acked.push((publish(&js, &body).await, body));
    }
    for (sequence, body) in &acked {
        let stored = tokio::time::timeout(ELECTION, probe.get_raw_message(*sequence))
            .await
            .expect("a read in time")
            .unwrap_or_else(|e| panic!("message {sequence} ({body}) is read back: {e}"));
        assert_eq!(
            stored.payload,
            Bytes::from(body.clone()),
            "message {sequence}"
        );
    }
    let sequences: Vec<u64> = acked.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        sequences,
        (1..=20).collect::<Vec<u64>>(),
        "each acknowledged once, in order"
    );
}
