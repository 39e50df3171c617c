//! One client of the storm: reads its team's events, checking that offsets
//! come contiguous (a team member sees every offset, so any jump is a
//! missed event and any repeat a doubled one); on the drop signal it closes
//! its socket at once, waits a random jitter, reconnects and resumes from
//! the last offset it saw, following chunked replays (`live: false`) with
//! further subscribes as the protocol says.
//!
//! A connection lost for any other reason (the server closing a slow
//! consumer, say) is resumed the same way, and counted.

use crate::traffic::{self, Clock};
use crate::wire::{self, Endpoint, Socket, Sources};
use futures::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::client::{ClientFrame, Subscribe};
use switchboard_protocol::ids::{Epoch, Offset, RequestId, TeamId};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::Resume;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// Attempts at reconnecting before a client gives up.
const ATTEMPTS: u32 = 20;
/// The first pause between attempts; doubled each time, up to a second.
const BACKOFF: Duration = Duration::from_millis(50);

/// What the orchestrator tells the clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Keep reading.
    Run,
    /// Close the socket now, reconnect after the jitter.
    Drop,
    /// The run is over.
    Stop,
}

/// What the clients share with the orchestrator.
pub(crate) struct Shared {
    /// The run's clock and identity.
    pub(crate) clock: Arc<Clock>,
    /// The last offset each client has seen, by client index.
    pub(crate) progress: Vec<AtomicU64>,
    /// Clients back (subscribed again) since the drop.
    pub(crate) back: AtomicU64,
    /// When the drop was signalled (nanoseconds since the run's base).
    pub(crate) dropped_at: AtomicU64,
    /// How long the reconnect jitter spans.
    pub(crate) jitter: Duration,
    pub(crate) endpoint: Endpoint,
    pub(crate) sources: Arc<Sources>,
}

/// Who a client is.
pub(crate) struct Setup {
    pub(crate) index: usize,
    pub(crate) team: usize,
    pub(crate) team_id: TeamId,
    pub(crate) token: Arc<str>,
    pub(crate) epoch: Epoch,
    /// The offset its first subscription started after.
    pub(crate) start_offset: u64,
}

/// What a client saw, for the final check.
#[derive(Debug, Default)]
pub(crate) struct End {
    pub(crate) index: usize,
    pub(crate) team: usize,
    pub(crate) start_offset: u64,
    pub(crate) last_offset: u64,
    /// This run's messages received (each offset once).
    pub(crate) messages: u64,
    /// Offsets skipped.
    pub(crate) gaps: u64,
    /// Offsets received again.
    pub(crate) doubles: u64,
    /// Reconnects beyond the one the drop asked for.
    pub(crate) extra_reconnects: u64,
    /// From its reconnect after the drop to the subscribe being answered,
    /// in nanoseconds.
    pub(crate) rejoin: Option<u64>,
    /// From its reconnect after the drop to having every event up to the
    /// head its subscribe reply named, in nanoseconds.
    pub(crate) resumed: Option<u64>,
    /// What went wrong, if anything.
    pub(crate) error: Option<String>,
}

/// Runs one client until the stop signal.
pub(crate) async fn run(
    setup: Setup,
    socket: Socket,
    shared: Arc<Shared>,
    mut signal: watch::Receiver<Signal>,
) -> End {
    let mut end = End {
        index: setup.index,
        team: setup.team,
        start_offset: setup.start_offset,
        last_offset: setup.start_offset,
        ..End::default()
    };
    let mut reader = Reader {
        next_id: 2,
        pending: None,
        head: None,
        catching_up: None,
        team: setup.team_id,
        epoch: setup.epoch,
    };
    let mut socket = Some(socket);
    let mut dropped = false;
    loop {
        let lost = match socket.as_mut() {
            Some(s) => reader.pump(s, &mut end, &shared, &mut signal).await,
            None => Err("no connection".to_string()),
        };
        let now_signal = *signal.borrow();
        match (lost, now_signal) {
            (_, Signal::Stop) => break,
            (Ok(()), Signal::Drop) if !dropped => {
                dropped = true;
                // Dropped, not closed: the TCP connection just goes away.
                drop(socket.take());
                let jitter = rand::random::<f64>() * shared.jitter.as_secs_f64();
                tokio::time::sleep(Duration::from_secs_f64(jitter)).await;
                let began = shared.clock.now();
                socket = reader.resume(&setup, &mut end, &shared).await;
                let Some(head) = reader.head.take() else {
                    return end;
                };
                end.rejoin = Some(shared.clock.now().saturating_sub(began));
                reader.catching_up = Some((head, began));
                reader.check_caught_up(&mut end, &shared);
                shared.back.fetch_add(1, Ordering::Relaxed);
            }
            (Ok(()), _) => {}
            (Err(_), _) => {
                end.extra_reconnects += 1;
                socket = reader.resume(&setup, &mut end, &shared).await;
                if socket.is_none() {
                    return end;
                }
            }
        }
    }
    if let Some(socket) = socket {
        wire::close(socket).await;
    }
    end
}

