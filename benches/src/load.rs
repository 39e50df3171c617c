//! One load run: connect the subscribers, then let the senders send on
//! their schedule, wait a bounded grace for what is in flight, stop
//! everyone and gather the numbers.
//!
//! Invariants: every wait is bounded (connect timeout, schedule, grace,
//! join timeout); every queue is bounded by the number of connections; a
//! message counts as delivered only if its body carries this run's stamp
//! and it arrives in the run's conversation, so a shared server's other
//! traffic never inflates the counts.

use crate::report::{self, Outcome};
use crate::sender::{self, Schedule};
use crate::subscriber;
use anyhow::bail;
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_protocol::ids::{ConversationId, TeamId};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;

/// Subscribers doing their handshake at the same time.
const CONNECT_PARALLELISM: usize = 64;
/// Between the last sender connecting and the first scheduled send.
const WARMUP: Duration = Duration::from_millis(200);
/// How often the end of the run is checked for.
const POLL: Duration = Duration::from_millis(10);
/// How long the tasks may take to stop once told to.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Shards of the end-to-end histogram: a mutex each, so that subscribers
/// on different threads rarely wait for one another.
const E2E_SHARDS: usize = 16;

/// Where the load goes.
pub(crate) struct Target {
    /// The WebSocket endpoint (loopback).
    pub(crate) url: String,
    /// The team every connection works in.
    pub(crate) team: TeamId,
    /// The conversation the senders write to.
    pub(crate) conversation: ConversationId,
    /// One token per sender.
    pub(crate) sender_tokens: Vec<String>,
    /// One token per subscriber.
    pub(crate) subscriber_tokens: Vec<String>,
}

/// How much load, for how long.
pub(crate) struct Plan {
    /// Aggregate messages per second over all senders.
    pub(crate) rate: f64,
    /// How long the senders send.
    pub(crate) duration: Duration,
    /// How long to wait after the last scheduled send for what is in flight.
    pub(crate) grace: Duration,
    /// Size of each message body, in bytes.
    pub(crate) body_bytes: usize,
    /// How long connecting every connection may take.
    pub(crate) connect_timeout: Duration,
}

/// What every task of a run shares.
pub(crate) struct Shared {
    /// The clock every timestamp of the run counts from.
    base: Instant,
    /// Marks this run's messages.
    pub(crate) run: u64,
    /// The conversation the senders write to.
    pub(crate) conversation: ConversationId,
    e2e: Vec<Mutex<Histogram<u64>>>,
    /// Deliveries of this run's messages, over all subscribers.
    pub(crate) delivered: AtomicU64,
    /// When the last delivery was decoded (nanoseconds since `base`).
    last_delivery: AtomicU64,
    /// Messages written to a socket, over all senders.
    pub(crate) sent: AtomicU64,
    /// Sends answered (acknowledged or refused), over all senders.
    pub(crate) answered: AtomicU64,
}

impl Shared {
    fn new(conversation: ConversationId) -> Shared {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Shared {
            base: Instant::now(),
            // Unique enough to tell two runs against one server apart.
            run: (clock.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32),
            conversation,
            e2e: (0..E2E_SHARDS)
                .map(|_| Mutex::new(report::histogram()))
                .collect(),
            delivered: AtomicU64::new(0),
            last_delivery: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            answered: AtomicU64::new(0),
        }
    }

    /// Nanoseconds since the run's base instant.
    pub(crate) fn now(&self) -> u64 {
        self.nanos(Instant::now())
    }

    /// An instant as nanoseconds since the run's base instant.
    pub(crate) fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Counts one delivery, decoded at `at`, of a message sent at `sent`.
    pub(crate) fn record_delivery(&self, subscriber: usize, sent: u64, at: u64) {
        {
            // A histogram is left whole by a panic elsewhere: take it anyway.
            let mut e2e = self.e2e[subscriber % E2E_SHARDS]
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            report::record_nanos(&mut e2e, at.saturating_sub(sent));
        }
        self.delivered.fetch_add(1, Ordering::Relaxed);
        self.last_delivery.fetch_max(at, Ordering::Relaxed);
    }
}

