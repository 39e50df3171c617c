//! A deposed writer cannot append. The node holding a team's lease is
//! paused (SIGSTOP) under load, with sends queued on its sockets; its lease expires
//! and another node takes the team over; then it runs again (SIGCONT),
//! still believing for a moment that it is the writer.
//!
//! What a user would notice if the fence failed: a message acknowledged
//! to someone missing from the history, a seq used twice or skipped, or a
//! message in the history that its sender was told had failed.

use crate::nodes::LEASE_TTL;
use crate::sender::Sender;
use crate::util::{all_messages, connect, start_conversation, PATIENCE};
use crate::world::{connect_with, ClusterWorld};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::ids::{Seq, TeamId};

/// How long the ownership may take to move: the lease's TTL after its last
/// renewal (renewals come every TTL/3), plus two seconds for NATS to expire
/// it and a node to notice on a machine busy running the whole cluster.
const MOVE_BOUND: Duration = Duration::from_millis(LEASE_TTL.as_millis() as u64 * 4 / 3 + 2000);
/// How long a send queued on the paused node may wait for its answer.
const QUEUED: Duration = Duration::from_secs(45);
/// Sends queued on the paused node.
const QUEUED_SENDS: usize = 5;
/// Senders loading A before and while it is paused, and their bound.
const LOAD_WORKERS: usize = 3;
const LOAD_EACH: usize = 40;

/// Waits until `team`'s lease is held by a node other than `old`.
async fn new_holder(cluster: &ClusterWorld, team: TeamId, old: &str) -> String {
    let moved = tokio::time::timeout(PATIENCE * 2, async {
        loop {
            match cluster.lease_holder(team).await {
                Some(holder) if holder != old => return holder,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    moved.await.expect("another node takes the team's lease")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_writer_whose_lease_expired_cannot_append_when_it_resumes() {
    let Some(cluster) = ClusterWorld::start().await else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let team = cluster.world.team_a;
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i)).collect();
    let (alice, bob) = (
        cluster.world.alice.token.clone(),
        cluster.world.bob.token.clone(),
    );

    // Node A takes the team's first request, so it takes the lease.
    let mut on_a = Sender::connect(urls.clone(), &alice, 0).await;
    let (starter, _events) = connect(&urls[0], &alice).await;
    let conversation = start_conversation(&starter, team, "Casey").await;
    on_a.send(conversation, "a-first", "first", deadline).await;
    let old = cluster.writer_id(team).await;
    match cluster.node_with_id(&old) {
        Some(node) => assert_eq!(node, 0, "A took the lease with the team's first request"),
        None => eprintln!("no node printed the lease holder {old}; taking it to be A"),
    }
    let mut on_b = Sender::connect(urls.clone(), &bob, 1).await;
    on_b.send(conversation, "b-first", "through A", deadline)
        .await;

    // Load on A, so that it is likely paused with a batch in flight; then,
    // paused, sends queued on its socket: it reads them only when it runs
    // again, after it has been deposed.
    let (queued_client, _queued_events) = connect_with(&urls[0], &alice, QUEUED).await;
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..LOAD_WORKERS)
        .map(|w| {
            let (client, stop) = (queued_client.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for i in 0..LOAD_EACH {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("load-{w}-{i}");
                    let sent = client.send_with_id(conversation, id.clone(), "load on A");
                    outcomes.push((id, tokio::time::timeout(QUEUED, sent).await));
                }
                outcomes
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.nodes[0].pause();
    let paused_at = Instant::now();
    let queued: Vec<_> = (0..QUEUED_SENDS)
        .map(|i| {
            let client = queued_client.clone();
            tokio::spawn(async move {
                let id = format!("queued-{i}");
                let sent =
                    client.send_with_id(conversation, id.clone(), "queued on the paused node");
                vec![(id, tokio::time::timeout(QUEUED, sent).await)]
            })
        })
        .collect();

    let holder = new_holder(&cluster, team, &old).await;
    let moved_after = paused_at.elapsed();
    eprintln!("the team's lease moved {moved_after:?} after the pause");
    assert!(
        moved_after < MOVE_BOUND,
        "the team's lease moved after {moved_after:?}"
    );
    assert_ne!(
        cluster.node_with_id(&holder),
        Some(0),
        "the paused node is not the writer"
    );
    for i in 0..5 {
        let id = format!("b-{i}");
        on_b.send(conversation, &id, "while A is paused", deadline)
            .await;
    }

    cluster.nodes[0].resume();
    stop.store(true, Ordering::Relaxed);
    let mut acks: BTreeMap<String, Seq> = BTreeMap::new();
    let (mut acknowledged, mut refused) = (0, 0);
    for task in load.into_iter().chain(queued) {
        for (id, outcome) in task.await.expect("a sending task ends") {
            match outcome {
                Ok(Ok(ack)) => {
                    acknowledged += 1;
                    acks.insert(id, ack.seq);
                }
                Ok(Err(e)) => {
                    refused += 1;
                    eprintln!("{id} was refused: {e}");
                }
                Err(_) => panic!("{id} got no answer within {QUEUED:?} of being sent"),
            }
        }
    }
    eprintln!("sends on A: {acknowledged} acknowledged, {refused} refused");
    // A serves again, through the new writer.
    on_a.send(conversation, "a-after", "after the pause", deadline)
        .await;
    for sender in [&on_a, &on_b] {
        acks.extend(sender.acks.iter().map(|(id, ack)| (id.clone(), ack.seq)));
    }

    for (node, url) in urls.iter().enumerate() {
        let (reader, _events) = connect(url, &alice).await;
        let history = all_messages(&reader, conversation).await;
        let seqs: Vec<u64> = history.iter().map(|m| m.seq.0).collect();
        let first = seqs.first().copied().unwrap_or(1);
        let contiguous: Vec<u64> = (first..first + seqs.len() as u64).collect();
        assert_eq!(
            seqs, contiguous,
            "node {node}: seqs are contiguous, none used twice"
        );
        let mut stored = BTreeMap::new();
        // A system message has no client id; every client's message has.
        for message in history {
            if let Some(id) = message.client_msg_id {
                let twice = stored.insert(id.clone(), message.seq);
                assert!(twice.is_none(), "node {node}: {id} stored twice");
            }
        }
        assert_eq!(
            stored, acks,
            "node {node}: the history is exactly what was acknowledged"
        );
    }
}
