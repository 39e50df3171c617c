//! One sender's share of a phase: its streams merged into one schedule
//! (a heap of due times), every message due at once written in one flush,
//! and the replies matched to requests by id.

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
use switchboard_protocol::ids::RequestId;
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

/// What one sender did in a phase; its socket, if still open.
pub(super) struct Done {
    pub(super) socket: Option<Socket>,
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

impl Done {
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
    /// Sends on schedule, then waits (within the grace) for the last
    /// acknowledgements; `stop` ends the sending early.
    pub(super) async fn run(self, socket: Option<Socket>, mut stop: watch::Receiver<bool>) -> Done {
        let mut done = Done {
            socket: None,
            sent: self.streams.iter().map(|&j| (j, 0)).collect(),
            acked: 0,
            duplicates: 0,
            errors: 0,
            error_samples: Vec::new(),
            ack: report::histogram(),
            lag: report::histogram(),
            acked_offsets: Vec::new(),
            dropped: None,
        };
        let Some(mut socket) = socket else {
            done.dropped = Some("connection lost in an earlier phase".into());
            return done;
        };
        let phase = &self.phase;
        // (due, slot in `self.streams`, k); the earliest first.
        let mut queue: BinaryHeap<Reverse<(Instant, usize, u64)>> = self
            .streams
            .iter()
            .enumerate()
            .filter(|&(_, &j)| phase.count(j) > 0)
            .map(|(slot, &j)| Reverse((phase.due(j, 0), slot, 0)))
            .collect();
        // Per request: (stream slot, send time); ids are `first_id + index`.
        let mut requests: Vec<(usize, u64)> = Vec::new();
        let mut last_send = Instant::now();
        let far = tokio::time::Instant::now() + Duration::from_secs(24 * 3600);
        let mut stopped = false;
        loop {
            let next_due = queue.peek().map(|Reverse((due, _, _))| *due);
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
                    queue.clear();
                }
                () = tokio::time::sleep_until(wake), if next_due.is_some() => {
                    let now = Instant::now();
                    // Everything due by now goes out in one flush.
                    while let Some(&Reverse((due, slot, k))) = queue.peek() {
                        if due > now {
                            break;
                        }
                        queue.pop();
                        let j = self.streams[slot];
                        let sent = self.clock.now();
                        report::record_nanos(&mut done.lag, sent.saturating_sub(self.clock.nanos(due)));
                        let stamp = Stamp { step: phase.step, stream: j as u32, k, sent };
                        let frame = ClientFrame::Send(SendMessage {
                            id: RequestId(self.first_id + requests.len() as u64),
                            conversation: phase.streams[j].conversation,
                            client_msg_id: format!("{:x}-{}-{j}-{k}", self.clock.run, phase.step),
                            body: traffic::body(self.clock.run, stamp, phase.body_bytes),
                        });
                        let fed = match wire::message(&frame) {
                            Ok(message) => socket.feed(message).await.map_err(anyhow::Error::from),
                            Err(e) => Err(e),
                        };
                        if let Err(e) = fed {
                            done.dropped = Some(format!("send failed: {e:#}"));
                            return done;
                        }
                        requests.push((slot, sent));
                        done.sent[slot].1 += 1;
                        self.live.sent.fetch_add(1, Ordering::Relaxed);
                        if k + 1 < phase.count(j) {
                            queue.push(Reverse((phase.due(j, k + 1), slot, k + 1)));
                        }
                    }
                    if let Err(e) = socket.flush().await {
                        done.dropped = Some(format!("send failed: {e}"));
                        return done;
                    }
                    last_send = Instant::now();
                }
                () = tokio::time::sleep_until(grace_end), if next_due.is_none() => break,
                message = socket.next() => {
                    let message = match message {
                        Some(Ok(message)) => message,
                        Some(Err(e)) => {
                            done.dropped = Some(format!("read failed: {e}"));
                            return done;
                        }
                        None => {
                            done.dropped = Some("the connection ended".into());
                            return done;
                        }
                    };
                    if let Message::Close(frame) = &message {
                        done.dropped = Some(format!("closed by the server: {}", wire::close_reason(frame.as_ref())));
                        return done;
                    }
                    self.answer(&mut done, &requests, &message);
                }
            }
        }
        done.socket = Some(socket);
        done
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
