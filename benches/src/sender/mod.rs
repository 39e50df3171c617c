//! The senders: a few connections writing messages on a fixed schedule,
//! open loop, and timing each acknowledgement.
//!
//! A phase is a set of streams, each a conversation and a rate. Stream `j`
//! writes message `k` at `start + phase_j + k / rate_j` (the phases spread
//! the streams over the first interval so that a hundred 1 msg/s teams do
//! not all send at the same instant). Streams are dealt to the senders round
//! robin. Open loop means the schedule never waits for acknowledgements: a
//! sender that falls behind writes its late messages at once, and how late
//! they went out is reported as the send lag, so a bench that could not keep
//! its own schedule shows it.
//!
//! The senders run on a thread of their own with a single-threaded runtime
//! ([`Fleet`]): on the shared runtime they would wait in line behind
//! thousands of busy subscriber tasks and fall off their schedule, which
//! would quietly turn the open loop into a closed one.
//!
//! A fleet writes to Switchboard (one connection per sender, each able to
//! send to any team's conversation) or to a peer (a sender holds one
//! connection per room of its teams, since a peer connection lives in one
//! room). Either way the streams, their schedule, the dealing of streams
//! to senders and the flush per wake-up are the same; only Switchboard
//! acknowledges, so against a peer the ack figures stay empty.

mod job;
mod peer;

use crate::peers::PeerKind;
use crate::report;
use crate::traffic::Clock;
use crate::wire::{self, Endpoint, Socket, Sources};
use anyhow::Context;
use hdrhistogram::Histogram;
use job::{Done, Job};
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::ids::ConversationId;
use tokio::sync::{mpsc, oneshot, watch};

/// One team's share of a phase.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    /// The team's index: its conversation on Switchboard, its room on a peer.
    pub(crate) team: usize,
    /// Messages per second.
    pub(crate) rate: f64,
}

/// Who the senders are and where they write.
#[derive(Debug, Clone)]
pub(crate) enum Crew {
    /// One Switchboard connection per token; team `t` is written to
    /// `conversations[t]`.
    Switchboard {
        endpoint: Endpoint,
        tokens: Vec<String>,
        conversations: Vec<ConversationId>,
    },
    /// `senders` senders to a peer; team `t` is room `t`.
    Peer {
        kind: PeerKind,
        addr: SocketAddr,
        senders: usize,
        teams: usize,
    },
}

impl Crew {
    fn teams(&self) -> usize {
        match self {
            Crew::Switchboard { conversations, .. } => conversations.len(),
            Crew::Peer { teams, .. } => *teams,
        }
    }
}

/// One sender's connection(s), kept from phase to phase.
enum Link {
    // Boxed: a socket is several times the size of a peer sender's map.
    Switchboard(Box<Socket>),
    Peer(peer::Rooms),
}

/// A phase of sending.
#[derive(Debug, Clone)]
pub(crate) struct Phase {
    /// Written into every stamp.
    pub(crate) step: u32,
    /// When the first messages are due.
    pub(crate) start: Instant,
    /// How long the streams send.
    pub(crate) duration: Duration,
    /// How long to wait for acknowledgements after the last send.
    pub(crate) grace: Duration,
    /// The streams.
    pub(crate) streams: Vec<Stream>,
    /// Bytes per body.
    pub(crate) body_bytes: usize,
}

impl Phase {
    /// How many messages stream `j` writes.
    pub(crate) fn count(&self, j: usize) -> u64 {
        (self.streams[j].rate * self.duration.as_secs_f64()).floor() as u64
    }

    /// When message `k` of stream `j` is due.
    fn due(&self, j: usize, k: u64) -> Instant {
        let rate = self.streams[j].rate;
        // The golden ratio spreads the streams' first messages evenly.
        let phase = ((j as f64 * 0.618_033_988_75) % 1.0) / rate;
        self.start + Duration::from_secs_f64(phase + k as f64 / rate)
    }
}