/// A message body: the run, the sender, the message's index and its send
/// time, then padding up to `len` bytes.
pub(crate) fn stamp_body(run: u64, sender: usize, index: u64, sent: u64, len: usize) -> String {
    let mut body = format!("bench {run:x} {sender} {index} {sent} ");
    let pad = len.saturating_sub(body.len());
    body.extend(std::iter::repeat_n('.', pad));
    body
}

/// The send time in a body stamped by this run, if it is one.
pub(crate) fn read_stamp(body: &str, run: u64) -> Option<u64> {
    let mut words = body.split_ascii_whitespace();
    if words.next()? != "bench" || u64::from_str_radix(words.next()?, 16).ok()? != run {
        return None;
    }
    words.nth(2)?.parse().ok()
}

/// Runs the load and gathers the outcome.
pub(crate) async fn run(target: Target, plan: &Plan) -> anyhow::Result<Outcome> {
    let shared = Arc::new(Shared::new(target.conversation));
    let (stop, stop_rx) = watch::channel(false);
    let clients = target.subscriber_tokens.len();
    let senders = target.sender_tokens.len();
    let url: Arc<str> = Arc::from(target.url.as_str());

    // Subscribers first, all live before the first send, so that every
    // message is owed to every one of them.
    let gate = Arc::new(Semaphore::new(CONNECT_PARALLELISM));
    let (ready_tx, mut ready) = mpsc::channel(clients.max(1));
    let subscribers: Vec<_> = target
        .subscriber_tokens
        .into_iter()
        .enumerate()
        .map(|(index, token)| {
            let setup = subscriber::Setup {
                index,
                url: Arc::clone(&url),
                token,
                team: target.team,
                gate: Arc::clone(&gate),
                ready: ready_tx.clone(),
                connect_timeout: plan.connect_timeout,
            };
            tokio::spawn(subscriber::run(setup, Arc::clone(&shared), stop_rx.clone()))
        })
        .collect();
    drop(ready_tx);
    let deadline = tokio::time::Instant::now() + plan.connect_timeout;
    let (mut connected, mut failed, mut first_failure) = (0, 0, None);
    while connected + failed < clients {
        match tokio::time::timeout_at(deadline, ready.recv()).await {
            Ok(Some(Ok(()))) => connected += 1,
            Ok(Some(Err(e))) => {
                failed += 1;
                first_failure.get_or_insert(e);
            }
            Ok(None) => break,
            Err(_) => bail!(
                "only {connected} of {clients} subscribers were live within {:?}",
                plan.connect_timeout
            ),
        }
    }
    if let Some(e) = first_failure {
        bail!("{failed} of {clients} subscribers could not subscribe; the first: {e}");
    }

    let fleet_setup = sender::FleetSetup {
        url: target.url.clone(),
        tokens: target.sender_tokens,
        body_bytes: plan.body_bytes,
        connect_timeout: plan.connect_timeout,
    };
    let mut fleet =
        sender::Fleet::connect(fleet_setup, Arc::clone(&shared), stop_rx.clone()).await?;
    let schedule = Arc::new(Schedule::new(
        Instant::now() + WARMUP,
        plan.rate,
        plan.duration,
        senders,
    ));
    fleet.start(Arc::clone(&schedule));

    // Wait for the schedule, then at most `grace` for what is in flight.
    let planned = schedule.total();
    let give_up = tokio::time::Instant::from_std(schedule.end() + plan.grace);
    loop {
        let sent = shared.sent.load(Ordering::Relaxed);
        let complete = sent == planned
            && shared.answered.load(Ordering::Relaxed) == sent
            && shared.delivered.load(Ordering::Relaxed) == sent * clients as u64;
        if complete || tokio::time::Instant::now() >= give_up {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    // No receiver left is fine: every task has ended already.
    let _ = stop.send(true);

    let mut outcome = Outcome {
        clients,
        senders,
        rate: plan.rate,
        duration: plan.duration,
        body_bytes: plan.body_bytes,
        planned,
        sent: 0,
        send_span: Duration::ZERO,
        lag: report::histogram(),
        acked: 0,
        duplicate_acks: 0,
        errors: 0,
        error_samples: Vec::new(),
        ack: report::histogram(),
        delivered: 0,
        delivery_span: Duration::ZERO,
        e2e: report::histogram(),
        out_of_order: 0,
        undecodable: 0,
        dropped: 0,
        drop_samples: Vec::new(),
    };
    let mut last_send = 0;
    let sender_outcomes = fleet.join(JOIN_TIMEOUT).await.unwrap_or_else(|| {
        sample(
            &mut outcome.drop_samples,
            "the senders did not stop in time".into(),
        );
        Vec::new()
    });
    outcome.dropped += senders.saturating_sub(sender_outcomes.len()) as u64;
    for s in sender_outcomes {
        outcome.sent += s.sent;
        outcome.acked += s.acked;
        outcome.duplicate_acks += s.duplicate_acks;
        outcome.errors += s.errors;
        for e in s.error_samples {
            sample(&mut outcome.error_samples, e);
        }
        merge(&mut outcome.lag, &s.lag);
        merge(&mut outcome.ack, &s.ack);
        last_send = last_send.max(s.last_send);
        if let Some(reason) = s.dropped {
            outcome.dropped += 1;
            sample(
                &mut outcome.drop_samples,
                format!("sender {}: {reason}", s.index),
            );
        }
    }
    for result in join_all(subscribers).await {
        let Some(s) = result else {
            outcome.dropped += 1;
            sample(
                &mut outcome.drop_samples,
                "a subscriber did not stop in time".into(),
            );
            continue;
        };
        outcome.out_of_order += s.out_of_order;
        outcome.undecodable += s.undecodable;
        if let Some(reason) = s.dropped {
            outcome.dropped += 1;
            sample(
                &mut outcome.drop_samples,
                format!("subscriber {}: {reason}", s.index),
            );
        }
    }
    for shard in &shared.e2e {
        merge(
            &mut outcome.e2e,
            &shard.lock().unwrap_or_else(|e| e.into_inner()),
        );
    }
    outcome.delivered = shared.delivered.load(Ordering::Relaxed);
    let start = shared.nanos(schedule.start());
    outcome.send_span = Duration::from_nanos(last_send.saturating_sub(start));
    let last_delivery = shared.last_delivery.load(Ordering::Relaxed);
    outcome.delivery_span = Duration::from_nanos(last_delivery.saturating_sub(start));
    Ok(outcome)
}

/// Waits for every task, within [`JOIN_TIMEOUT`] in all; a task still
/// running then is aborted and reported as `None`.
async fn join_all<T>(tasks: Vec<JoinHandle<T>>) -> Vec<Option<T>> {
    let deadline = tokio::time::Instant::now() + JOIN_TIMEOUT;
    let mut results = Vec::with_capacity(tasks.len());
    for mut task in tasks {
        match tokio::time::timeout_at(deadline, &mut task).await {
            Ok(Ok(value)) => results.push(Some(value)),
            Ok(Err(_)) => results.push(None),
            Err(_) => {
                task.abort();
                results.push(None);
            }
        }
    }
    results
}

fn merge(into: &mut Histogram<u64>, from: &Histogram<u64>) {
    // Both come from `report::histogram`, with the same bounds.
    into.add(from).expect("histograms with the same bounds");
}

/// Keeps the first few samples of a kind of problem.
fn sample(samples: &mut Vec<String>, text: String) {
    if samples.len() < 3 {
        samples.push(text);
    }
}
