//! This server's way to the others where servers share the teams' logs:
//! one NATS connection, over which write commands go to a team's writer
//! (`forward`) and changes of the teams' ephemeral state are told to the
//! other servers and heard from them (`shared_presence`).
//!
//! Invariants:
//! - Told changes are published in the order they were told, by one task,
//!   from a bounded queue; when it is full a change is dropped (the next
//!   snapshot mends it), never waited for.
//! - A server ignores what it told itself.

use super::shared_presence::Ephemeral;
use super::Registry;
use crate::idempotency::Claims;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_protocol::ids::TeamId;
use tokio::sync::mpsc;

/// How many told changes of ephemeral state may wait to be published;
/// past that they are dropped (the next snapshot mends them).
const TELLING: usize = 4096;

/// This server's way to the others.
pub(crate) struct Peers {
    pub(super) client: async_nats::Client,
    pub(super) node: String,
    /// The server's idempotency claims: a forwarded command holds its key
    /// here as a local one does.
    pub(super) claims: Arc<Claims>,
    /// Changes of ephemeral state to publish, in order (see
    /// `shared_presence`), by one task.
    telling: mpsc::Sender<(TeamId, Ephemeral)>,
}

/// A change of a team's ephemeral state as it travels.
#[derive(Serialize, Deserialize)]
struct Told {
    node: String,
    what: Ephemeral,
}

impl Peers {
    /// This server's peers, publishing its told changes from a task of
    /// their own.
    pub(crate) fn new(client: async_nats::Client, node: String, claims: Arc<Claims>) -> Peers {
        let (telling, told) = mpsc::channel(TELLING);
        tokio::spawn(publish_told(client.clone(), node.clone(), told));
        Peers {
            client,
            node,
            claims,
            telling,
        }
    }

    /// The NATS connection and this server's node id, for the other parts
    /// that talk to the other servers.
    pub(crate) fn connection(&self) -> (async_nats::Client, String) {
        (self.client.clone(), self.node.clone())
    }

    /// Tells the other servers a change of a team's ephemeral state, in
    /// order with the others; dropped if too many wait.
    pub(super) fn tell(&self, team: TeamId, what: Ephemeral) {
        if self.telling.try_send((team, what)).is_err() {
            tracing::debug!(%team, "a change of presence was not told: too many wait");
        }
    }

    /// Hands the changes other servers tell to this server's hubs, until
    /// the server stops.
    pub(crate) async fn hear(self: Arc<Self>, registry: Arc<Registry>) {
        let mut heard = match self.client.subscribe("sb.signal.*").await {
            Ok(heard) => heard,
            Err(e) => {
                tracing::error!(error = %e, "cannot hear the other servers' presence");
                return;
            }
        };
        let mut stop = registry.context.stop.clone();
        loop {
            let message = tokio::select! {
                message = heard.next() => message,
                _ = stop.wait_for(|stopped| *stopped) => None,
            };
            let Some(message) = message else { break };
            let team = message
                .subject
                .as_str()
                .rsplit('.')
                .next()
                .and_then(|id| id.parse().ok())
                .map(TeamId);
            let told = rmp_serde::from_slice::<Told>(&message.payload);
            match (team, told) {
                (Some(team), Ok(told)) if told.node != self.node => {
                    registry.told(team, told.node, told.what);
                }
                (Some(_), Ok(_)) => {}
                _ => tracing::warn!(subject = %message.subject, "a told change could not be read"),
            }
        }
    }
}

/// Publishes the told changes in the order they were told.
async fn publish_told(
    client: async_nats::Client,
    node: String,
    mut told: mpsc::Receiver<(TeamId, Ephemeral)>,
) {
    while let Some((team, what)) = told.recv().await {
        let told = Told {
            node: node.clone(),
            what,
        };
        let Ok(payload) = rmp_serde::to_vec_named(&told) else {
            continue;
        };
        if let Err(e) = client
            .publish(format!("sb.signal.{team}"), payload.into())
            .await
        {
            tracing::debug!(%team, error = %e, "a change of presence was not told");
        }
    }
}
