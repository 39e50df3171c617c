//! Per-user limits hold across nodes: a user's connections on every node
//! count against `max_connections_per_user`, so a node refuses the one too
//! many (4030) though it holds none of the others, and admits again once
//! one of them goes.

use crate::util::{connect, Raw, PATIENCE};
use crate::world::ClusterWorld;
use std::time::{Duration, Instant};
use switchboard_protocol::client::{ClientFrame, Hello};
use switchboard_protocol::close;
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::PROTOCOL_VERSION;

/// Says hello on `url` with `token`; the close code if the node closes
/// the connection (none if it stays open past a moment).
async fn hello_refusal(url: &str, token: &str) -> Option<u16> {
    let mut raw = Raw::connect(url, Encoding::Json).await;
    raw.send(&ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: token.to_string(),
    }))
    .await;
    tokio::time::timeout(Duration::from_millis(500), raw.close_code())
        .await
        .ok()
        .flatten()
}

/// Waits until a hello on `url` gets `wanted` (a close code, or none: the
/// connection stays open).
async fn until_hello(url: &str, token: &str, wanted: Option<u16>, why: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let got = hello_refusal(url, token).await;
        if got == wanted {
            return;
        }
        assert!(Instant::now() < deadline, "{why}: got {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_s_connections_on_every_node_count_against_their_limit() {
    let Some(cluster) = ClusterWorld::start_with(&["--max-connections-per-user", "2"]).await else {
        return;
    };
    let bob = &cluster.world.bob.token;
    let (on_a, _events_a) = connect(&cluster.url(0), bob).await;
    let (_on_b, _events_b) = connect(&cluster.url(1), bob).await;
    until_hello(
        &cluster.url(2),
        bob,
        Some(close::TOO_MANY_CONNECTIONS),
        "C refuses bob's third connection, his two being on A and B",
    )
    .await;
    let alice = &cluster.world.alice.token;
    assert_eq!(
        hello_refusal(&cluster.url(2), alice).await,
        None,
        "another user is admitted on C"
    );

    on_a.close().await;
    until_hello(
        &cluster.url(2),
        bob,
        None,
        "C admits bob again once his connection on A is gone",
    )
    .await;
}
