//! The cluster fixture: a 3-node NATS cluster, the integration tests'
//! seeded world written into it through a [`Cluster`] of the test's own,
//! and three Switchboard nodes A, B, C joined to it.
//!
//! The seeding reuses the integration tests' `util::seed` as it is: the
//! cluster's store is an ordinary `Store`, so the same admin calls fill
//! it. The test's `Cluster` stays connected, for grants made later.

use crate::nats::NatsCluster;
use crate::nodes::{Node, LEASE_TTL};
use crate::util::{Login, World, PATIENCE};
use std::sync::Arc;
use std::time::Duration;
use switchboard_client::{Client, ClientConfig, Events};
use switchboard_protocol::ids::{ConversationId, TeamId};
use switchboard_server::cluster::{Cluster, ClusterOptions};
use switchboard_server::store::Store;
use switchboard_server::GrantState;

/// The KV bucket of the teams' ownership leases, and a team's key in it.
const LEASES: &str = "sb_leases";

/// NATS, nodes A, B, C (`nodes[0..3]`) and the world seeded into them
/// (by default the integration tests' [`World`]).
pub struct ClusterWorld<W = World> {
    pub world: W,
    pub nodes: Vec<Node>,
    /// The test's own member of the cluster, holding the seeded store.
    pub cluster: Arc<Cluster>,
    pub store: Arc<dyn Store>,
    pub nats: NatsCluster,
    _projection: tempfile::TempDir,
}

impl ClusterWorld<()> {
    /// Starts NATS, the test's own member and the three nodes, with
    /// nothing seeded; `None` when `nats-server` is missing outside CI.
    pub async fn start_unseeded() -> Option<ClusterWorld<()>> {
        ClusterWorld::start_unseeded_with(&[]).await
    }

    /// As [`ClusterWorld::start_unseeded`], each node started with `flags`
    /// added to its command line.
    pub async fn start_unseeded_with(flags: &[&str]) -> Option<ClusterWorld<()>> {
        let nats = NatsCluster::start().await?;
        let projection = tempfile::tempdir().expect("a temporary folder");
        let options = ClusterOptions {
            urls: nats.urls(),
            data_dir: projection.path().to_path_buf(),
            replicas: 3,
            lease_ttl: LEASE_TTL,
        };
        let cluster = tokio::time::timeout(PATIENCE * 3, Cluster::connect(options))
            .await
            .expect("the test joins the cluster in time")
            .expect("the test joins the cluster");
        let store = cluster.store();
        let urls = nats.urls().join(",");
        // One at a time: each waits for its projection to catch up.
        let nodes = (0..3).map(|_| Node::start_with(&urls, flags)).collect();
        Some(ClusterWorld {
            world: (),
            nodes,
            cluster,
            store,
            nats,
            _projection: projection,
        })
    }
}

impl ClusterWorld {
    /// Starts everything and seeds the integration tests' [`World`]
    /// through the test's own member (the nodes find it on their first
    /// lookup); `None` when `nats-server` is missing outside CI.
    pub async fn start() -> Option<ClusterWorld> {
        ClusterWorld::start_with(&[]).await
    }

    /// As [`ClusterWorld::start`], each node started with `flags` added to
    /// its command line.
    pub async fn start_with(flags: &[&str]) -> Option<ClusterWorld> {
        let bare = ClusterWorld::start_unseeded_with(flags).await?;
        let world = crate::util::seed(bare.store.as_ref());
        Some(bare.with(world))
    }

    /// A new user with no team, let into `conversation` alone by an
    /// accepted grant from alice: a Restricted Member, with a token.
    pub fn restricted_member(&self, conversation: ConversationId, email: &str) -> Login {
        let store = self.store.as_ref();
        let login = crate::restricted::outsider(store, email, "Restricted");
        let by = self.world.alice.user;
        switchboard_server::grants::set(store, conversation, login.user, GrantState::Accepted, by)
            .expect("the grant is set");
        login
    }
}

impl<W> ClusterWorld<W> {
    /// The same cluster with `world` seeded into it.
    pub fn with<V>(self, world: V) -> ClusterWorld<V> {
        ClusterWorld {
            world,
            nodes: self.nodes,
            cluster: self.cluster,
            store: self.store,
            nats: self.nats,
            _projection: self._projection,
        }
    }

    /// Node `i`'s WebSocket URL.
    pub fn url(&self, i: usize) -> String {
        self.nodes[i].url.clone()
    }

    /// The node id holding `team`'s ownership lease now, if any.
    pub async fn lease_holder(&self, team: TeamId) -> Option<String> {
        let js = async_nats::jetstream::new(self.cluster.client());
        let bucket = js.get_key_value(LEASES).await.ok()?;
        let value = bucket.get(format!("team.{team}")).await.ok()??;
        Some(String::from_utf8_lossy(&value).into_owned())
    }

    /// The node id holding `team`'s ownership lease, once one does.
    pub async fn writer_id(&self, team: TeamId) -> String {
        let found = tokio::time::timeout(PATIENCE, async {
            loop {
                if let Some(holder) = self.lease_holder(team).await {
                    return holder;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        found.await.expect("the team has a writer in time")
    }

    /// Which of A, B, C printed the node id `id` at start, if one did.
    pub fn node_with_id(&self, id: &str) -> Option<usize> {
        (0..self.nodes.len()).find(|i| self.nodes[*i].printed(id))
    }
}

/// An SDK client on `url` whose requests give up after `timeout` (a dead
/// node's client must not wait the default 30 s to say so).
pub async fn connect_with(url: &str, token: &str, timeout: Duration) -> (Client, Events) {
    let mut config = ClientConfig::new(url, token);
    config.request_timeout = timeout;
    tokio::time::timeout(PATIENCE, Client::connect(config))
        .await
        .expect("the SDK connects in time")
        .expect("the SDK connects")
}
