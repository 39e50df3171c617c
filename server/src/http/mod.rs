//! HTTP on the listening port: the WebSocket endpoint (`/ws`, see [`ws`]),
//! the JSON account endpoints under `/api` ([`api`]: login, logout,
//! invitations; [`signup`]; [`account`]: password change; [`session`]:
//! the browser's cookie session and WebSocket tickets), health
//! (`/healthz`, `/readyz`), metrics (`/metrics`) and the online backup
//! (`POST /api/admin/backup`, see [`ops`]), contact imports and exports
//! ([`imports`], [`exports`]), and at every other path the
//! browser app, embedded in the binary ([`app`]). [`serve`] runs the listener
//! ([`handshake`]) with its timeouts and connection cap. Every answer
//! carries the security headers of [`headers`].
//!
//! Every answer under `/api` is JSON, errors included (see [`error`]), so
//! that a browser app can branch on a stable code.

pub(crate) mod acceptor;
mod account;
mod api;
mod app;
mod bridges;
pub mod echo;
mod error;
mod exports;
pub(crate) mod handshake;
mod headers;
mod imports;
pub(crate) mod linger;
mod ops;
mod origin;
pub(crate) mod serve;
mod session;
mod signup;
pub(crate) mod site;
mod throttle;
mod ticket;
mod transfers;
mod widget;
mod ws;

pub(crate) use origin::Origins;
pub(crate) use site::Site;
pub(crate) use throttle::client_key;

use crate::config::Config;
use crate::password::Hasher;
use crate::server::ServerState;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What the HTTP endpoints keep between requests: the password endpoints'
/// throttles and hasher, the backup slot, the operator credential, the
/// WebSocket tickets waiting for their hello, and the public address
/// (pending sign-ups are in the store).
pub(crate) struct Edge {
    pub(crate) throttle: throttle::Throttle,
    pub(crate) hasher: Hasher,
    /// One permit: one backup at a time.
    pub(crate) backups: Arc<Semaphore>,
    /// The secret of `operator.secret`; `None` while backups are off.
    pub(crate) operator_secret: Option<String>,
    /// Tickets issued by `POST /api/ws-ticket`, waiting for their hello.
    pub(crate) tickets: ticket::Tickets,
    /// Where people reach the server: mail links, the cookie's `Secure`.
    pub(crate) site: Site,
    /// The contact imports running here.
    pub(crate) imports: crate::imports::Imports,
    /// The blasts running here.
    pub(crate) blasts: crate::blasts::Running,
    /// The web chat visitors' throttles.
    pub(crate) visitors: crate::widget::VisitorGate,
    /// The webhook bridges dispatched here.
    pub(crate) webhooks: crate::webhook::Dispatchers,
}

impl Edge {
    /// The edge of a server with `config`, reached at `site`; writes the
    /// operator credential into the data folder when the backup endpoint
    /// is on.
    pub(crate) fn new(config: &Config, site: Site) -> std::io::Result<Edge> {
        let operator_secret = match config.backup_dir {
            Some(_) => Some(crate::auth::write_operator_secret(&config.data_dir)?),
            None => None,
        };
        Ok(Edge {
            throttle: throttle::Throttle::new(&config.auth),
            hasher: Hasher::new(config.auth.hash_concurrency, config.auth.hash_queue),
            backups: Arc::new(Semaphore::new(1)),
            operator_secret,
            tickets: ticket::Tickets::new(config.ws_ticket_ttl),
            site,
            imports: crate::imports::Imports::default(),
            blasts: crate::blasts::Running::default(),
            visitors: crate::widget::VisitorGate::new(&config.limits.visitors),
            webhooks: crate::webhook::Dispatchers::default(),
        })
    }

    /// Forgets what has run out: idle throttle keys, expired tickets.
    pub(crate) fn sweep(&self) {
        self.throttle.forget_idle();
        self.tickets.forget_expired();
        self.visitors.forget_idle();
    }

    /// The hash of the session token a hello's `token` stands for: the
    /// token's own, or for a WebSocket ticket (used up here) its session's;
    /// None for a ticket that is unknown, used or expired.
    pub(crate) fn hello_token(&self, token: &str) -> Option<[u8; 32]> {
        if token.starts_with(ticket::PREFIX) {
            self.tickets.redeem(token)
        } else {
            Some(crate::auth::hash(token))
        }
    }
}

pub(crate) fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/ws", get(ws::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/chat/{handle}", get(widget::page))
        .nest("/api", api::router())
        .fallback(app::fallback)
        .layer(axum::middleware::from_fn(headers::secure))
        .with_state(state)
}