/// A client's reading state across connections.
struct Reader {
    next_id: u64,
    /// A chunked replay ends at this offset: subscribe again once there.
    pending: Option<u64>,
    /// The head named by the last resume's reply.
    head: Option<u64>,
    /// After the drop: the head to reach, and when the reconnect began.
    catching_up: Option<(u64, u64)>,
    team: TeamId,
    epoch: Epoch,
}

impl Reader {
    /// Reads until a signal (Ok) or the connection is lost (Err).
    async fn pump(
        &mut self,
        socket: &mut Socket,
        end: &mut End,
        shared: &Shared,
        signal: &mut watch::Receiver<Signal>,
    ) -> Result<(), String> {
        loop {
            let message = tokio::select! {
                biased;
                changed = signal.changed() => {
                    // The orchestrator never goes away before Stop; if it
                    // did, stopping is right.
                    return changed.map_err(|_| "orchestrator gone".to_string());
                }
                message = socket.next() => message,
            };
            let message = match message {
                Some(Ok(Message::Close(frame))) => {
                    return Err(wire::close_reason(frame.as_ref()));
                }
                Some(Ok(message)) => message,
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("the connection ended".into()),
            };
            let Some(frame) = wire::data(&message).and_then(wire::decode_lite) else {
                continue;
            };
            match (frame.kind, frame.offset, frame.event, frame.result) {
                ("event", Some(offset), Some(event), _) => {
                    if offset <= end.last_offset {
                        end.doubles += 1;
                        continue;
                    }
                    end.gaps += offset - end.last_offset - 1;
                    end.last_offset = offset;
                    shared.progress[end.index].store(offset, Ordering::Relaxed);
                    let ours = event
                        .body
                        .is_some_and(|b| traffic::read(b, shared.clock.run).is_some());
                    end.messages += u64::from(ours);
                    self.check_caught_up(end, shared);
                }
                // A continued chunked replay that is still not live.
                ("result", _, _, Some(result))
                    if result.kind == "subscribed" && result.live == Some(false) =>
                {
                    self.pending = result.offset;
                }
                ("error", ..) => {
                    end.error
                        .get_or_insert_with(|| format!("{:?}", wire::decode(&message)));
                }
                _ => {}
            }
            if self.pending.is_some_and(|p| end.last_offset >= p) {
                self.pending = None;
                self.subscribe_again(socket, end.last_offset).await?;
            }
        }
    }

    /// Notes when the client first has everything up to its resume's head.
    fn check_caught_up(&mut self, end: &mut End, shared: &Shared) {
        if let Some((head, began)) = self.catching_up {
            if end.last_offset >= head {
                end.resumed = Some(shared.clock.now().saturating_sub(began));
                self.catching_up = None;
            }
        }
    }

    /// Continues a chunked replay after `offset`.
    async fn subscribe_again(&mut self, socket: &mut Socket, offset: u64) -> Result<(), String> {
        self.next_id += 1;
        let frame = ClientFrame::Subscribe(Subscribe {
            id: RequestId(self.next_id),
            team: self.team,
            after: Some(Position {
                epoch: self.epoch,
                offset: Offset(offset),
            }),
        });
        let message = wire::message(&frame).map_err(|e| e.to_string())?;
        socket.send(message).await.map_err(|e| e.to_string())
    }

    /// Reconnects and subscribes after the last offset seen; `None` after
    /// `ATTEMPTS` failures (recorded in `end.error`).
    async fn resume(&mut self, setup: &Setup, end: &mut End, shared: &Shared) -> Option<Socket> {
        self.head = None;
        let mut pause = BACKOFF;
        let mut last_error = String::new();
        for _ in 0..ATTEMPTS {
            match self.try_resume(setup, end, shared).await {
                Ok(socket) => return Some(socket),
                Err(e) => last_error = format!("{e:#}"),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
        end.error = Some(format!("could not resume: {last_error}"));
        None
    }

    async fn try_resume(
        &mut self,
        setup: &Setup,
        end: &mut End,
        shared: &Shared,
    ) -> anyhow::Result<Socket> {
        let (mut socket, _) =
            wire::connect(&shared.endpoint, &setup.token, shared.sources.pick()).await?;
        self.next_id += 1;
        let after = Position {
            epoch: self.epoch,
            offset: Offset(end.last_offset),
        };
        let reply =
            wire::subscribe(&mut socket, RequestId(self.next_id), self.team, Some(after)).await?;
        if reply.resume != Resume::Recovered {
            end.error.get_or_insert_with(|| {
                format!("resume after {}: {:?}", end.last_offset, reply.resume)
            });
        }
        self.pending = (!reply.live).then_some(reply.offset.0);
        self.head = Some(reply.head.0);
        Ok(socket)
    }
}
