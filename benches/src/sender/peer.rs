//! One sender's share of a phase against a peer: the same schedule as
//! against Switchboard, each message written to the room of its stream's
//! team, everything due at once fed first and then flushed, one flush per
//! room written to.
//!
//! A peer connection lives in one room, so a sender holds one per room of
//! its teams ([`Rooms`]). Peers acknowledge nothing: a phase ends with its
//! last write (there is no grace to wait out), and a `stop` ends it at once.

use super::job::{Done, Job};
use crate::peers::{PeerConnection, PeerKind, PeerRole};
use crate::traffic::{self, Stamp};
use crate::wire::Sources;
use anyhow::Context;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// A sender's connections to a peer, one per room, by team index.
pub(super) struct Rooms {
    kind: PeerKind,
    addr: SocketAddr,
    sources: Arc<Sources>,
    connections: BTreeMap<usize, PeerConnection>,
}

impl Rooms {
    /// Joins the room of every team in `teams` as a sender.
    pub(super) async fn connect(
        kind: PeerKind,
        addr: SocketAddr,
        teams: impl Iterator<Item = usize>,
        sources: Arc<Sources>,
    ) -> anyhow::Result<Rooms> {
        let mut rooms = Rooms {
            kind,
            addr,
            sources,
            connections: BTreeMap::new(),
        };
        for team in teams {
            rooms.room(team).await?;
        }
        Ok(rooms)
    }

    /// The connection to `team`'s room, opened now if this sender has none
    /// (only when streams are dealt differently from [`Rooms::connect`]).
    async fn room(&mut self, team: usize) -> anyhow::Result<&mut PeerConnection> {
        if !self.connections.contains_key(&team) {
            let room = u32::try_from(team).context("more teams than a peer has rooms")?;
            let connection = PeerConnection::connect(
                self.kind,
                self.addr,
                room,
                PeerRole::Sender,
                self.sources.pick(),
            )
            .await
            .with_context(|| format!("joining room {room} as a sender"))?;
            self.connections.insert(team, connection);
        }
        // Inserted just above if it was missing.
        self.connections
            .get_mut(&team)
            .context("a room's connection vanished")
    }
}

/// Sends `job`'s messages on schedule; `stop` ends the sending. The
/// connections come back unless one failed.
pub(super) async fn run(
    job: Job,
    mut rooms: Rooms,
    mut stop: watch::Receiver<bool>,
) -> (Option<Rooms>, Done) {
    let mut done = Done::new(&job);
    let phase = &job.phase;
    let mut schedule = job.schedule();
    // The rooms written to since the last flush (a sender has a few).
    let mut unflushed: Vec<usize> = Vec::new();
    while let Some(next) = schedule.next_due() {
        tokio::select! {
            biased;
            // Only ever set to true; a dropped sender also means stop.
            _ = stop.changed() => break,
            () = tokio::time::sleep_until(tokio::time::Instant::from_std(next)) => {}
        }
        while let Some(due) = schedule.pop_due(Instant::now()) {
            let team = phase.streams[due.stream].team;
            let sent = job.clock.now();
            let stamp = Stamp {
                step: phase.step,
                stream: due.stream as u32,
                k: due.k,
                sent,
            };
            let body = traffic::body(job.clock.run, stamp, phase.body_bytes);
            let fed = match rooms.room(team).await {
                Ok(connection) => connection.feed(body.as_bytes()).await,
                Err(e) => Err(e),
            };
            if let Err(e) = fed {
                done.drop_with(format!("{e:#}"));
                return (None, done);
            }
            if !unflushed.contains(&team) {
                unflushed.push(team);
            }
            done.wrote(&job, &due, sent);
        }
        for team in unflushed.drain(..) {
            let flushed = match rooms.room(team).await {
                Ok(connection) => connection.flush().await,
                Err(e) => Err(e),
            };
            if let Err(e) = flushed {
                done.drop_with(format!("{e:#}"));
                return (None, done);
            }
        }
    }
    (Some(rooms), done)
}