/// What the senders did in one phase.
#[derive(Debug)]
pub(crate) struct PhaseOutcome {
    /// Messages written, per stream.
    pub(crate) sent: Vec<u64>,
    /// Acknowledged as stored.
    pub(crate) acked: u64,
    /// Acknowledged with `duplicate: true` (none expected).
    pub(crate) duplicates: u64,
    /// Refused, and the first few reasons.
    pub(crate) errors: u64,
    pub(crate) error_samples: Vec<String>,
    /// Send to acknowledgement.
    pub(crate) ack: Histogram<u64>,
    /// How late writes went out against their schedule.
    pub(crate) lag: Histogram<u64>,
    /// The offsets acknowledged, per team index.
    pub(crate) acked_offsets: Vec<Vec<u64>>,
    /// Senders whose connection ended, with the reason.
    pub(crate) dropped: Vec<String>,
}

/// Live figures the phase's callers may read while it runs.
#[derive(Debug)]
pub(crate) struct Live {
    /// The highest offset acknowledged so far, per team index.
    pub(crate) acked_offset: Vec<AtomicU64>,
    /// Messages written so far.
    pub(crate) sent: AtomicU64,
}

type Order = (Phase, watch::Receiver<bool>, oneshot::Sender<PhaseOutcome>);

/// The senders, connected on their own thread, waiting for phases.
pub(crate) struct Fleet {
    orders: mpsc::Sender<Order>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Read while a phase runs.
    pub(crate) live: Arc<Live>,
}

