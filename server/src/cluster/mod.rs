//! Several Switchboard nodes over NATS JetStream.
//!
//! One stream, `SWITCHBOARD`, is the truth: directory ops on `sb.dir`,
//! each team's log on `sb.team.<team>`. One stream rather than one per
//! team keeps one Raft group instead of thousands, and its per-subject
//! sequences still give each team its own fence
//! (`Nats-Expected-Last-Subject-Sequence`). Each node keeps a projection
//! of the stream (a sled store in `<data>/projection`, which a restarted
//! node takes up from the sequence it had applied, and rebuilds from the
//! stream's start if it was made from another stream) fed by its applier
//! (`applier.rs`, each op applied by `apply.rs`) and serving
//! its reads (`NatsStore`, `store.rs` and `timeline.rs`); its writes are
//! ops (`ops.rs`) published and awaited by `node.rs`. A team's writer is
//! the node holding its lease in the KV bucket `sb_leases` (`lease.rs`);
//! it appends through the team log (`log.rs`, batches sent by
//! `publisher.rs`), and what it appended is found before it is applied
//! (`pending.rs`).
//!
//! Invariants:
//! - Every node applies the same ops in the same order to the same start
//!   (an empty projection, or its own projection of the same stream up to
//!   the sequence it recorded), so every node computes the same state and
//!   the same result for each write.
//! - A node's id is drawn at each start: a restarted node is a new node,
//!   and nothing it published before is mistaken for its own.

mod applier;
mod apply;
mod blasts;
mod lease;
mod log;
mod node;
mod ops;
mod pending;
mod posts;
mod publisher;
mod store;
mod timeline;
mod transfers;
mod webhooks;

#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod log_tests;
#[cfg(test)]
pub(crate) mod nats_server;
#[cfg(test)]
mod resume_tests;
#[cfg(test)]
mod tests;

use crate::store::{SledStore, Store, StoreError};
use crate::team_log::TeamLog;
use applier::Applier;
use async_nats::jetstream::{self, kv, stream};
use node::{Node, DIRECTORY, LEASES, STREAM};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How a node joins the cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The NATS servers to connect to (`nats://host:port`), any of them.
    pub urls: Vec<String>,
    /// The node's data folder; its projection lives in `projection/`.
    pub data_dir: PathBuf,
    /// How many NATS servers keep each message (1 for a single server).
    pub replicas: usize,
    /// How long a team's lease lasts without renewal.
    pub lease_ttl: Duration,
}

/// Why a node could not join the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No NATS server of the list answered.
    #[error("cannot connect to NATS at {urls}: {source}")]
    Connect {
        /// The servers tried.
        urls: String,
        /// The client's complaint.
        source: async_nats::ConnectError,
    },
    /// JetStream refused to set up or show the stream or the bucket.
    #[error("cannot set up JetStream's {what}: {detail}")]
    JetStream {
        /// Which part (the stream, the lease bucket, ...).
        what: &'static str,
        /// The server's or client's complaint.
        detail: String,
    },
    /// The projection could not be opened or caught up.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// This process's membership of the cluster.
pub struct Cluster {
    node: Arc<Node>,
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// The store, made at the first call of [`Cluster::store`].
    store: OnceLock<Arc<store::NatsStore>>,
    /// The team logs.
    log: Arc<log::NatsLog>,
}

impl Cluster {
    /// Connects to NATS, creates the stream and the lease bucket if they
    /// are missing, opens the projection (resumed where it got to, or
    /// rebuilt) and starts the applier; returns once the projection has
    /// caught up. Call it on a
    /// multi-thread runtime: the store's synchronous methods lend their
    /// worker to the client while they wait (see `node::Node::block`).
    pub async fn connect(options: ClusterOptions) -> Result<Arc<Cluster>, ClusterError> {
        let id = format!("{:016x}", rand::random::<u64>());
        let client = async_nats::ConnectOptions::new()
            .name(format!("switchboard-{id}"))
            .connect(options.urls.as_slice())
            .await
            .map_err(|source| ClusterError::Connect {
                urls: options.urls.join(","),
                source,
            })?;
        let jetstream = jetstream::new(client.clone());
        let replicas = options.replicas.max(1);
        let stream = jetstream
            .get_or_create_stream(stream::Config {
                name: STREAM.into(),
                subjects: vec![DIRECTORY.into(), "sb.team.>".into()],
                num_replicas: replicas,
                storage: stream::StorageType::File,
                allow_direct: true,
                ..Default::default()
            })
            .await
            .map_err(|e| setup("stream", e))?;
        let leases = match jetstream.get_key_value(LEASES).await {
            Ok(leases) => leases,
            Err(_) => jetstream
                .create_key_value(kv::Config {
                    bucket: LEASES.into(),
                    history: 1,
                    max_age: options.lease_ttl,
                    num_replicas: replicas,
                    ..Default::default()
                })
                .await
                .map_err(|e| setup("lease bucket", e))?,
        };
        // The bucket keeps the TTL of the node that created it; a node
        // configured longer renews as often as the bucket needs.
        let lease_ttl = match leases.status().await {
            Ok(status) if status.max_age() > Duration::ZERO => {
                options.lease_ttl.min(status.max_age())
            }
            _ => options.lease_ttl,
        };
        let (projection, applied) = open_projection(&options.data_dir, stream.cached_info())?;
        let applier = Arc::new(Applier::new(Arc::new(projection), id.clone(), applied));
        let node = Arc::new(Node::new(
            id,
            client,
            jetstream,
            stream.clone(),
            leases,
            Arc::clone(&applier),
            lease_ttl,
            tokio::runtime::Handle::current(),
        ));
        let (stop, stopped) = watch::channel(false);
        let applying = tokio::spawn(Arc::clone(&applier).run(stream, stopped.clone()));
        let log = Arc::new(log::NatsLog::new(Arc::clone(&node)));
        // Watching before any hub attaches: no release is missed.
        let first = leases_watch(&node).await;
        let releases = tokio::spawn(lease::watch_releases(Arc::clone(&log), first, stopped));
        let cluster = Arc::new(Cluster {
            node,
            stop,
            tasks: Mutex::new(vec![applying, releases]),
            store: OnceLock::new(),
            log,
        });
        cluster.node.catch_up_from_start().await?;
        let applier = &cluster.node.applier;
        tracing::info!(
            node = %cluster.node.id,
            resumed_from = applier.resumed_from,
            replayed = applier.applied_here.load(std::sync::atomic::Ordering::Relaxed),
            "the projection caught up"
        );
        Ok(cluster)
    }

