//! A node lost under load: `kill -9` of the Switchboard node holding a
//! team's writer and some of its clients, and `kill -9` of a NATS server,
//! while messages keep coming. Nothing acknowledged is lost, nothing is
//! stored or delivered twice, and the clients (SDK clients given every
//! node) carry on on other nodes by themselves.

use crate::follower::Follower;
use crate::sender::Sender;
use crate::util::{all_messages, connect, start_conversation};
use crate::world::ClusterWorld;
use async_nats::jetstream;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use switchboard_protocol::ids::{ConversationId, Seq};
use switchboard_protocol::server::SendAck;

/// Messages per sender: bounded load.
const EACH: usize = 40;
/// Acknowledged messages before the kill.
const BEFORE_KILL: usize = 10;
/// The bound on a whole test.
const BOUND: Duration = Duration::from_secs(120);

/// Sends `EACH` messages with ids `prefix-i`, one at a time, telling
/// `killed` (once) after `BEFORE_KILL` acknowledgements.
async fn send_all(
    sender: &mut Sender,
    conversation: ConversationId,
    prefix: &str,
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    deadline: Instant,
) {
    let mut kill = kill;
    for i in 0..EACH {
        let id = format!("{prefix}-{i}");
        sender
            .send(conversation, &id, &format!("{id} body"), deadline)
            .await;
        if i + 1 == BEFORE_KILL {
            if let Some(kill) = kill.take() {
                let _ = kill.send(());
            }
        }
    }
}

/// Every acknowledged message is in `node`'s history exactly once, at the
/// seq it was acknowledged with, and the history's seqs are contiguous.
async fn assert_history(
    cluster: &ClusterWorld,
    node: usize,
    conversation: ConversationId,
    acks: &BTreeMap<String, SendAck>,
) {
    let (reader, _events) = connect(&cluster.url(node), &cluster.world.alice.token).await;
    let history = tokio::time::timeout(BOUND, all_messages(&reader, conversation))
        .await
        .expect("the history is read in time");
    let seqs: Vec<u64> = history.iter().map(|m| m.seq.0).collect();
    let first = seqs.first().copied().unwrap_or(1);
    let contiguous: Vec<u64> = (first..first + seqs.len() as u64).collect();
    assert_eq!(
        seqs, contiguous,
        "node {node}: the history's seqs are contiguous"
    );
    let mut stored: BTreeMap<String, Seq> = BTreeMap::new();
    for message in &history {
        if let Some(id) = &message.client_msg_id {
            let twice = stored.insert(id.clone(), message.seq);
            assert!(twice.is_none(), "node {node}: {id} is stored twice");
        }
    }
    for (id, ack) in acks {
        assert_eq!(
            stored.get(id),
            Some(&ack.seq),
            "node {node}: acknowledged {id} is at its seq"
        );
    }
    assert_eq!(
        stored.len(),
        acks.len(),
        "node {node}: nothing stored that was not acknowledged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_of_a_node_under_sends_loses_nothing_acknowledged_and_doubles_nothing() {
    let Some(mut cluster) = ClusterWorld::start().await else {
        return;
    };
    let deadline = Instant::now() + BOUND;
    let team = cluster.world.team_a;
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i)).collect();
    let (alice, bob) = (
        cluster.world.alice.token.clone(),
        cluster.world.bob.token.clone(),
    );
    // Node A takes the team's first request, so it holds the writer too.
    let (starter, _events) = connect(&urls[0], &alice).await;
    let conversation = start_conversation(&starter, team, "Casey").await;
    starter.close().await;

    let mut on_a = Sender::connect(urls.clone(), &alice, 0).await;
    let mut on_b = Sender::connect(urls.clone(), &bob, 1).await;
    let mut follower_a = Follower::start(urls.clone(), &bob, 0, team).await;
    let mut follower_c = Follower::start(urls.clone(), &alice, 2, team).await;

    let (kill_tx, kill_rx) = tokio::sync::oneshot::channel();
    let victim = &mut cluster.nodes[0];
    let killer = async move {
        if kill_rx.await.is_ok() {
            victim.kill_9();
        }
    };
    tokio::join!(
        send_all(&mut on_a, conversation, "a", Some(kill_tx), deadline),
        send_all(&mut on_b, conversation, "b", None, deadline),
        killer,
    );
    assert!(
        on_a.node() != 0,
        "the sender on the killed node moved to another"
    );

    let mut acks = on_a.acks.clone();
    acks.extend(on_b.acks.clone());
    assert_eq!(acks.len(), 2 * EACH, "every message was acknowledged");
    let ids: Vec<String> = acks.keys().cloned().collect();
    follower_a.follow_until(conversation, &ids, deadline).await;
    follower_c.follow_until(conversation, &ids, deadline).await;
    assert!(
        follower_a.moves >= 1 && follower_a.server_url() != urls[0],
        "the follower on the killed node resumed elsewhere"
    );
    for (name, follower) in [("moved", &follower_a), ("stayed", &follower_c)] {
        for (id, ack) in &acks {
            let seq = follower.messages.get(id).map(|m| m.seq);
            assert_eq!(
                seq,
                Some(ack.seq),
                "the follower that {name} got {id} at its seq"
            );
        }
    }
    for node in [1, 2] {
        assert_history(&cluster, node, conversation, &acks).await;
    }
}

/// The SWITCHBOARD stream's leader, as `nats-<i>`.
async fn stream_leader(cluster: &ClusterWorld) -> usize {
    let js = jetstream::new(cluster.nats.client().await);
    let mut stream = js
        .get_stream("SWITCHBOARD")
        .await
        .expect("the stream exists");
    let info = stream.info().await.expect("stream info");
    assert_eq!(info.config.num_replicas, 3, "the stream has 3 replicas");
    let leader = info
        .cluster
        .as_ref()
        .and_then(|c| c.leader.clone())
        .expect("a leader");
    (0..3)
        .find(|i| leader == format!("nats-{i}"))
        .unwrap_or_else(|| panic!("an unknown leader {leader}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_of_a_nats_server_keeps_the_service_and_everything_acknowledged() {
    let Some(mut cluster) = ClusterWorld::start().await else {
        return;
    };
    let deadline = Instant::now() + BOUND;
    let team = cluster.world.team_a;
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i)).collect();
    let alice = cluster.world.alice.token.clone();
    let (starter, _events) = connect(&urls[0], &alice).await;
    let conversation = start_conversation(&starter, team, "Casey").await;
    starter.close().await;
    let mut sender = Sender::connect(urls.clone(), &alice, 0).await;
    let mut follower = Follower::start(urls.clone(), &cluster.world.bob.token, 2, team).await;

    for i in 0..BEFORE_KILL {
        let id = format!("before-{i}");
        sender.send(conversation, &id, "before", deadline).await;
    }
    // The stream's leader: the harder loss, a new one must be elected.
    let leader = stream_leader(&cluster).await;
    cluster.nats.kill_9(leader);
    for i in 0..EACH {
        let id = format!("after-{i}");
        sender.send(conversation, &id, "after", deadline).await;
    }
    // A send waiting out the election may have moved the sender to another
    // Switchboard node (the SDK does when its node stops answering): the
    // service still continued.
    eprintln!("the sender ended on node {}", sender.node());

    let ids: Vec<String> = sender.acks.keys().cloned().collect();
    follower.follow_until(conversation, &ids, deadline).await;
    for node in 0..3 {
        assert_history(&cluster, node, conversation, &sender.acks).await;
    }
}
