//! The permission matrix's harnesses for live events and for access taken
//! away mid-session (`tests/integration/matrix`, included as they are)
//! over the cluster: the world seeded through the test's own member, the
//! actors on node A, the subjects on A, B and C in turn. Every event must
//! reach exactly the subjects the matrix allows, and removing a team must
//! close exactly the connections that reached it, whichever node they are
//! on.

#[allow(dead_code)]
#[path = "../integration/matrix/events.rs"]
mod events;
#[allow(dead_code)]
#[path = "../integration/matrix/mid_session.rs"]
mod mid_session;
#[allow(dead_code)]
#[path = "../integration/matrix/table.rs"]
mod table;
#[allow(dead_code)]
#[path = "../integration/matrix/world.rs"]
mod world;

use crate::world::ClusterWorld;
use switchboard_protocol::ids::{ConversationId, UserId};
use switchboard_server::GrantState;
use world::MatrixWorld;

/// Starts the cluster and seeds the matrix's world into it.
async fn seeded() -> Option<(ClusterWorld<()>, MatrixWorld)> {
    let cluster = ClusterWorld::start_unseeded().await?;
    let store = cluster.store.as_ref();
    // No subject is connected yet: the grant goes straight to the store.
    let grant = |conversation: ConversationId, user: UserId, state: GrantState, by: UserId| {
        switchboard_server::grants::set(store, conversation, user, state, by)
            .expect("the grant is set");
    };
    let (url, addr) = (cluster.url(0), cluster.nodes[0].addr());
    let world = MatrixWorld::seed_on(store, &url, addr, &grant).await;
    Some((cluster, world))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_reaches_exactly_the_subjects_the_matrix_allows_on_every_node() {
    let Some((cluster, world)) = seeded().await else {
        return;
    };
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i)).collect();
    events::run_on(&urls, &world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_team_closes_every_connection_that_reached_it_on_every_node() {
    let Some((cluster, world)) = seeded().await else {
        return;
    };
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i)).collect();
    mid_session::run_on(&urls, cluster.store.as_ref(), &world).await;
}
