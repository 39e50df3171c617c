//! The cluster's own tests: two nodes on one NATS server see each other's
//! writes at once; a deposed writer cannot append; an acknowledged batch
//! is readable when its ticket is committed.

use super::nats_server::NatsServer;
use super::*;
use crate::store::{TokenKind, TokenRecord};
use switchboard_protocol::ids::{Millis, UserId};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_written_on_one_node_is_found_on_the_other_at_once() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let nodes = server.two_nodes(Duration::from_secs(5)).await;
    let (a, b) = (&nodes.a, &nodes.b);
    assert_ne!(a.node(), b.node());
    let (a_store, b_store) = (a.store(), b.store());
    let token = token_of_3();
    for n in 0..20u8 {
        let hash = [n; 32];
        a_store.put_token(&hash, &token).unwrap();
        assert_eq!(
            b_store.token(&hash).unwrap(),
            Some(token.clone()),
            "token {n} written on A is found on B right after A's write returned"
        );
    }
    // The hub calls the store from its tasks, reports from blocking
    // threads: both reach NATS through the store's synchronous methods.
    let (on_worker, on_blocking) = (Arc::clone(&a_store), Arc::clone(&b_store));
    let written = tokio::spawn(async move {
        on_worker.put_token(
            &[99; 32],
            &TokenRecord {
                user: UserId(4),
                ..token_of_3()
            },
        )
    });
    written.await.unwrap().unwrap();
    let found = tokio::task::spawn_blocking(move || on_blocking.token(&[99; 32]));
    assert_eq!(
        found.await.unwrap().unwrap().map(|t| t.user),
        Some(UserId(4))
    );
    let mut ids: Vec<u64> = (0..100).map(|_| a_store.next_id().unwrap()).collect();
    ids.extend((0..100).map(|_| b_store.next_id().unwrap()));
    let distinct: std::collections::HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        ids.len(),
        "two nodes never hand out the same id"
    );
    a.shutdown().await;
    b.shutdown().await;
}

fn token_of_3() -> TokenRecord {
    TokenRecord {
        user: UserId(3),
        kind: TokenKind::Session,
        created_at: Millis(1),
        expires_at: None,
    }
}
