//! The permission matrix's live-event harness (`tests/integration/matrix`,
//! included as it is) over the cluster: its world seeded through the
//! test's own member, the events made on node A, its subjects listening on
//! A, B and C in turn. Every event must reach exactly the subjects the
//! matrix allows, whichever node they are on.

#[allow(dead_code)]
#[path = "../integration/matrix/events.rs"]
mod events;
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

#[tokio::test(flavor = "multi_thread")]
async fn every_event_reaches_exactly_the_subjects_the_matrix_allows_on_every_node() {
    let Some(cluster) = ClusterWorld::start_unseeded().await else {
        return;
    };
    let store = cluster.store.as_ref();
    // No subject is connected yet: the grant goes straight to the store.
    let grant = |conversation: ConversationId, user: UserId, state: GrantState, by: UserId| {
        switchboard_server::grants::set(store, conversation, user, state, by)
            .expect("the grant is set");
    };
    let world = MatrixWorld::seed_on(store, &cluster.url(0), cluster.nodes[0].addr(), &grant).await;
    let urls: Vec<String> = (0..3).map(|i| cluster.url(i)).collect();
    events::run_on(&urls, &world).await;
}
