//! A Switchboard cluster the bench starts for a run: a fresh 3-server
//! NATS JetStream cluster ([`NatsCluster`]), the run's data seeded into it
//! through a cluster member of the bench's own (the same `seed` as for a
//! single server: the cluster's store is an ordinary `Store`), then N
//! `switchboard serve --nats` nodes, each on a data folder of its own.
//!
//! Invariants: the bench's own member has shut down (and closed its NATS
//! connection) before any node starts, so that every `switchboard-<id>`
//! connection NATS reports during the run is a node's; the nodes are
//! killed before their folders are removed and before NATS stops (field
//! order); every address is loopback.

use crate::nats::NatsCluster;
use crate::seed::{self, Layout, SeedPlan};
use crate::server_proc::ServerProcess;
use crate::wire::Endpoint;
use anyhow::Context;
use std::path::Path;
use std::time::Duration;
use switchboard_server::cluster::{Cluster, ClusterOptions};

/// The nodes' ownership lease: short, as an operator running failover
/// drills would set it; it only matters if a node stalls.
pub(crate) const LEASE_TTL: Duration = Duration::from_secs(2);
/// The stream the nodes keep the cluster's data in (`Cluster::connect`
/// creates it).
pub(crate) const STREAM: &str = "SWITCHBOARD";
/// How long the bench's own member may take to join and seed.
const SEED_TIMEOUT: Duration = Duration::from_secs(300);

/// One running node.
pub(crate) struct ClusterNode {
    /// Where it listens.
    pub(crate) endpoint: Endpoint,
    /// Its process id, for its CPU time.
    pub(crate) pid: u32,
}

/// NATS and N nodes, seeded; everything stops when dropped.
pub(crate) struct SwitchboardCluster {
    /// The nodes, in start order.
    pub(crate) nodes: Vec<ClusterNode>,
    /// What was seeded.
    pub(crate) layout: Layout,
    // Dropped in this order: the nodes, their folders, then NATS.
    _servers: Vec<ServerProcess>,
    _data: Vec<tempfile::TempDir>,
    /// The broker, for its counters.
    pub(crate) nats: NatsCluster,
}

/// Whether a NATS connection name is a node's (`switchboard-` and the
/// node's 16-hex-digit id, as `Cluster::connect` names it).
pub(crate) fn is_node_connection(name: &str) -> bool {
    name.strip_prefix("switchboard-")
        .is_some_and(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl SwitchboardCluster {
    /// Starts NATS, seeds `plan` into it and starts `nodes` nodes of `bin`.
    pub(crate) async fn start(
        bin: &Path,
        nodes: usize,
        plan: &SeedPlan,
    ) -> anyhow::Result<SwitchboardCluster> {
        let nats = NatsCluster::start().await?;
        let layout = tokio::time::timeout(SEED_TIMEOUT, seed_cluster(&nats.urls(), plan))
            .await
            .with_context(|| format!("seeding the cluster took over {SEED_TIMEOUT:?}"))??;
        let mut cluster = SwitchboardCluster {
            nodes: Vec::new(),
            layout,
            _servers: Vec::new(),
            _data: Vec::new(),
            nats,
        };
        // One at a time: each replays the stream before it listens.
        for n in 0..nodes {
            let data = tempfile::Builder::new()
                .prefix("switchboard-bench-node-")
                .tempdir()
                .context("creating a node's data folder")?;
            let server =
                ServerProcess::start_in_cluster(bin, data.path(), &cluster.nats.urls(), LEASE_TTL)
                    .with_context(|| format!("starting node {n}"))?;
            cluster.nodes.push(ClusterNode {
                endpoint: Endpoint::resolve(&server.url()).await?,
                pid: server.pid(),
            });
            cluster._servers.push(server);
            cluster._data.push(data);
        }
        Ok(cluster)
    }
}

/// Joins the cluster as a member of the bench's own, seeds `plan` through
/// its store, and leaves.
async fn seed_cluster(urls: &[String], plan: &SeedPlan) -> anyhow::Result<Layout> {
    let projection = tempfile::tempdir().context("creating the seeding member's folder")?;
    let options = ClusterOptions {
        urls: urls.to_vec(),
        data_dir: projection.path().to_path_buf(),
        replicas: 3,
        lease_ttl: LEASE_TTL,
    };
    let member = Cluster::connect(options)
        .await
        .context("the bench joining the cluster to seed it")?;
    let store = member.store();
    let bar = crate::progress::timed(Duration::from_secs(1), "seeding");
    let seeding = {
        let plan = plan.clone();
        let bar = bar.clone();
        // The store's methods wait on NATS: off the runtime's workers.
        tokio::task::spawn_blocking(move || {
            seed::seed_store(store.as_ref(), &plan, &|status| {
                bar.set_message(status.to_string())
            })
        })
        .await
    };
    bar.finish_and_clear();
    member.shutdown().await;
    drop(member);
    seeding.context("the seeding task failed")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_nodes_connection_counts_as_one() {
        assert!(is_node_connection("switchboard-0123456789abcdef"));
        assert!(!is_node_connection("switchboard-bench"));
        assert!(!is_node_connection("switchboard-0123456789abcdeg"));
        assert!(!is_node_connection("other-0123456789abcdef"));
    }
}
