//! One sender's share of a phase: its streams merged into one schedule
//! (a heap of due times), every message due at once written in one flush,
//! and, against Switchboard, the replies matched to requests by id. The
//! schedule and the accounting ([`Done`]) are shared with the peer sender.

use super::{Live, Phase, PhaseOutcome};
use crate::report;
use crate::traffic::{self, Clock, Stamp};
use crate::wire::{self, Socket};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::client::{ClientFrame, SendMessage};
use switchboard_protocol::ids::{ConversationId, RequestId};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// One sender's share of a phase.
pub(super) struct Job {
    pub(super) phase: Arc<Phase>,
    pub(super) streams: Vec<usize>,
    pub(super) clock: Arc<Clock>,
    pub(super) live: Arc<Live>,
    pub(super) first_id: u64,
}

/// What one sender did in a phase.
pub(super) struct Done {
    sent: Vec<(usize, u64)>,
    acked: u64,
    duplicates: u64,
    errors: u64,
    error_samples: Vec<String>,
    ack: Histogram<u64>,
    lag: Histogram<u64>,
    acked_offsets: Vec<(usize, u64)>,
    dropped: Option<String>,
}

/// A message due: the slot of its stream in the job, the stream, its
/// number in the stream, and when it was due.
pub(super) struct Due {
    pub(super) slot: usize,
    pub(super) stream: usize,
    pub(super) k: u64,
    pub(super) at: Instant,
}

/// A job's streams merged into one schedule, the earliest message first.
pub(super) struct Schedule {
    phase: Arc<Phase>,
    streams: Vec<usize>,
    /// (due, slot, k); only the next message of each stream is queued.
    queue: BinaryHeap<Reverse<(Instant, usize, u64)>>,
}

impl Schedule {
    /// When the next message is due; `None` once all are written.
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.queue.peek().map(|Reverse((due, _, _))| *due)
    }

    /// The next message due by `now`, if any, queueing its stream's next.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<Due> {
        let &Reverse((due, slot, k)) = self.queue.peek()?;
        if due > now {
            return None;
        }
        self.queue.pop();
        let stream = self.streams[slot];
        if k + 1 < self.phase.count(stream) {
            self.queue
                .push(Reverse((self.phase.due(stream, k + 1), slot, k + 1)));
        }
        Some(Due {
            slot,
            stream,
            k,
            at: due,
        })
    }

    /// Drops everything not yet written.
    pub(super) fn clear(&mut self) {
        self.queue.clear();
    }
}

impl Done {
    /// Nothing done yet, for `job`'s streams.
    pub(super) fn new(job: &Job) -> Done {
        Done {
            sent: job.streams.iter().map(|&j| (j, 0)).collect(),
            acked: 0,
            duplicates: 0,
            errors: 0,
            error_samples: Vec::new(),
            ack: report::histogram(),
            lag: report::histogram(),
            acked_offsets: Vec::new(),
            dropped: None,
        }
    }

    /// A job whose connection was lost in an earlier phase.
    pub(super) fn lost(job: &Job) -> Done {
        Done {
            dropped: Some("connection lost in an earlier phase".into()),
            ..Done::new(job)
        }
    }

    /// Counts a message written now (clock time `sent`) against its schedule.
    pub(super) fn wrote(&mut self, job: &Job, due: &Due, sent: u64) {
        report::record_nanos(&mut self.lag, sent.saturating_sub(job.clock.nanos(due.at)));
        self.sent[due.slot].1 += 1;
        job.live.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Records why the connection ended.
    pub(super) fn drop_with(&mut self, why: String) {
        self.dropped = Some(why);
    }

    pub(super) fn merge_into(self, outcome: &mut PhaseOutcome) {
        for (stream, n) in self.sent {
            outcome.sent[stream] += n;
        }
        outcome.acked += self.acked;
        outcome.duplicates += self.duplicates;
        outcome.errors += self.errors;
        for e in self.error_samples {
            if outcome.error_samples.len() < 3 {
                outcome.error_samples.push(e);
            }
        }
        report::merge(&mut outcome.ack, &self.ack);
        report::merge(&mut outcome.lag, &self.lag);
        for (team, offset) in self.acked_offsets {
            outcome.acked_offsets[team].push(offset);
        }
        outcome.dropped.extend(self.dropped);
    }
}

impl Job {
    /// The schedule of this job's streams.
    pub(super) fn schedule(&self) -> Schedule {
        let phase = &self.phase;
        let queue = self
            .streams
            .iter()
            .enumerate()
            .filter(|&(_, &j)| phase.count(j) > 0)
            .map(|(slot, &j)| Reverse((phase.due(j, 0), slot, 0)))
            .collect();
        Schedule {
            phase: Arc::clone(phase),
            streams: self.streams.clone(),
            queue,
        }
    }

