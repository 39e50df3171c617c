//! Access changes across servers: when several servers share the store,
//! a change that closes connections on one (a logout or a password change
//! closing a token's connections with 4001, a role or grant change
//! closing a user's with 4009, a team removed) closes the connections it
//! concerns on every server, over the plain NATS subject `sb.live`.
//!
//! Invariants:
//! - Each server closes its own connections first, then tells the others;
//!   a server ignores what it told itself.
//! - What crosses is only whose connections to close (a token's hash, a
//!   user, a team), the close code and the reason: never a secret.
//! - The exception a change makes for the connection that made it (which
//!   answers and reloads its own access) concerns only that server: the
//!   others close every connection concerned.
//! - At most once: a server that was unreachable when the change was told
//!   misses it; its connections' next access check (their hello, or a
//!   reload) finds the change in the store.

use crate::live::{LiveConnections, TokenHash};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_protocol::ids::{TeamId, UserId};
use tokio::sync::watch;

const SUBJECT: &str = "sb.live";

/// Whose connections a change closes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) enum Whose {
    Token(TokenHash),
    User(UserId),
    Team(TeamId),
}

#[derive(Serialize, Deserialize)]
struct Closing {
    from: String,
    whose: Whose,
    code: u16,
    reason: String,
}

/// How this server tells the others, and hears them.
pub(crate) struct Relay {
    client: async_nats::Client,
    node: String,
}

impl Relay {
    pub(crate) fn new(client: async_nats::Client, node: String) -> Relay {
        Relay { client, node }
    }

    /// Tells the other servers to close `whose` connections (on a task:
    /// the change that made it never waits for the broker).
    pub(crate) fn tell(&self, whose: Whose, code: u16, reason: &str) {
        let closing = Closing {
            from: self.node.clone(),
            whose,
            code,
            reason: reason.to_string(),
        };
        let payload = match rmp_serde::to_vec_named(&closing) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode an access change");
                return;
            }
        };
        let client = self.client.clone();
        tokio::spawn(async move {
            if let Err(e) = client.publish(SUBJECT, payload.into()).await {
                tracing::warn!(error = %e, "an access change was not told to the other servers");
            }
        });
    }

    /// Closes this server's connections as the other servers tell, until
    /// `stop`.
    pub(crate) async fn serve(
        self: Arc<Self>,
        live: Arc<LiveConnections>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut told = match self.client.subscribe(SUBJECT).await {
            Ok(told) => told,
            Err(e) => {
                tracing::error!(error = %e, "cannot hear the other servers' access changes");
                return;
            }
        };
        loop {
            let message = tokio::select! {
                message = told.next() => message,
                _ = stop.wait_for(|stopped| *stopped) => None,
            };
            let Some(message) = message else { break };
            let closing: Closing = match rmp_serde::from_slice(&message.payload) {
                Ok(closing) => closing,
                Err(e) => {
                    tracing::warn!(error = %e, "an access change could not be decoded");
                    continue;
                }
            };
            if closing.from == self.node {
                continue;
            }
            let closed = live.close_here(closing.whose, closing.code, &closing.reason);
            tracing::debug!(whose = ?closing.whose, closed, "closed as another server told");
        }
    }
}