    /// This node's id, drawn at start.
    pub fn node(&self) -> &str {
        &self.node.id
    }

    /// The store of this node: writes through the stream, reads from the
    /// projection.
    pub fn store(self: &Arc<Self>) -> Arc<dyn Store> {
        // One store, so that one block of ids is reserved at a time.
        let store = self
            .store
            .get_or_init(|| Arc::new(store::NatsStore::new(Arc::clone(&self.node))));
        Arc::clone(store) as Arc<dyn Store>
    }

    /// The team logs of this node: the hubs append through it, each team's
    /// writer being the node holding its lease.
    pub(crate) fn log(self: &Arc<Self>) -> Arc<dyn TeamLog> {
        Arc::clone(&self.log) as Arc<dyn TeamLog>
    }

    /// The NATS connection, for the hub's own subjects.
    pub fn client(&self) -> async_nats::Client {
        self.node.client.clone()
    }

    /// Stops the node's tasks, releases the leases it holds and flushes
    /// the projection.
    pub async fn shutdown(&self) {
        self.log.shutdown().await;
        self.stop.send_replace(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            let _ = task.await;
        }
        if let Err(e) = self.node.client.flush().await {
            tracing::warn!(error = %e, "NATS did not take the last messages");
        }
        let projection = Arc::clone(&self.node.applier.projection);
        let flushed = tokio::task::spawn_blocking(move || projection.flush()).await;
        if let Ok(Err(e)) = flushed {
            tracing::warn!(error = %e, "the projection could not be flushed");
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Tasks left running would keep the node alive in the cluster:
        // stopped, the lease tasks release their leases on their way out.
        self.stop.send_replace(true);
        self.log.stop();
    }
}

/// Opens the projection and says the stream sequence it holds: the
/// node's own projection of this stream is taken up where it got to; one
/// of another stream (the stream deleted and made again, the NATS servers'
/// storage lost), or one that never recorded a sequence, is wiped and
/// rebuilt from the stream's first message, never mixed with it.
fn open_projection(
    data_dir: &std::path::Path,
    stream: &stream::Info,
) -> Result<(SledStore, u64), ClusterError> {
    let dir = data_dir.join("projection");
    // A stream is known by its name and its creation: a stream made again
    // under the same name starts over at sequence 1 with other ops.
    let source = format!(
        "{}@{}",
        stream.config.name,
        stream.created.unix_timestamp_nanos()
    );
    if dir.exists() {
        let projection = SledStore::open(&dir)?;
        let applied = projection.applied_position()?;
        match applied {
            Some(applied)
                if projection.source()?.as_deref() == Some(source.as_bytes())
                    && applied <= stream.state.last_sequence =>
            {
                tracing::info!(applied, "the projection resumes from the stream");
                return Ok((projection, applied));
            }
            _ => tracing::info!(
                applied,
                "the projection was not made from this stream; rebuilding it"
            ),
        }
    }
    let io = |e: std::io::Error| {
        StoreError::Io(format!(
            "cannot reset the projection in {}: {e}",
            dir.display()
        ))
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io)?;
    }
    std::fs::create_dir_all(&dir).map_err(io)?;
    let projection = SledStore::open(&dir)?;
    // Named before any op is applied: sled keeps the order of writes, so
    // a projection holding ops also holds their stream's name.
    projection.keep_source(source.as_bytes())?;
    Ok((projection, 0))
}

async fn leases_watch(node: &Node) -> Option<async_nats::jetstream::kv::Watch> {
    match node.leases.watch_all().await {
        Ok(watch) => Some(watch),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the leases yet");
            None
        }
    }
}

fn setup(what: &'static str, e: impl std::fmt::Display) -> ClusterError {
    ClusterError::JetStream {
        what,
        detail: e.to_string(),
    }
}