    /// Sends on schedule to Switchboard, team `t` to `conversations[t]`,
    /// then waits (within the grace) for the last acknowledgements; `stop`
    /// ends the sending early. The socket comes back if still open.
    pub(super) async fn run(
        self,
        mut socket: Socket,
        conversations: &[ConversationId],
        mut stop: watch::Receiver<bool>,
    ) -> (Option<Socket>, Done) {
        let mut done = Done::new(&self);
        let phase = &self.phase;
        let mut schedule = self.schedule();
        // Per request: (stream slot, send time); ids are `first_id + index`.
        let mut requests: Vec<(usize, u64)> = Vec::new();
        let mut last_send = Instant::now();
        let far = tokio::time::Instant::now() + Duration::from_secs(24 * 3600);
        let mut stopped = false;
        loop {
            let next_due = schedule.next_due();
            if next_due.is_none() {
                let all_answered = done.acked + done.errors >= requests.len() as u64;
                if all_answered || last_send.elapsed() >= phase.grace {
                    break;
                }
            }
            let wake = next_due.map_or(far, tokio::time::Instant::from_std);
            let grace_end = tokio::time::Instant::from_std(last_send + phase.grace);
            tokio::select! {
                biased;
                // Only ever set to true; a dropped sender also means stop.
                // Sending ends; the replies to what was sent are still awaited.
                _ = stop.changed(), if !stopped => {
                    stopped = true;
                    schedule.clear();
                }
                () = tokio::time::sleep_until(wake), if next_due.is_some() => {
                    // Everything due by now goes out in one flush.
                    while let Some(due) = schedule.pop_due(Instant::now()) {
                        let j = due.stream;
                        let sent = self.clock.now();
                        let stamp = Stamp { step: phase.step, stream: j as u32, k: due.k, sent };
                        let frame = ClientFrame::Send(SendMessage {
                            id: RequestId(self.first_id + requests.len() as u64),
                            conversation: conversations[phase.streams[j].team],
                            client_msg_id: format!("{:x}-{}-{j}-{}", self.clock.run, phase.step, due.k),
                            body: traffic::body(self.clock.run, stamp, phase.body_bytes),
                            as_contact: false,
                            post: None,
                        });
                        let fed = match wire::message(&frame) {
                            Ok(message) => socket.feed(message).await.map_err(anyhow::Error::from),
                            Err(e) => Err(e),
                        };
                        if let Err(e) = fed {
                            done.drop_with(format!("send failed: {e:#}"));
                            return (None, done);
                        }
                        requests.push((due.slot, sent));
                        done.wrote(&self, &due, sent);
                    }
                    if let Err(e) = socket.flush().await {
                        done.drop_with(format!("send failed: {e}"));
                        return (None, done);
                    }
                    last_send = Instant::now();
                }
                () = tokio::time::sleep_until(grace_end), if next_due.is_none() => break,
                message = socket.next() => {
                    let message = match message {
                        Some(Ok(message)) => message,
                        Some(Err(e)) => {
                            done.drop_with(format!("read failed: {e}"));
                            return (None, done);
                        }
                        None => {
                            done.drop_with("the connection ended".into());
                            return (None, done);
                        }
                    };
                    if let Message::Close(frame) = &message {
                        done.drop_with(format!("closed by the server: {}", wire::close_reason(frame.as_ref())));
                        return (None, done);
                    }
                    self.answer(&mut done, &requests, &message);
                }
            }
        }
        (Some(socket), done)
    }

    /// Accounts for a reply to one of this sender's messages.
    fn answer(&self, done: &mut Done, requests: &[(usize, u64)], message: &Message) {
        let at = self.clock.now();
        let Some(frame) = wire::data(message).and_then(wire::decode_lite) else {
            return;
        };
        let request = frame
            .id
            .and_then(|id| id.checked_sub(self.first_id))
            .and_then(|i| requests.get(usize::try_from(i).ok()?));
        let Some(&(slot, sent)) = request else { return };
        match (frame.kind, frame.result) {
            ("result", Some(result)) if result.kind == "sent" => {
                report::record_nanos(&mut done.ack, at.saturating_sub(sent));
                done.acked += 1;
                done.duplicates += u64::from(result.duplicate.unwrap_or(false));
                if let Some(offset) = result.offset {
                    let team = self.phase.streams[self.streams[slot]].team;
                    done.acked_offsets.push((team, offset));
                    self.live.acked_offset[team].fetch_max(offset, Ordering::Relaxed);
                }
            }
            _ => {
                done.errors += 1;
                if done.error_samples.len() < 3 {
                    let text = match wire::decode(message) {
                        Some(Ok(frame)) => format!("{frame:?}"),
                        _ => "an undecodable reply".to_string(),
                    };
                    done.error_samples.push(text);
                }
            }
        }
    }
}
