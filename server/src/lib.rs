//! Switchboard's chat server.
//!
//! The path of a message: `http` accepts the WebSocket upgrade (and serves
//! sign-up, login and logout as JSON, with [`password`] and [`auth`]);
//! `connection` runs a reader and a writer per socket, listed in `live` by
//! token and user so that a revocation reaches them; `session` checks
//! every request against [`access`]; the team's `hub` assigns seqs and
//! appends to the team's log (`team_log`: the [`store`] plus the group
//! commit, `commit`), waits for the commit, then acknowledges and fans
//! out, encoding each event once.
//! Beside that path, `sweep` deletes expired tokens, invitations and old
//! mail in the background.
//! Contacts come in as CSV and go out as downloads through `imports`:
//! `http` spools an upload, a job reads it a batch at a time and the
//! team's hub writes each batch, with the job's cursor, as one entry.
//! Contacts are reached in bulk through `blasts`: a template sent to an
//! audience of the book at the team's rate, one keyed message each.
//! Joining a cluster ([`cluster`]), a server keeps its store and its team
//! logs in NATS JetStream instead, with a local projection for reads.
//!
//! The binary (`main.rs`) is glue: configuration, the admin commands and
//! signal handling.

pub mod access;
pub mod admin;
pub mod auth;
mod blasts;
pub mod bots;
pub mod cluster;
mod commit;
pub mod config;
mod connection;
mod contacts;
pub mod demo;
pub mod grants;
mod http;
mod hub;
mod idempotency;
mod imports;
pub mod invitation;
mod keyed_rate;
mod limits;
mod live;
pub mod mail;
mod metrics;
mod outlet;
pub mod password;
mod relay;
pub mod report;
mod scans;
mod server;
mod session;
mod shared_limits;
pub mod store;
mod sweep;
mod team_log;
pub mod time;
mod usage;
mod webhook;
mod widget;

pub use config::{Config, LimitsConfig};
pub use http::echo;
pub use server::{Server, ServerError};
pub use store::GrantState;
