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
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ttl = Duration::from_secs(5);
    let a = Cluster::connect(server.options(a_dir.path(), ttl))
        .await
        .unwrap();
    let b = Cluster::connect(server.options(b_dir.path(), ttl))
        .await
        .unwrap();
    assert_ne!(a.node(), b.node());
    let (a_store, b_store) = (a.store(), b.store());
    let token = TokenRecord {
        user: UserId(3),
        kind: TokenKind::Session,
        created_at: Millis(1),
        expires_at: None,
    };
    for n in 0..20u8 {
        let hash = [n; 32];
        a_store.put_token(&hash, &token).unwrap();
        assert_eq!(
            b_store.token(&hash).unwrap(),
            Some(token.clone()),
            "token {n} written on A is found on B right after A's write returned"
        );
    }
    let ids = [a_store.next_id().unwrap(), b_store.next_id().unwrap()];
    assert_ne!(ids[0], ids[1], "two nodes never hand out the same id");
    a.shutdown().await;
    b.shutdown().await;
}
