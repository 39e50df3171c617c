//! `durable`: the most acknowledged sends per second. Each of N senders
//! keeps K sends in flight (closed loop: every acknowledgement lets the
//! next send go), spreading its messages round robin over every
//! conversation of every team, so several hubs and the group commit are all
//! busy. An acknowledgement means the message reached disk.
//!
//! Throughput counts the acknowledgements that arrive within the
//! `--duration` window; the sends still in flight at its end are drained
//! (and timed) but not counted. Each of the `--repeat` runs has a fresh
//! server, alternating with `--compare`'s binary when one is given.

use super::durable_report::{self, DurableRun};
use super::{cpu, runs};
use crate::report::{self, Latency, Section};
use crate::seed::SeedPlan;
use crate::target::{ServerArgs, Target};
use crate::wire::{self, Endpoint};
use anyhow::Context;
use futures::{FutureExt, SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::client::{ClientFrame, SendMessage};
use switchboard_protocol::ids::{ConversationId, RequestId};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// How long the sends in flight at the end may take to be answered.
const DRAIN: Duration = Duration::from_secs(5);

/// Options of `durable`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DurableArgs {
    /// Sending connections.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) senders: u32,
    /// Sends in flight per sender.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) in_flight: u32,
    /// Teams the conversations belong to.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) teams: u32,
    /// Conversations per team.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) conversations: u32,
    /// Seconds of sending.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) duration: u64,
    /// Bytes per message body.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(16..=16_384))]
    pub(crate) body_bytes: u32,
}

/// What one sender did, or all of a run's together.
pub(super) struct SenderTally {
    pub(super) acked_in_window: u64,
    pub(super) acked: u64,
    pub(super) duplicates: u64,
    pub(super) errors: Vec<String>,
    pub(super) error_count: u64,
    pub(super) latency: Histogram<u64>,
}

/// Runs `durable`: `--repeat` runs per server, each on a fresh one.
pub(crate) async fn run(server: &ServerArgs, args: &DurableArgs) -> anyhow::Result<Section> {
    // With `--flamegraph`, this build's first run is profiled.
    let profile = std::sync::Mutex::new(None);
    let runs = runs::repeat(server, "durable", |server| once(server, args, &profile)).await?;
    let mut section = durable_report::section(args, &runs);
    if let Some(profile) = profile.into_inner().unwrap_or_else(|e| e.into_inner()) {
        profile.describe(&mut section);
    }
    Ok(section)
}

/// One run against a fresh server (or `--url`); profiled when `server`
/// asks for it and `profile` holds none yet.
async fn once(
    mut server: ServerArgs,
    args: &DurableArgs,
    profile: &std::sync::Mutex<Option<crate::flame::Profile>>,
) -> anyhow::Result<DurableRun> {
    if profile.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
        server.flamegraph = None;
    }
    let plan = SeedPlan {
        teams: args.teams as usize,
        users_per_team: 1,
        senders: args.senders as usize,
        conversations_per_team: args.conversations as usize,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(&server, &plan).await?;
    let conversations: Arc<[ConversationId]> = target
        .layout
        .teams
        .iter()
        .flat_map(|t| t.conversations.iter().copied())
        .collect();
    let window = Duration::from_secs(args.duration);
    let sockets = connect_senders(&target, args.senders).await?;
    let profiler = crate::flame::Profiler::attach(&server, target.pid, "durable sends").await?;
    let before = target.sample();
    let start = Instant::now();
    let bar = crate::progress::timed(window, "durable");
    let load = Load {
        run: crate::traffic::Clock::new().run,
        conversations: Arc::clone(&conversations),
        in_flight: args.in_flight as usize,
        body: "d".repeat(args.body_bytes as usize),
        window_end: start + window,
    };
    let senders = load.start(sockets);
    while start.elapsed() < window {
        tokio::time::sleep(Duration::from_millis(100)).await;
        bar.set_position(u64::try_from(start.elapsed().as_millis()).unwrap_or(0));
    }
    let after = target.sample();
    bar.finish_and_clear();
    let tally = SenderTally::of(senders).await?;
    let drawn = profiler.stop().await?;
    if server.flamegraph.is_some() {
        *profile.lock().unwrap_or_else(|e| e.into_inner()) = Some(drawn);
    }
    let disk_per_ack = match (
        before.and_then(|s| s.disk_write_bytes),
        after.and_then(|s| s.disk_write_bytes),
    ) {
        (Some(b), Some(a)) if tally.acked_in_window > 0 => {
            Some(a.saturating_sub(b) as f64 / 1024.0 / tally.acked_in_window as f64)
        }
        _ => None,
    };
    Ok(DurableRun {
        server: target.describe(),
        teams: target.layout.teams.len(),
        conversations: conversations.len(),
        rate: report::per_second(tally.acked_in_window, window),
        ack: Latency::of(&tally.latency),
        acked_in_window: tally.acked_in_window,
        acked: tally.acked,
        refused: tally.error_count,
        duplicates: tally.duplicates,
        refusals: tally.errors,
        server_cpu: cpu(before, after),
        disk_kib_per_ack: disk_per_ack,
    })
}

impl SenderTally {
    fn new() -> SenderTally {
        SenderTally {
            acked_in_window: 0,
            acked: 0,
            duplicates: 0,
            errors: Vec::new(),
            error_count: 0,
            latency: report::histogram(),
        }
    }

