//! Presence, typing and viewing across servers: each hub tells the same
//! team's hubs on the other servers every change its own connections make
//! to the team's ephemeral state (over the plain NATS subject
//! `sb.signal.<team>`), and applies theirs to its own `Presence` as
//! connections of theirs, so that every server signals the whole team's
//! state to its subscribers, a user's devices counted across servers with
//! the one grace window.
//!
//! Invariants:
//! - Another server's connection is known here under an id of its own, at
//!   or above [`REMOTE`]; this server's connection ids stay below it.
//! - A hub tells its changes in the order it made them (one publisher per
//!   server, in order); a change lost on the way is mended by the next
//!   snapshot, which every hub with connections of its own tells every
//!   `HEARTBEAT`, and at once when a newly started hub asks.
//! - A server not heard from for `SILENCE` is gone: its connections leave
//!   (their users' grace windows start) and stop viewing.
//! - Nothing here is stored, takes an offset, or waits for the log.

use super::actor::Hub;
use super::presence::{Device, View};
use crate::outlet::ConnId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;
use switchboard_protocol::ids::{ConversationId, UserId};
use tokio::time::Instant;

/// The first id given to another server's connection.
pub(super) const REMOTE: ConnId = 1 << 62;

/// How often a hub with connections tells its whole state.
pub(super) const HEARTBEAT: Duration = Duration::from_secs(2);

/// How long a server may stay silent before its connections leave.
const SILENCE: Duration = Duration::from_secs(7);

/// One change to a team's ephemeral state, as another server tells it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Ephemeral {
    Join {
        conn: ConnId,
        user: UserId,
        name: String,
    },
    Leave {
        conn: ConnId,
    },
    Typing {
        conversation: ConversationId,
        user: UserId,
        name: String,
        /// A web chat visitor typing (absent from older servers: no).
        #[serde(default)]
        contact: bool,
    },
    Sent {
        conversation: ConversationId,
        user: UserId,
    },
    View {
        conn: ConnId,
        conversation: Option<ConversationId>,
        user: UserId,
        name: String,
    },
    Unview {
        conn: ConnId,
    },
    /// Every device and view of the telling server's connections, now.
    Snapshot {
        devices: Vec<Device>,
        views: Vec<View>,
    },
    /// A hub started: the others tell their snapshots.
    Ask,
}

/// What a hub knows of the other servers' connections.
#[derive(Default)]
pub(super) struct Remote {
    /// Their connections' ids here, by server and their id there.
    ids: HashMap<(String, ConnId), ConnId>,
    next: ConnId,
    /// When each server was last heard from.
    heard: HashMap<String, Instant>,
}

impl Hub<'_> {
    /// Tells the other servers a change made by this server's connections.
    pub(super) fn tell(&self, what: Ephemeral) {
        if let Some(peers) = &self.registry.context.peers {
            peers.tell(self.team, what);
        }
    }

    /// Tells the others every device and view of this server's
    /// connections (a heartbeat, or an answer to `Ask`), and lets go of
    /// the servers that went silent.
    pub(super) fn heartbeat(&mut self) {
        let (devices, views) = self.presence.own_below(REMOTE);
        if !devices.is_empty() || !views.is_empty() {
            self.tell(Ephemeral::Snapshot { devices, views });
        }
        let now = Instant::now();
        let silent: Vec<String> = self
            .remote
            .heard
            .iter()
            .filter(|(_, at)| now.duration_since(**at) > SILENCE)
            .map(|(node, _)| node.clone())
            .collect();
        for node in silent {
            tracing::info!(team = %self.team, %node, "a silent server's connections leave");
            self.remote.heard.remove(&node);
            self.forget(&node, &[]);
        }
    }

    /// Applies a change another server told.
    pub(super) fn told(&mut self, node: String, what: Ephemeral) {
        let now = Instant::now();
        self.remote.heard.insert(node.clone(), now);
        match what {
            Ephemeral::Join { conn, user, name } => {
                let id = self.remote_id(&node, conn);
                let signal = self.presence.join(id, user, &name);
                self.signal(signal);
            }
            Ephemeral::Leave { conn } => {
                let id = self.remote_id(&node, conn);
                let signal = self.presence.leave(id, now);
                self.signal(signal);
                self.release(&node, conn, id);
            }
            Ephemeral::Typing {
                conversation,
                user,
                name,
                contact,
            } => {
                let signal = self
                    .presence
                    .typing(conversation, user, &name, contact, now);
                self.signal(signal);
            }
            Ephemeral::Sent { conversation, user } => {
                let signal = self.presence.sent(conversation, user);
                self.signal(signal);
            }
            Ephemeral::View {
                conn,
                conversation,
                user,
                name,
            } => {
                let id = self.remote_id(&node, conn);
                let signals = self.presence.view(id, conversation, user, &name);
                self.signal(signals);
                self.release(&node, conn, id);
            }
            Ephemeral::Unview { conn } => {
                let id = self.remote_id(&node, conn);
                let signals = self.presence.unview(id);
                self.signal(signals);
                self.release(&node, conn, id);
            }
            Ephemeral::Snapshot { devices, views } => {
                let listed: Vec<ConnId> = devices
                    .iter()
                    .map(|(conn, ..)| *conn)
                    .chain(views.iter().map(|(conn, ..)| *conn))
                    .collect();
                self.forget(&node, &listed);
                for (conn, user, name) in devices {
                    let id = self.remote_id(&node, conn);
                    let signal = self.presence.join(id, user, &name);
                    self.signal(signal);
                }
                for (conn, conversation, user, name) in views {
                    let id = self.remote_id(&node, conn);
                    let signals = self.presence.view(id, Some(conversation), user, &name);
                    self.signal(signals);
                }
            }
            Ephemeral::Ask => {
                let (devices, views) = self.presence.own_below(REMOTE);
                self.tell(Ephemeral::Snapshot { devices, views });
            }
        }
    }

    /// The id here of another server's connection.
    fn remote_id(&mut self, node: &str, conn: ConnId) -> ConnId {
        let remote = &mut self.remote;
        *remote
            .ids
            .entry((node.to_string(), conn))
            .or_insert_with(|| {
                remote.next += 1;
                REMOTE + remote.next
            })
    }

    /// Forgets a connection of another server that no longer counts.
    fn release(&mut self, node: &str, conn: ConnId, id: ConnId) {
        if !self.presence.holds(id) {
            self.remote.ids.remove(&(node.to_string(), conn));
        }
    }

    /// Makes every connection of `node` but those `kept` leave and stop
    /// viewing.
    fn forget(&mut self, node: &str, kept: &[ConnId]) {
        let gone: Vec<(ConnId, ConnId)> = self
            .remote
            .ids
            .iter()
            .filter(|((n, conn), _)| n == node && !kept.contains(conn))
            .map(|((_, conn), id)| (*conn, *id))
            .collect();
        let now = Instant::now();
        for (conn, id) in gone {
            let signal = self.presence.leave(id, now);
            self.signal(signal);
            let signals = self.presence.unview(id);
            self.signal(signals);
            self.remote.ids.remove(&(node.to_string(), conn));
        }
    }
}
