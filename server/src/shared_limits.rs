//! Per-user limits across servers: where several servers share the teams,
//! each tells the others how many connections each of its users has open
//! (over the plain NATS subject `sb.limits`), so that a user's
//! `max_connections_per_user` counts their connections on every server,
//! and their `rate_per_user` is shared out between the servers they are
//! connected to.
//!
//! Invariants:
//! - A server tells each change of a user's count on it (the new count,
//!   so a repeat or a late one is harmless), in order, by one task, and a
//!   snapshot of every count every `HEARTBEAT`; a change lost on the way
//!   is mended by the next snapshot. A server ignores what it told itself.
//! - A server not heard from for `SILENCE` is gone: its counts no longer
//!   count.
//! - The limits hold across servers within what crosses meanwhile: two
//!   servers admitting the same user at the same moment may each let one
//!   connection past the limit until their counts cross.
//! - A user connected to `k` servers gets `1/k` of their rate and burst
//!   on each, so their total stays within `rate_per_user`.

use crate::limits::Admission;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_protocol::ids::UserId;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

const SUBJECT: &str = "sb.limits";

/// How often a server tells all its counts.
const HEARTBEAT: Duration = Duration::from_secs(2);

/// How long a server may stay silent before its counts stop counting.
const SILENCE: Duration = Duration::from_secs(7);

/// How many changes may wait to be told; past that they are dropped (the
/// next snapshot mends them).
const TELLING: usize = 4096;

/// Counts as they travel.
#[derive(Serialize, Deserialize)]
struct Counts {
    node: String,
    /// Users and their connections on `node`.
    users: Vec<(UserId, usize)>,
    /// Whether these are all of `node`'s users (a user not listed has
    /// none there), or only those that changed.
    all: bool,
}

/// The other servers' counts, by user then server.
#[derive(Default)]
pub(crate) struct Elsewhere {
    inner: Mutex<Remote>,
}

#[derive(Default)]
struct Remote {
    users: HashMap<UserId, HashMap<String, usize>>,
    heard: HashMap<String, Instant>,
}

