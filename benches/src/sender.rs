//! A sender: one connection writing its share of the messages on a fixed
//! schedule, open loop, and timing each acknowledgement.
//!
//! Open loop means the schedule never waits for acknowledgements: message
//! `g` of the run (over all senders) is due at `start + g / rate`, and
//! sender `s` writes the messages with `g % senders == s`. A sender that
//! falls behind writes its late messages at once to catch up; how late they
//! went out is reported as the send lag, so a bench that could not keep its
//! own schedule shows it.
//!
//! The senders run on a thread of their own with a single-threaded
//! runtime ([`Fleet`]): on the shared runtime they would wait in line
//! behind thousands of busy subscriber tasks and fall off their schedule,
//! which would quietly turn the open loop into a closed one.

use crate::load::{stamp_body, Shared};
use crate::report;
use crate::wire::{self, Socket};
use anyhow::Context;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::client::{ClientFrame, SendMessage};
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::{Reply, ServerFrame};
use tokio::sync::{oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

/// When each message of the run is due.
pub(crate) struct Schedule {
    start: Instant,
    rate: f64,
    total: u64,
    senders: usize,
}

impl Schedule {
    /// `rate` messages per second for `duration` from `start`, over `senders`.
    pub(crate) fn new(start: Instant, rate: f64, duration: Duration, senders: usize) -> Schedule {
        Schedule {
            start,
            rate,
            // Rate and duration are bounded by the CLI: this fits easily.
            total: (rate * duration.as_secs_f64()).round() as u64,
            senders: senders.max(1),
        }
    }

    /// When the first message is due.
    pub(crate) fn start(&self) -> Instant {
        self.start
    }

    /// When the last message is due.
    pub(crate) fn end(&self) -> Instant {
        self.due(self.total.saturating_sub(1))
    }

    /// Messages in the whole run.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// How many messages sender `sender` writes.
    fn count(&self, sender: usize) -> u64 {
        let (s, n) = (sender as u64, self.senders as u64);
        if s >= self.total {
            0
        } else {
            (self.total - s).div_ceil(n)
        }
    }

    /// When message `g` of the run is due.
    fn due(&self, g: u64) -> Instant {
        self.start + Duration::from_secs_f64(g as f64 / self.rate)
    }
}

/// What one sender did.
pub(crate) struct SenderOutcome {
    /// Its number in the run.
    pub(crate) index: usize,
    /// Messages written.
    pub(crate) sent: u64,
    /// When the last was written (nanoseconds since the run's base).
    pub(crate) last_send: u64,
    /// Acknowledged as stored.
    pub(crate) acked: u64,
    /// Acknowledged with `duplicate: true`.
    pub(crate) duplicate_acks: u64,
    /// Refused with an error frame.
    pub(crate) errors: u64,
    /// The first few refusals.
    pub(crate) error_samples: Vec<String>,
    /// Send to acknowledgement.
    pub(crate) ack: Histogram<u64>,
    /// How late each write was against its schedule.
    pub(crate) lag: Histogram<u64>,
    /// Why the connection ended before the run did, if it did.
    pub(crate) dropped: Option<String>,
}

/// What the senders need to connect and send.
pub(crate) struct FleetSetup {
    /// The WebSocket endpoint.
    pub(crate) url: String,
    /// One token per sender.
    pub(crate) tokens: Vec<String>,
    /// Size of each message body.
    pub(crate) body_bytes: usize,
    /// How long connecting every sender may take.
    pub(crate) connect_timeout: Duration,
}

/// The senders, connected on their own thread and waiting for a schedule.
pub(crate) struct Fleet {
    thread: std::thread::JoinHandle<Vec<SenderOutcome>>,
    schedule: Option<oneshot::Sender<Arc<Schedule>>>,
}

impl Fleet {
    /// Starts the senders' thread and returns once every sender is connected.
    pub(crate) async fn connect(
        setup: FleetSetup,
        shared: Arc<Shared>,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<Fleet> {
        let (connected_tx, connected) = oneshot::channel();
        let (schedule, schedule_rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("senders".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        runtime.block_on(fleet(setup, shared, stop, connected_tx, schedule_rx))
                    }
                    Err(e) => {
                        let _ = connected_tx
                            .send(Err(anyhow::Error::from(e).context("senders' runtime")));
                        Vec::new()
                    }
                }
            })
            .context("cannot start the senders' thread")?;
        connected.await.context("the senders' thread ended")??;
        Ok(Fleet {
            thread,
            schedule: Some(schedule),
        })
    }

    /// Starts sending on `schedule`.
    pub(crate) fn start(&mut self, schedule: Arc<Schedule>) {
        if let Some(tx) = self.schedule.take() {
            // The thread waits for this; it only ends early if it panicked,
            // which `join` reports.
            let _ = tx.send(schedule);
        }
    }

    /// Waits (within `timeout`) for the senders to stop; `None` if they did
    /// not in time or their thread panicked.
    pub(crate) async fn join(self, timeout: Duration) -> Option<Vec<SenderOutcome>> {
        let thread = self.thread;
        let joined =
            tokio::time::timeout(timeout, tokio::task::spawn_blocking(move || thread.join()));
        match joined.await {
            Ok(Ok(Ok(outcomes))) => Some(outcomes),
            _ => None,
        }
    }
}