impl Fleet {
    /// Starts the senders' thread and returns once every sender is connected.
    pub(crate) async fn connect(
        crew: Crew,
        sources: Arc<Sources>,
        clock: Arc<Clock>,
    ) -> anyhow::Result<Fleet> {
        let live = Arc::new(Live {
            acked_offset: (0..crew.teams()).map(|_| AtomicU64::new(0)).collect(),
            sent: AtomicU64::new(0),
        });
        let (connected_tx, connected) = oneshot::channel();
        let (orders, orders_rx) = mpsc::channel::<Order>(1);
        let thread_live = Arc::clone(&live);
        let thread = std::thread::Builder::new()
            .name("senders".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => runtime.block_on(serve(
                        crew,
                        sources,
                        clock,
                        thread_live,
                        connected_tx,
                        orders_rx,
                    )),
                    Err(e) => {
                        let _ = connected_tx.send(Err(anyhow::Error::from(e)));
                    }
                }
            })
            .context("cannot start the senders' thread")?;
        connected.await.context("the senders' thread ended")??;
        Ok(Fleet {
            orders,
            thread: Some(thread),
            live,
        })
    }

    /// Runs a phase; `stop` ends its sending early (the acknowledgements
    /// of what was sent are still awaited, within the phase's grace).
    pub(crate) async fn run(
        &self,
        phase: Phase,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<PhaseOutcome> {
        let (done, outcome) = oneshot::channel();
        self.orders
            .send((phase, stop, done))
            .await
            .map_err(|_| anyhow::anyhow!("the senders' thread has ended"))?;
        outcome.await.context("the senders' thread ended mid-phase")
    }

    /// Closes the senders' connections and waits for their thread.
    pub(crate) async fn close(mut self) {
        drop(self.orders);
        if let Some(thread) = self.thread.take() {
            // A panicked thread has nothing left to clean up.
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// The senders' thread: connect, then run phases until the fleet is dropped.
async fn serve(
    crew: Crew,
    sources: Arc<Sources>,
    clock: Arc<Clock>,
    live: Arc<Live>,
    connected: oneshot::Sender<anyhow::Result<()>>,
    mut orders: mpsc::Receiver<Order>,
) {
    let mut links = match connect_all(&crew, &sources).await {
        Ok(links) => links,
        Err(e) => {
            let _ = connected.send(Err(e.context("connecting a sender")));
            return;
        }
    };
    let _ = connected.send(Ok(()));
    let conversations: Arc<[ConversationId]> = match &crew {
        Crew::Switchboard { conversations, .. } => conversations.as_slice().into(),
        Crew::Peer { .. } => Arc::from([]),
    };
    let mut next_id = 1u64;
    while let Some((phase, stop, done)) = orders.recv().await {
        let phase = Arc::new(phase);
        let senders = links.len();
        let tasks: Vec<_> = links
            .iter_mut()
            .enumerate()
            .map(|(index, link)| {
                let streams: Vec<usize> = (index..phase.streams.len()).step_by(senders).collect();
                let job = Job {
                    phase: Arc::clone(&phase),
                    streams,
                    clock: Arc::clone(&clock),
                    live: Arc::clone(&live),
                    first_id: next_id,
                };
                let stop = stop.clone();
                let conversations = Arc::clone(&conversations);
                let link = link.take();
                tokio::spawn(async move {
                    match link {
                        Some(Link::Switchboard(socket)) => {
                            let (socket, done) = job.run(*socket, &conversations, stop).await;
                            (socket.map(|s| Link::Switchboard(Box::new(s))), done)
                        }
                        Some(Link::Peer(rooms)) => {
                            let (rooms, done) = peer::run(job, rooms, stop).await;
                            (rooms.map(Link::Peer), done)
                        }
                        None => (None, Done::lost(&job)),
                    }
                })
            })
            .collect();
        next_id += 10_000_000;
        let mut outcome = PhaseOutcome {
            sent: vec![0; phase.streams.len()],
            acked: 0,
            duplicates: 0,
            errors: 0,
            error_samples: Vec::new(),
            ack: report::histogram(),
            lag: report::histogram(),
            acked_offsets: vec![Vec::new(); live.acked_offset.len()],
            dropped: Vec::new(),
        };
        for (index, task) in tasks.into_iter().enumerate() {
            // A sender task does not panic; if one did, its connection is
            // gone and the messages it owed show up as not sent.
            let Ok((link, done)) = task.await else {
                continue;
            };
            links[index] = link;
            done.merge_into(&mut outcome);
        }
        let _ = done.send(outcome);
    }
    for link in links.into_iter().flatten() {
        match link {
            Link::Switchboard(socket) => wire::close(*socket).await,
            // A peer relays no goodbye; dropping the connections is enough.
            Link::Peer(rooms) => drop(rooms),
        }
    }
}

/// Connects every sender: a Switchboard sender says hello with its token;
/// peer sender `i` joins the rooms of the teams dealt to it (`t % senders == i`,
/// as [`serve`] deals streams), so that no phase waits on a connect.
async fn connect_all(crew: &Crew, sources: &Arc<Sources>) -> anyhow::Result<Vec<Option<Link>>> {
    match crew {
        Crew::Switchboard {
            endpoint, tokens, ..
        } => {
            let connecting = futures::future::try_join_all(
                tokens
                    .iter()
                    .map(|t| wire::connect(endpoint, t, sources.pick())),
            );
            let sockets = connecting.await?;
            Ok(sockets
                .into_iter()
                .map(|(socket, _welcome)| Some(Link::Switchboard(Box::new(socket))))
                .collect())
        }
        Crew::Peer {
            kind,
            addr,
            senders,
            teams,
        } => {
            let senders = (*senders).max(1);
            let connecting = (0..senders).map(|i| {
                let rooms = (i..*teams).step_by(senders);
                peer::Rooms::connect(*kind, *addr, rooms, Arc::clone(sources))
            });
            let rooms = futures::future::try_join_all(connecting).await?;
            Ok(rooms.into_iter().map(|r| Some(Link::Peer(r))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_spreads_streams_and_counts_messages() {
        let start = Instant::now();
        let phase = Phase {
            step: 0,
            start,
            duration: Duration::from_secs(10),
            grace: Duration::ZERO,
            streams: (0..3).map(|t| Stream { team: t, rate: 1.0 }).collect(),
            body_bytes: 64,
        };
        assert_eq!(phase.count(0), 10);
        let firsts: Vec<Duration> = (0..3).map(|j| phase.due(j, 0) - start).collect();
        assert_ne!(firsts[1], firsts[2], "streams do not all start together");
        assert!(firsts.iter().all(|d| *d < Duration::from_secs(1)));
        assert_eq!(phase.due(0, 5) - phase.due(0, 4), Duration::from_secs(1));
    }
}
