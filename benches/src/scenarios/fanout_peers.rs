//! A peer brought up for the fan-out steps: started as a child process
//! (`switchboard-peer` next to the bench, or `node server.js`), the same
//! number of subscribers joined to the rooms of their teams from the same
//! spread of source addresses, the senders connected to the rooms; then it
//! is one more contender in [`drive`](super::fanout_steps::drive), as
//! Switchboard is.

use super::fanout::{Who, Workload};
use super::fanout_steps::{Contender, Holder, Reader, TargetRun};
use super::subscriber::Inbound;
use crate::crowd;
use crate::peers::{PeerConnection, PeerKind, PeerRole, PeerServer};
use crate::sender::{Crew, Fleet};
use crate::traffic::Clock;
use crate::wire::Sources;
use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;

/// How a peer's run went: its steps, or why it could not run.
pub(super) struct PeerRun {
    pub(super) kind: PeerKind,
    pub(super) outcome: Result<TargetRun, String>,
}

/// Starts `kind` and joins `count` subscribers to it, connecting from
/// `sources` loopback addresses. The peer is stopped when the contender
/// is closed.
pub(super) async fn up(
    kind: PeerKind,
    workload: &Workload<'_>,
    count: usize,
    sources: u8,
) -> anyhow::Result<Contender> {
    let args = workload.args;
    let bin = match kind {
        // Socket.IO runs on node; no binary of ours is involved.
        PeerKind::SocketIo => PathBuf::new(),
        PeerKind::Naive | PeerKind::Batched => PeerServer::locate_bin(args.peer_bin.clone())?,
    };
    let server = PeerServer::start(kind, &bin, &PeerServer::socketio_dir()).await?;
    let addr = server.addr();
    let sources = Arc::new(Sources::new(sources, addr));
    let joining = crowd::gather(workload.plan(count, kind.name()), |index, team| {
        let source = sources.pick();
        async move {
            let room = u32::try_from(team).context("more teams than a peer has rooms")?;
            let connection =
                PeerConnection::connect(kind, addr, room, PeerRole::Subscriber, source).await?;
            Ok(Reader {
                index,
                team,
                inbound: Inbound::Peer(connection),
            })
        }
    })
    .await;
    if joining.failures > 0 {
        anyhow::bail!(
            "{} of {} subscribers could not join: {}",
            joining.failures,
            count,
            joining.failure_samples.join("; ")
        );
    }
    let clock = Arc::new(Clock::new());
    let crew = Crew::Peer {
        kind,
        addr,
        senders: args.senders as usize,
        teams: workload.teams(),
    };
    let fleet = Fleet::connect(crew, sources, Arc::clone(&clock)).await?;
    let pid = Some(server.pid());
    Ok(Contender::start(
        Who::Peer(kind),
        workload,
        clock,
        joining.members,
        fleet,
        pid,
        Holder::Peer(server),
    ))
}
