//! A restarted node takes its projection up where it got to: it applies
//! only the ops published while it was down and reads everything; a
//! projection of another stream is rebuilt, never mixed with it; ops a
//! crash left unrecorded are applied again and change nothing.

use super::nats_server::NatsServer;
use super::*;
use crate::store::{TokenKind, TokenRecord};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use switchboard_protocol::ids::{Millis, UserId};

const TTL: Duration = Duration::from_secs(5);

fn token(user: u64) -> TokenRecord {
    TokenRecord {
        user: UserId(user),
        kind: TokenKind::Session,
        created_at: Millis(1),
        expires_at: None,
    }
}

/// Stops a node and waits until its projection is closed (the sled
/// folder is locked while anything holds it), so it can open again.
async fn stop(node: Arc<Cluster>) {
    node.shutdown().await;
    let projection = Arc::downgrade(&node.node.applier.projection);
    drop(node);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while projection.strong_count() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the projection is still open after the node stopped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The stream's last sequence, once the node has applied it (a caller
/// has its op's result a moment before the applied sequence moves).
async fn stream_last(node: &Cluster) -> u64 {
    let last = node
        .node
        .stream
        .get_info()
        .await
        .unwrap()
        .state
        .last_sequence;
    node.node
        .applier
        .reach(last, Duration::from_secs(10))
        .await
        .unwrap();
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_applies_only_what_was_published_while_it_was_down() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Cluster::connect(server.options(a_dir.path(), TTL))
        .await
        .unwrap();
    let b = Cluster::connect(server.options(b_dir.path(), TTL))
        .await
        .unwrap();
    let (a_store, b_store) = (a.store(), b.store());
    for n in 0..10u8 {
        a_store.put_token(&[n; 32], &token(n.into())).unwrap();
    }
    a_store.delete_token(&[0; 32]).unwrap();
    let mut ids: Vec<u64> = (0..50).map(|_| a_store.next_id().unwrap()).collect();
    let stopped_at = stream_last(&a).await;
    drop(a_store);
    stop(a).await;

    // Written while A is down.
    for n in 10..15u8 {
        b_store.put_token(&[n; 32], &token(n.into())).unwrap();
    }
    ids.extend((0..50).map(|_| b_store.next_id().unwrap()));
    let published = stream_last(&b).await;
    assert!(published > stopped_at);

    let a = Cluster::connect(server.options(a_dir.path(), TTL))
        .await
        .unwrap();
    let applier = &a.node.applier;
    assert_eq!(
        applier.resumed_from, stopped_at,
        "A takes its projection up where it stopped"
    );
    assert_eq!(
        applier.applied_here.load(Ordering::Relaxed),
        published - stopped_at,
        "A applies only the ops published while it was down"
    );
    let a_store = a.store();
    assert_eq!(a_store.token(&[0; 32]).unwrap(), None, "a delete stays");
    for n in 1..15u8 {
        assert_eq!(
            a_store.token(&[n; 32]).unwrap(),
            Some(token(n.into())),
            "token {n}, written before the stop or by B meanwhile, is found on A"
        );
    }
    // The id counter came through the restart once, not twice: neither
    // node hands out an id the other holds.
    ids.extend((0..50).map(|_| a_store.next_id().unwrap()));
    ids.extend((0..50).map(|_| b_store.next_id().unwrap()));
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "no id is handed out twice");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projection_of_another_stream_is_rebuilt_not_mixed() {
    let Some(first) = NatsServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let node = Cluster::connect(first.options(dir.path(), TTL))
        .await
        .unwrap();
    let store = node.store();
    store.put_token(&[1; 32], &token(1)).unwrap();
    drop(store);
    stop(node).await;
    // The NATS servers' storage is gone: the stream is made again, empty.
    drop(first);
    let Some(second) = NatsServer::start() else {
        return;
    };
    // The new stream grows past the sequence the projection recorded: only
    // knowing which stream it was made from tells them apart.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Cluster::connect(second.options(other_dir.path(), TTL))
        .await
        .unwrap();
    for n in 10..15u8 {
        other.store().put_token(&[n; 32], &token(n.into())).unwrap();
    }
    let node = Cluster::connect(second.options(dir.path(), TTL))
        .await
        .unwrap();
    assert_eq!(
        node.node.applier.resumed_from, 0,
        "the projection starts over"
    );
    let store = node.store();
    assert_eq!(
        store.token(&[1; 32]).unwrap(),
        None,
        "nothing of the old stream is read from the new one's projection"
    );
    for n in 10..15u8 {
        assert_eq!(store.token(&[n; 32]).unwrap(), Some(token(n.into())));
    }
    store.put_token(&[2; 32], &token(2)).unwrap();
    assert_eq!(store.token(&[2; 32]).unwrap(), Some(token(2)));
    drop(store);
    stop(node).await;
    // Restarted on the same stream, it now resumes.
    let node = Cluster::connect(second.options(dir.path(), TTL))
        .await
        .unwrap();
    assert!(node.node.applier.resumed_from > 0);
    assert_eq!(node.store().token(&[2; 32]).unwrap(), Some(token(2)));
    node.shutdown().await;
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_a_crash_left_unrecorded_are_applied_again_harmlessly() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let node = Cluster::connect(server.options(dir.path(), TTL))
        .await
        .unwrap();
    let store = node.store();
    let mut ids: Vec<u64> = (0..50).map(|_| store.next_id().unwrap()).collect();
    for n in 1..10u8 {
        store.put_token(&[n; 32], &token(n.into())).unwrap();
    }
    store.put_token(&[0; 32], &token(0)).unwrap();
    store.delete_token(&[0; 32]).unwrap();
    let stopped_at = stream_last(&node).await;
    drop(store);
    stop(node).await;
    // A crash keeps the ops' writes but not the sequence recorded after
    // the last four (never past a reservation: it records its sequence in
    // the same transaction as the counter).
    let rewound = stopped_at - 4;
    {
        let projection = SledStore::open(&dir.path().join("projection")).unwrap();
        projection.keep_applied(rewound).unwrap();
        projection.flush().unwrap();
    }

    let node = Cluster::connect(server.options(dir.path(), TTL))
        .await
        .unwrap();
    assert_eq!(node.node.applier.resumed_from, rewound);
    assert_eq!(node.node.applier.applied_here.load(Ordering::Relaxed), 4);
    let store = node.store();
    assert_eq!(store.token(&[0; 32]).unwrap(), None, "the delete stays");
    for n in 1..10u8 {
        assert_eq!(store.token(&[n; 32]).unwrap(), Some(token(n.into())));
    }
    ids.extend((0..50).map(|_| store.next_id().unwrap()));
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "no id is handed out twice");
    node.shutdown().await;
}
