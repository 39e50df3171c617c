//! The server as a whole: opens the store (through `store::open`, the one
//! place that picks the engine), starts the group committer, the teams'
//! log over both (`team_log::LocalLog`, which the hubs write through) and
//! the HTTP listener, and stops them in order.
//!
//! Shutdown order matters for durability: connections are told to go
//! (1012) and hubs stop taking commands; hubs then wait for the flush of
//! what they already wrote; only when every connection and hub task has
//! ended does the committer run its last flush and stop.

use crate::admin::AdminError;
use crate::commit::{Committer, Flusher};
use crate::config::Config;
use crate::grants;
use crate::http;
use crate::hub::{HubContext, HubThreads, Peers, Registry};
use crate::limits::Admission;
use crate::live::LiveConnections;
use crate::mail::{MailError, Mailer, Outbox, SmtpMailer};
use crate::outlet::Pacer;
use crate::relay::Relay;
use crate::shared_limits::SharedLimits;
use crate::store::{GrantRecord, GrantState, Store, StoreError};
use crate::team_log::{LocalLog, TeamLog};
use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use switchboard_protocol::ids::{ConversationId, UserId};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The data folder could not be opened as a store.
    #[error("cannot open the store in {dir}: {source}")]
    Store {
        /// The folder.
        dir: String,
        /// What failed.
        source: StoreError,
    },
    /// The flusher thread could not be started.
    #[error("cannot start the flusher thread: {0}")]
    Flusher(std::io::Error),
    /// The hubs' threads could not be started.
    #[error("cannot start the hubs' threads: {0}")]
    HubThreads(std::io::Error),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What failed.
        source: std::io::Error,
    },
    /// The SMTP settings could not be used.
    #[error("cannot set up mail: {0}")]
    Mail(MailError),
    /// The operator credential could not be written into the data folder.
    #[error("cannot write the operator credential into {dir}: {source}")]
    Operator {
        /// The data folder.
        dir: String,
        /// What failed.
        source: std::io::Error,
    },
}

/// How many connections may wait to be accepted. The usual default of 128
/// drops SYNs when thousands of clients reconnect at once (after a restart,
/// say), and each dropped SYN costs its client a one-second retry.
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// What every connection shares.
pub(crate) struct ServerState {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) config: Arc<Config>,
    /// The group committer, for writes outside hubs (sign-up, logout) to
    /// wait until they are on disk.
    pub(crate) committer: Arc<Committer>,
    /// Every connection past its hello, by token and by user.
    pub(crate) live: Arc<LiveConnections>,
    /// Where invitations are mailed.
    pub(crate) mailer: Arc<dyn Mailer>,
    /// Fires once when the server stops.
    pub(crate) stop: watch::Receiver<bool>,
    /// Open connections per user and overall, and each user's rate bucket.
    pub(crate) admission: Arc<Admission>,
    /// The most bytes any connection's outbound queue ever held.
    pub(crate) outbound_high_water: Arc<AtomicUsize>,
    /// The browser origins allowed besides the server's own, parsed once.
    pub(crate) origins: crate::http::Origins,
    /// The HTTP endpoints' throttles, hasher, pending sign-ups and backup
    /// slot.
    pub(crate) edge: crate::http::Edge,
    /// The idempotency keys being carried out (see `idempotency`).
    pub(crate) claims: Arc<crate::idempotency::Claims>,
    /// The gate of reports and usage counts.
    pub(crate) scans: crate::scans::Scans,
    /// Held by every connection task (through this state); the server
    /// waits for all of them to drop it.
    _alive: mpsc::Sender<()>,
    connections: AtomicU64,
}