impl Elsewhere {
    /// A user's connections on the other servers, and on how many servers
    /// they have any.
    pub(crate) fn of(&self, user: UserId) -> (usize, usize) {
        let remote = self.lock();
        remote.users.get(&user).map_or((0, 0), |nodes| {
            (
                nodes.values().sum(),
                nodes.values().filter(|n| **n > 0).count(),
            )
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remote> {
        // Each change under the lock is made whole before it is let go.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn apply(&self, counts: Counts, now: Instant) {
        let mut remote = self.lock();
        remote.heard.insert(counts.node.clone(), now);
        if counts.all {
            for nodes in remote.users.values_mut() {
                nodes.remove(&counts.node);
            }
        }
        for (user, connections) in counts.users {
            let nodes = remote.users.entry(user).or_default();
            if connections == 0 {
                nodes.remove(&counts.node);
            } else {
                nodes.insert(counts.node.clone(), connections);
            }
        }
        remote.users.retain(|_, nodes| !nodes.is_empty());
    }

    /// Notes `connections` of `user` on `node`, as if it told them.
    #[cfg(test)]
    pub(crate) fn apply_for_test(&self, node: &str, user: UserId, connections: usize) {
        let counts = Counts {
            node: node.into(),
            users: vec![(user, connections)],
            all: false,
        };
        self.apply(counts, Instant::now());
    }

    /// Forgets the servers silent since `SILENCE` before `now`; whether
    /// there were any.
    fn forget_silent(&self, now: Instant) -> bool {
        let mut remote = self.lock();
        let silent: Vec<String> = remote
            .heard
            .iter()
            .filter(|(_, at)| now.duration_since(**at) > SILENCE)
            .map(|(node, _)| node.clone())
            .collect();
        let any = !silent.is_empty();
        for node in silent {
            tracing::info!(%node, "a silent server's connections no longer count");
            remote.heard.remove(&node);
            for nodes in remote.users.values_mut() {
                nodes.remove(&node);
            }
        }
        remote.users.retain(|_, nodes| !nodes.is_empty());
        any
    }
}

/// How a server tells its counts and hears the others'.
pub(crate) struct SharedLimits {
    client: async_nats::Client,
    node: String,
    telling: mpsc::Sender<(UserId, usize)>,
}

impl SharedLimits {
    /// Starts telling `admission`'s counts to the other servers and
    /// applying theirs to it, until `stop`.
    pub(crate) fn start(
        client: async_nats::Client,
        node: String,
        admission: &Arc<Admission>,
        stop: watch::Receiver<bool>,
    ) -> Arc<SharedLimits> {
        let (telling, told) = mpsc::channel(TELLING);
        let shared = Arc::new(SharedLimits {
            client,
            node,
            telling,
        });
        tokio::spawn(Arc::clone(&shared).publish(told, Arc::clone(admission), stop.clone()));
        tokio::spawn(Arc::clone(&shared).hear(Arc::clone(admission), stop));
        shared
    }

    /// Tells the others `user` now has `connections` here.
    pub(crate) fn changed(&self, user: UserId, connections: usize) {
        if self.telling.try_send((user, connections)).is_err() {
            tracing::debug!(%user, "a connection count was not told: too many wait");
        }
    }

    async fn publish(
        self: Arc<Self>,
        mut told: mpsc::Receiver<(UserId, usize)>,
        admission: Arc<Admission>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        loop {
            let counts = tokio::select! {
                change = told.recv() => match change {
                    Some(change) => Counts { node: self.node.clone(), users: vec![change], all: false },
                    None => break,
                },
                _ = heartbeat.tick() => {
                    if admission.elsewhere().forget_silent(Instant::now()) {
                        admission.reshare(admission.counts().into_iter().map(|(user, _)| user));
                    }
                    Counts { node: self.node.clone(), users: admission.counts(), all: true }
                }
                _ = stop.wait_for(|stopped| *stopped) => break,
            };
            if counts.all && counts.users.is_empty() {
                continue;
            }
            let Ok(payload) = rmp_serde::to_vec_named(&counts) else {
                continue;
            };
            if let Err(e) = self.client.publish(SUBJECT, payload.into()).await {
                tracing::debug!(error = %e, "connection counts were not told");
            }
        }
    }

    async fn hear(self: Arc<Self>, admission: Arc<Admission>, mut stop: watch::Receiver<bool>) {
        let mut heard = match self.client.subscribe(SUBJECT).await {
            Ok(heard) => heard,
            Err(e) => {
                tracing::error!(error = %e, "cannot hear the other servers' connection counts");
                return;
            }
        };
        loop {
            let message = tokio::select! {
                message = heard.next() => message,
                _ = stop.wait_for(|stopped| *stopped) => None,
            };
            let Some(message) = message else { break };
            match rmp_serde::from_slice::<Counts>(&message.payload) {
                Ok(counts) if counts.node != self.node => {
                    let users: Vec<UserId> = counts.users.iter().map(|(user, _)| *user).collect();
                    let all = counts.all;
                    admission.elsewhere().apply(counts, Instant::now());
                    if all {
                        admission.reshare(admission.counts().into_iter().map(|(user, _)| user));
                    } else {
                        admission.reshare(users);
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "connection counts could not be read"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(node: &str, users: &[(u64, usize)], all: bool) -> Counts {
        Counts {
            node: node.into(),
            users: users.iter().map(|(u, n)| (UserId(*u), *n)).collect(),
            all,
        }
    }

    #[test]
    fn changes_and_snapshots_add_up_per_user_and_a_silent_server_stops_counting() {
        let elsewhere = Elsewhere::default();
        let t0 = Instant::now();
        elsewhere.apply(counts("a", &[(1, 2), (2, 1)], false), t0);
        elsewhere.apply(counts("b", &[(1, 1)], false), t0);
        assert_eq!(elsewhere.of(UserId(1)), (3, 2));
        // A snapshot of "a" without user 2: none there any more.
        elsewhere.apply(counts("a", &[(1, 1)], true), t0);
        assert_eq!(elsewhere.of(UserId(1)), (2, 2));
        assert_eq!(elsewhere.of(UserId(2)), (0, 0));
        elsewhere.apply(counts("b", &[(1, 0)], false), t0);
        assert_eq!(elsewhere.of(UserId(1)), (1, 1));
        elsewhere.apply(counts("b", &[(3, 1)], false), t0 + SILENCE);
        elsewhere.forget_silent(t0 + SILENCE + Duration::from_millis(1));
        assert_eq!(elsewhere.of(UserId(1)), (0, 0), "a went silent");
        assert_eq!(elsewhere.of(UserId(3)), (1, 1), "b was heard");
    }
}