/// The senders' thread: connect all, wait for the schedule, send, gather.
async fn fleet(
    setup: FleetSetup,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    connected: oneshot::Sender<anyhow::Result<()>>,
    schedule: oneshot::Receiver<Arc<Schedule>>,
) -> Vec<SenderOutcome> {
    let connecting =
        futures::future::try_join_all(setup.tokens.iter().map(|t| wire::connect(&setup.url, t)));
    let sockets = match tokio::time::timeout(setup.connect_timeout, connecting).await {
        Ok(Ok(sockets)) => sockets,
        Ok(Err(e)) => {
            let _ = connected.send(Err(e.context("connecting a sender")));
            return Vec::new();
        }
        Err(_) => {
            let _ = connected.send(Err(anyhow::anyhow!("connecting the senders timed out")));
            return Vec::new();
        }
    };
    let _ = connected.send(Ok(()));
    // No schedule means the run was abandoned: the sockets just close.
    let Ok(schedule) = schedule.await else {
        return Vec::new();
    };
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(index, (socket, _welcome))| {
            let task = run(
                index,
                socket,
                Arc::clone(&shared),
                Arc::clone(&schedule),
                setup.body_bytes,
                stop.clone(),
            );
            tokio::spawn(task)
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        // A sender task does not panic; if one did, it is left out and the
        // report counts its messages as not sent.
        if let Ok(outcome) = task.await {
            outcomes.push(outcome);
        }
    }
    outcomes
}

/// Sends on schedule and reads acknowledgements until `stop`.
async fn run(
    index: usize,
    mut socket: Socket,
    shared: Arc<Shared>,
    schedule: Arc<Schedule>,
    body_bytes: usize,
    mut stop: watch::Receiver<bool>,
) -> SenderOutcome {
    let mut outcome = SenderOutcome {
        index,
        sent: 0,
        last_send: 0,
        acked: 0,
        duplicate_acks: 0,
        errors: 0,
        error_samples: Vec::new(),
        ack: report::histogram(),
        lag: report::histogram(),
        dropped: None,
    };
    let count = schedule.count(index);
    // Send times by message index (request id - 1); bounded by the schedule.
    let mut sent_at: Vec<u64> = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    // The sleep branch is disabled once everything is sent; it still needs
    // some instant to be built with.
    let idle = tokio::time::Instant::now() + Duration::from_secs(24 * 3600);
    loop {
        let k = sent_at.len() as u64;
        let due = (k < count).then(|| schedule.due(index as u64 + k * schedule.senders as u64));
        let wake = due.map_or(idle, tokio::time::Instant::from_std);
        tokio::select! {
            biased;
            // Only ever set to true; a dropped sender also means stop.
            _ = stop.changed() => break,
            () = tokio::time::sleep_until(wake), if due.is_some() => {
                let now = shared.now();
                // `due` is Some in this branch (its precondition).
                let due = due.map_or(now, |due| shared.nanos(due));
                report::record_nanos(&mut outcome.lag, now.saturating_sub(due));
                let frame = ClientFrame::Send(SendMessage {
                    id: RequestId(k + 1),
                    conversation: shared.conversation,
                    client_msg_id: format!("b{:x}-{index}-{k}", shared.run),
                    body: stamp_body(shared.run, index, k, now, body_bytes),
                });
                let written = match wire::message(&frame) {
                    Ok(message) => socket.send(message).await.map_err(anyhow::Error::from),
                    Err(e) => Err(e),
                };
                if let Err(e) = written {
                    outcome.dropped = Some(format!("send failed: {e:#}"));
                    return outcome;
                }
                sent_at.push(now);
                outcome.sent += 1;
                outcome.last_send = shared.now();
                shared.sent.fetch_add(1, Ordering::Relaxed);
            }
            message = socket.next() => {
                let message = match message {
                    Some(Ok(Message::Close(frame))) => {
                        let reason = wire::close_reason(frame.as_ref());
                        outcome.dropped = Some(format!("closed by the server: {reason}"));
                        return outcome;
                    }
                    Some(Ok(message)) => message,
                    Some(Err(e)) => {
                        outcome.dropped = Some(format!("read failed: {e}"));
                        return outcome;
                    }
                    None => {
                        outcome.dropped = Some("the connection ended".into());
                        return outcome;
                    }
                };
                let at = shared.now();
                answer(&mut outcome, &shared, &sent_at, &message, at);
            }
        }
    }
    wire::close(socket).await;
    outcome
}

/// Accounts for a reply to one of this sender's messages.
fn answer(
    outcome: &mut SenderOutcome,
    shared: &Shared,
    sent_at: &[u64],
    message: &Message,
    at: u64,
) {
    let sent = |id: RequestId| {
        let index = usize::try_from(id.0.checked_sub(1)?).ok()?;
        sent_at.get(index).copied()
    };
    match wire::decode(message) {
        Some(Ok(ServerFrame::Result(reply))) => {
            let Some(sent) = sent(reply.id) else { return };
            if let Reply::Sent(ack) = reply.result {
                report::record_nanos(&mut outcome.ack, at.saturating_sub(sent));
                outcome.acked += 1;
                outcome.duplicate_acks += u64::from(ack.duplicate);
            } else {
                outcome.errors += 1;
                push_sample(
                    &mut outcome.error_samples,
                    format!("unexpected reply {:?}", reply.result),
                );
            }
            shared.answered.fetch_add(1, Ordering::Relaxed);
        }
        Some(Ok(ServerFrame::Error(error))) => {
            outcome.errors += 1;
            push_sample(
                &mut outcome.error_samples,
                format!("{}: {}", error.code, error.message),
            );
            if error.id.and_then(sent).is_some() {
                shared.answered.fetch_add(1, Ordering::Relaxed);
            }
        }
        Some(Err(e)) => {
            outcome.errors += 1;
            push_sample(
                &mut outcome.error_samples,
                format!("undecodable reply: {e}"),
            );
        }
        // Control frames, and events (a sender subscribes to nothing).
        Some(Ok(_)) | None => {}
    }
}

fn push_sample(samples: &mut Vec<String>, text: String) {
    if samples.len() < 3 {
        samples.push(text);
    }
}