    /// What the senders of a run did together, once each has finished.
    pub(super) async fn of(
        senders: Vec<JoinHandle<anyhow::Result<SenderTally>>>,
    ) -> anyhow::Result<SenderTally> {
        let mut total = SenderTally::new();
        for task in senders {
            let tally = task.await.context("a sender task failed")??;
            total.acked_in_window += tally.acked_in_window;
            total.acked += tally.acked;
            total.duplicates += tally.duplicates;
            total.error_count += tally.error_count;
            total.errors.extend(tally.errors);
            report::merge(&mut total.latency, &tally.latency);
        }
        Ok(total)
    }
}

/// Connects `count` senders to the target, each with its own token.
pub(super) async fn connect_senders(
    target: &Target,
    count: u32,
) -> anyhow::Result<Vec<wire::Socket>> {
    let mut sockets = Vec::new();
    for i in 0..count as usize {
        let token = target.layout.sender_token(i).to_string();
        sockets.push(connect(&target.endpoint, token, target.sources.pick()).await?);
    }
    Ok(sockets)
}

/// What every closed-loop sender of a run shares.
pub(super) struct Load {
    /// The run's id, which makes its `client_msg_id`s its own.
    pub(super) run: u64,
    /// Where the messages go, round robin.
    pub(super) conversations: Arc<[ConversationId]>,
    /// Sends in flight per sender.
    pub(super) in_flight: usize,
    /// Every message's body.
    pub(super) body: String,
    /// When sending stops (what is in flight is then drained).
    pub(super) window_end: Instant,
}

impl Load {
    /// Starts a closed-loop sender on each socket.
    pub(super) fn start(
        &self,
        sockets: Vec<wire::Socket>,
    ) -> Vec<JoinHandle<anyhow::Result<SenderTally>>> {
        sockets
            .into_iter()
            .enumerate()
            .map(|(index, socket)| {
                let job = Job {
                    index,
                    run: self.run,
                    conversations: Arc::clone(&self.conversations),
                    in_flight: self.in_flight,
                    body: self.body.clone(),
                    window_end: self.window_end,
                };
                tokio::spawn(job.run(socket))
            })
            .collect()
    }
}

pub(super) async fn connect(
    endpoint: &Endpoint,
    token: String,
    source: Option<IpAddr>,
) -> anyhow::Result<wire::Socket> {
    Ok(wire::connect(endpoint, &token, source).await?.0)
}

/// One closed-loop sender.
struct Job {
    index: usize,
    run: u64,
    conversations: Arc<[ConversationId]>,
    in_flight: usize,
    body: String,
    window_end: Instant,
}

impl Job {
    async fn run(self, mut socket: wire::Socket) -> anyhow::Result<SenderTally> {
        let mut tally = SenderTally::new();
        let mut pending: HashMap<u64, Instant> = HashMap::with_capacity(self.in_flight);
        let mut next = 0u64;
        for _ in 0..self.in_flight {
            self.feed(&mut socket, &mut next, &mut pending).await?;
        }
        socket.flush().await.context("sending")?;
        let drain_end = self.window_end + DRAIN;
        while !pending.is_empty() && Instant::now() < drain_end {
            let deadline = tokio::time::Instant::from_std(drain_end);
            let Ok(first) = tokio::time::timeout_at(deadline, socket.next()).await else {
                break;
            };
            let mut message = first;
            // Take every reply already here, then flush the new sends once.
            loop {
                match message {
                    Some(Ok(message)) => {
                        if self.answer(&message, &mut pending, &mut tally)
                            && Instant::now() < self.window_end
                        {
                            self.feed(&mut socket, &mut next, &mut pending).await?;
                        }
                    }
                    Some(Err(e)) => anyhow::bail!("sender {}: read failed: {e}", self.index),
                    None => anyhow::bail!("sender {}: the connection ended", self.index),
                }
                match socket.next().now_or_never() {
                    Some(more) => message = more,
                    None => break,
                }
            }
            socket.flush().await.context("sending")?;
        }
        wire::close(socket).await;
        Ok(tally)
    }

    async fn feed(
        &self,
        socket: &mut wire::Socket,
        next: &mut u64,
        pending: &mut HashMap<u64, Instant>,
    ) -> anyhow::Result<()> {
        let n = *next;
        *next += 1;
        let conversation = self.conversations[(self.index + n as usize) % self.conversations.len()];
        let frame = ClientFrame::Send(SendMessage {
            id: RequestId(n + 1),
            conversation,
            client_msg_id: format!("{:x}-d{}-{n}", self.run, self.index),
            body: self.body.clone(),
            as_contact: false,
            post: None,
        });
        socket
            .feed(wire::message(&frame)?)
            .await
            .context("sending")?;
        pending.insert(n + 1, Instant::now());
        Ok(())
    }

    /// Accounts for a reply; true if it answered one of the pending sends.
    fn answer(
        &self,
        message: &Message,
        pending: &mut HashMap<u64, Instant>,
        tally: &mut SenderTally,
    ) -> bool {
        let Some(frame) = wire::data(message).and_then(wire::decode_lite) else {
            return false;
        };
        let Some(sent) = frame.id.and_then(|id| pending.remove(&id)) else {
            return false;
        };
        let now = Instant::now();
        match frame.result {
            Some(result) if frame.kind == "result" && result.kind == "sent" => {
                report::record_nanos(&mut tally.latency, (now - sent).as_nanos() as u64);
                tally.acked += 1;
                tally.acked_in_window += u64::from(now <= self.window_end);
                tally.duplicates += u64::from(result.duplicate.unwrap_or(false));
            }
            _ => {
                tally.error_count += 1;
                if tally.errors.len() < 3 {
                    tally.errors.push(format!("{:?}", wire::decode(message)));
                }
            }
        }
        true
    }
}