impl ServerState {
    pub(crate) fn next_connection_id(&self) -> u64 {
        self.connections.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// What a node of a cluster shares with the others.
struct Shared {
    log: Arc<dyn TeamLog>,
    client: async_nats::Client,
    node: String,
}

/// A running server.
pub struct Server {
    local_addr: SocketAddr,
    store: Arc<dyn Store>,
    state: Option<Arc<ServerState>>,
    stop: watch::Sender<bool>,
    alive: mpsc::Receiver<()>,
    http: JoinHandle<()>,
    flusher: Option<Flusher>,
    /// Where the hubs run; stopped last, once none runs.
    hub_threads: HubThreads,
}

impl Server {
    /// Opens the store in `config.data_dir` (see [`crate::store::open`])
    /// and starts serving.
    pub async fn start(config: Config) -> Result<Server, ServerError> {
        let store = crate::store::open(&config.data_dir).map_err(|source| ServerError::Store {
            dir: config.data_dir.display().to_string(),
            source,
        })?;
        Server::start_with_store(config, store).await
    }

    /// Starts serving on an already opened store.
    pub async fn start_with_store(
        config: Config,
        store: Arc<dyn Store>,
    ) -> Result<Server, ServerError> {
        Server::start_on(config, store, None).await
    }

    /// Starts serving as one node of a cluster (see [`crate::cluster`]):
    /// its store and team logs are the cluster's, write commands go to each
    /// team's writer, and presence and access changes reach the other
    /// nodes.
    pub async fn start_in_cluster(
        config: Config,
        cluster: Arc<crate::cluster::Cluster>,
    ) -> Result<Server, ServerError> {
        let shared = Shared {
            log: cluster.log(),
            client: cluster.client(),
            node: cluster.node().to_string(),
        };
        Server::start_on(config, cluster.store(), Some(shared)).await
    }

    async fn start_on(
        config: Config,
        store: Arc<dyn Store>,
        shared: Option<Shared>,
    ) -> Result<Server, ServerError> {
        let listener = listen(config.listen).map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
        let mailer: Arc<dyn Mailer> = match &config.smtp {
            Some(smtp) => Arc::new(SmtpMailer::new(smtp).map_err(ServerError::Mail)?),
            None => Arc::new(Outbox::new(Arc::clone(&store))),
        };
        let config = Arc::new(config);
        let (stop, stop_rx) = watch::channel(false);
        let (alive_tx, alive) = mpsc::channel(1);
        let (committer, flusher) =
            Committer::start(Arc::clone(&store)).map_err(ServerError::Flusher)?;
        let claims = Arc::new(crate::idempotency::Claims::default());
        let live = LiveConnections::new();
        let (log, peers): (Arc<dyn TeamLog>, _) = match shared {
            Some(Shared { log, client, node }) => {
                let relay = Arc::new(Relay::new(client.clone(), node.clone()));
                live.relay_to(Arc::clone(&relay));
                tokio::spawn(relay.serve(Arc::clone(&live), stop_rx.clone()));
                let peers = Peers::new(client, node, Arc::clone(&claims));
                (log, Some(Arc::new(peers)))
            }
            None => {
                let log = LocalLog::new(Arc::clone(&store), Arc::clone(&committer));
                (Arc::new(log), None)
            }
        };
        let hub_threads = HubThreads::start().map_err(ServerError::HubThreads)?;
        let metrics = crate::metrics::get();
        let workers = |handle: &tokio::runtime::Handle| handle.metrics().num_workers() as i64;
        metrics
            .connection_threads
            .set(workers(&tokio::runtime::Handle::current()));
        metrics.hub_threads.set(workers(&hub_threads.handle()));
        let registry = Registry::new(HubContext {
            store: Arc::clone(&store),
            log,
            config: Arc::clone(&config),
            stop: stop_rx.clone(),
            alive: alive_tx.clone(),
            peers: peers.clone(),
            threads: hub_threads.handle(),
            pacer: Pacer::new(tokio::runtime::Handle::current()),
        });
        if let Some(peers) = &peers {
            tokio::spawn(Arc::clone(peers).serve(Arc::clone(&registry)));
            tokio::spawn(Arc::clone(peers).hear(Arc::clone(&registry)));
        }
        // Deliveries to other teams that a crash left half done finish now.
        if let Err(e) = registry.import_pending_handoffs() {
            tracing::error!(error = %e, "cannot read pending handoffs");
        }
        let admission = Admission::new(config.limits.clone());
        if let Some(peers) = &peers {
            let (client, node) = peers.connection();
            let shared = SharedLimits::start(client, node, &admission, stop_rx.clone());
            admission.share_with(shared);
        }
        let site = crate::http::Site::new(config.public_url.as_deref(), local_addr);
        // The public URL's pages may be served under another `Host` (a
        // proxy's): their origin is the server's own too.
        let mut allowed = config.allowed_origins.clone();
        allowed.push(site.origin().to_string());
        let origins = crate::http::Origins::new(&allowed);
        let edge =
            crate::http::Edge::new(&config, site).map_err(|source| ServerError::Operator {
                dir: config.data_dir.display().to_string(),
                source,
            })?;
        let scans = crate::scans::Scans::new(config.scans_running, config.scans_waiting);
        let accepting = alive_tx.clone();
        let state = Arc::new(ServerState {
            store: Arc::clone(&store),
            registry,
            config,
            committer,
            live,
            mailer,
            stop: stop_rx.clone(),
            admission,
            outbound_high_water: Arc::default(),
            origins,
            edge,
            claims,
            scans,
            _alive: alive_tx,
            connections: AtomicU64::new(0),
        });
        let app = http::router(Arc::clone(&state));
        // Connections are accepted on a thread of their own, so that a
        // crowd reconnecting at once is not dropped by the kernel's accept
        // queue while the runtime is busy (see `acceptor`).
        let places = http::handshake::Places::new(state.config.max_open_connections);
        let listener =
            http::acceptor::Acceptor::spawn(listener, places.clone(), stop_rx.clone(), accepting)
                .map_err(|source| ServerError::Bind {
                addr: local_addr,
                source,
            })?;
        // Small frames (acks, single events) must not wait for Nagle's
        // algorithm to coalesce them with the next write.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        // Closed connections are read until the peer closes too, so that
        // a reset does not swallow the server's last words.
        let listener = http::linger::Lingering::new(listener);
        let listener =
            http::handshake::Bounded::new(listener, state.config.handshake_timeout, places);
        let idle = state.config.http_idle_timeout;
        let http = tokio::spawn(http::serve::serve(listener, app, idle, stop_rx));
        crate::sweep::spawn(Arc::clone(&state));
        // Imports a stop left half done go on from their cursor.
        crate::imports::resume(&state);
        // Blasts a stop left running go on with their pending recipients.
        crate::blasts::resume(&state);
        // Webhook bridges go on with the messages not yet sent.
        crate::webhook::resume(&state);
        tracing::info!(%local_addr, "listening");
        Ok(Server {
            local_addr,
            store,
            state: Some(state),
            stop,
            alive,
            http,
            flusher: Some(flusher),
            hub_threads,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The most bytes any connection's outbound queue (queued, or taken by
    /// its writer and not yet written) has held since the server started.
    /// It never exceeds `limits.outbound_queue_bytes`.
    pub fn outbound_high_water(&self) -> usize {
        self.state
            .as_ref()
            .map_or(0, |s| s.outbound_high_water.load(Ordering::Relaxed))
    }

    /// How many users have a connection open past its hello.
    pub fn connected_users(&self) -> usize {
        self.state.as_ref().map_or(0, |s| s.admission.users())
    }

    /// The store the server writes to.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }

    /// Grants, accepts or revokes a user's access to one conversation as a
    /// Restricted Member (see [`crate::grants`]), and closes the user's live
    /// connections with 4009 so that the change takes effect at once.
    pub fn set_grant(
        &self,
        conversation: ConversationId,
        user: UserId,
        state: GrantState,
        invited_by: UserId,
    ) -> Result<GrantRecord, AdminError> {
        let grant = match &self.state {
            Some(state_) => grants::change(
                self.store.as_ref(),
                &state_.live,
                conversation,
                user,
                state,
                invited_by,
            )?,
            None => grants::set(self.store.as_ref(), conversation, user, state, invited_by)?,
        };
        Ok(grant)
    }

    /// Stops the server: closes every connection with 1012, lets hubs
    /// finish and flush what they wrote, then flushes the store.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Err(e) = (&mut self.http).await {
            tracing::error!(error = %e, "http task panicked");
        }
        tracing::info!("stopped accepting connections");
        if let Some(state) = self.state.take() {
            state.registry.settled().await;
            tracing::info!("every write taken is answered; closing connections with 1012");
        }
        // Every connection and hub task holds a sender; recv returns None
        // once the last one has ended.
        while self.alive.recv().await.is_some() {}
        tracing::info!("connections closed");
        if let Some(flusher) = self.flusher.take() {
            flusher.stop().await;
        }
        if let Err(e) = self.store.flush() {
            tracing::error!(error = %e, "final flush failed");
        }
        // No hub runs any more.
        drop(self.hub_threads);
        tracing::info!("store flushed; stopped");
    }
}
