//! The fan-out steps against every contender at once: each is up (its
//! subscribers reading, its senders connected) before the first step; then
//! each step runs `--repeat` rounds, and each round drives every contender
//! still stepping once, in a fixed order (A, B, C, A, B, C...), so that a
//! slow minute of the machine falls on all of them alike. Only one
//! contender is driven at a time; the others sit idle with their
//! connections open.
//!
//! The same code drives Switchboard and every peer, so that they differ
//! only in what the [`Inbound`]s and the [`Fleet`] are connected to: the
//! rates, the schedule, the stamps, the waits and the pass rule are one.
//! Each (step, round) has its own slot on the contender's [`Board`] (the
//! slot is the stamp's step), so a late delivery of one round never counts
//! in the next. A step's verdict is [`StepSummary::of`] its rounds; a
//! contender that fails a step takes no further step, and its knee is the
//! highest step it passed.

use super::cpu;
use super::fanout::{Who, Workload};
use super::fanout_rounds::{self, GroupFigures, RoundFigures, StepSummary};
use super::subscriber::{self, Board, Inbound};
use crate::flushes::{self, Flushes};
use crate::peers::PeerServer;
use crate::proc_stats;
use crate::report::{self, Latency};
use crate::sender::{Fleet, Phase, PhaseOutcome, Stream};
use crate::target::Target;
use crate::traffic::Clock;
use anyhow::Context;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Between the senders being told and the first message being due.
const WARMUP: Duration = Duration::from_millis(300);

/// A subscriber in its team, ready to read.
pub(super) struct Reader {
    /// Its number in the crowd.
    pub(super) index: usize,
    /// Its team's index.
    pub(super) team: usize,
    /// Its connection.
    pub(super) inbound: Inbound,
}

/// What one group saw in one round.
pub(super) struct GroupStep {
    pub(super) sent: u64,
    pub(super) expected: u64,
    pub(super) delivered: u64,
    pub(super) per_second: f64,
    pub(super) latency: Latency,
    pub(super) histogram: hdrhistogram::Histogram<u64>,
}

/// One round of one step against one contender.
pub(super) struct StepRow {
    pub(super) sent: PhaseOutcome,
    pub(super) outcomes: Vec<GroupStep>,
    pub(super) server_cpu: Option<f64>,
    /// The server's resident memory after the round, in KiB.
    pub(super) server_rss_kib: Option<u64>,
    /// Subscribers disconnected during the round.
    pub(super) dropped: u64,
    /// The server's group-commit flushes during the round (a Switchboard
    /// server's own histogram; None for a peer).
    pub(super) flushes: Option<Flushes>,
}

impl StepRow {
    /// Deliveries expected and not seen, over all groups.
    pub(super) fn missing(&self) -> u64 {
        self.outcomes
            .iter()
            .map(|o| o.expected.saturating_sub(o.delivered))
            .sum()
    }

    /// The figures the verdict is taken on.
    fn figures(&self) -> RoundFigures {
        let group = |per_second: f64, l: &Latency| GroupFigures {
            per_second,
            p50_ms: l.p50_ms,
            p99_ms: l.p99_ms,
            p999_ms: l.p999_ms,
        };
        let mut all = report::histogram();
        for o in &self.outcomes {
            report::merge(&mut all, &o.histogram);
        }
        let per_second = self.outcomes.iter().map(|o| o.per_second).sum();
        RoundFigures {
            groups: self
                .outcomes
                .iter()
                .map(|o| group(o.per_second, &o.latency))
                .collect(),
            all: group(per_second, &Latency::of(&all)),
            server_cpu: self.server_cpu,
            missing: self.missing(),
            lost: self.dropped + self.sent.errors + self.sent.dropped.len() as u64,
        }
    }
}

/// A step's rounds against one contender, and their verdict.
pub(super) struct StepRounds {
    pub(super) offered: f64,
    pub(super) rounds: Vec<StepRow>,
    pub(super) summary: StepSummary,
}

/// What one contender did over the steps.
pub(super) struct TargetRun {
    pub(super) who: Who,
    /// One per step taken.
    pub(super) steps: Vec<StepRounds>,
    /// The highest step that passed.
    pub(super) knee: Option<usize>,
    /// Everything the subscribers counted.
    pub(super) board: Arc<Board>,
    /// The server's process id, when known.
    pub(super) pid: Option<u32>,
}

/// What keeps a contender's server running until it is closed.
pub(super) enum Holder {
    Switchboard(Target),
    Peer(PeerServer),
}

/// A server with its subscribers reading and its senders connected.
pub(super) struct Contender {
    who: Who,
    board: Arc<Board>,
    fleet: Fleet,
    pid: Option<u32>,
    subscribers_per_team: Vec<u64>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    steps: Vec<StepRounds>,
    stepping: bool,
    holder: Holder,
}

impl Contender {
    /// The server's process id, when known.
    pub(super) fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Starts reading on every reader of the server `holder` keeps up.
    pub(super) fn start(
        who: Who,
        workload: &Workload<'_>,
        clock: Arc<Clock>,
        readers: Vec<Reader>,
        fleet: Fleet,
        pid: Option<u32>,
        holder: Holder,
    ) -> Contender {
        let slots = workload.factors.len() * workload.repeat;
        let board = Arc::new(Board::new(clock, slots, workload.groups.len()));
        let (stop, stop_rx) = watch::channel(false);
        let mut subscribers_per_team = vec![0u64; workload.teams()];
        let tasks = readers
            .into_iter()
            .map(|r| {
                subscribers_per_team[r.team] += 1;
                tokio::spawn(subscriber::run(
                    r.index,
                    workload.team_group[r.team],
                    r.inbound,
                    Arc::clone(&board),
                    stop_rx.clone(),
                ))
            })
            .collect();
        Contender {
            who,
            board,
            fleet,
            pid,
            subscribers_per_team,
            stop,
            tasks,
            steps: Vec::new(),
            stepping: true,
            holder,
        }
    }

    /// Runs one round of `step` into the board's `slot`.
    async fn round(
        &self,
        workload: &Workload<'_>,
        step: usize,
        round: usize,
    ) -> anyhow::Result<StepRow> {
        let args = workload.args;
        let groups = &workload.groups;
        let teams = workload.teams();
        let slot = step * workload.repeat + round;
        let factor = workload.factors[step];
        let streams: Vec<Stream> = (0..teams)
            .map(|t| Stream {
                team: t,
                rate: groups[workload.team_group[t]].rate_per_team * factor,
            })
            .collect();
        let phase = Phase {
            step: u32::try_from(slot).context("too many steps")?,
            start: Instant::now() + WARMUP,
            duration: Duration::from_secs(args.duration),
            grace: Duration::from_secs(args.grace),
            streams,
            body_bytes: args.body_bytes as usize,
        };
        let span = phase.duration + WARMUP;
        let label = format!(
            "{} {:.0}/s ({}/{})",
            self.who.name(),
            workload.offered(step),
            round + 1,
            workload.repeat
        );
        let bar = crate::progress::timed(span, &label);
        let sample = || self.pid.and_then(proc_stats::sample);
        let metrics = match &self.holder {
            Holder::Switchboard(target) => Some(target.endpoint.addr),
            Holder::Peer(_) => None,
        };
        let flushes_before = match metrics {
            Some(addr) => flushes::scrape(addr).await,
            None => None,
        };
        let server_before = sample();
        let dropped_before = self.board.dropped.load(Ordering::Relaxed);
        let start = phase.start;
        let ticker = tokio::spawn(tick(bar.clone(), span));
        let (_keep, never) = watch::channel(false);
        let sent = self.fleet.run(phase, never).await;
        ticker.abort();
        bar.finish_and_clear();
        let sent = sent.with_context(|| format!("sending to {}", self.who.name()))?;
        let team_group = &workload.team_group;
        let in_group = |g: usize| (0..teams).filter(move |&t| team_group[t] == g);
        let expected: Vec<u64> = (0..groups.len())
            .map(|g| {
                in_group(g)
                    .map(|t| sent.sent[t] * self.subscribers_per_team[t])
                    .sum()
            })
            .collect();
        let board = &self.board;
        wait_for(board, slot, &expected, Duration::from_secs(args.grace)).await;
        let server_after = sample();
        let flushes = match (metrics, flushes_before) {
            (Some(addr), Some(before)) => flushes::scrape(addr).await.map(|f| f.since(&before)),
            _ => None,
        };
        let clock = &board.clock;
        let outcomes = (0..groups.len())
            .map(|g| {
                let tally = board.tally(slot, g);
                let histogram = tally.histogram();
                let last = tally.last.load(Ordering::Relaxed);
                let span = Duration::from_nanos(last.saturating_sub(clock.nanos(start)));
                let delivered = tally.delivered.load(Ordering::Relaxed);
                GroupStep {
                    sent: in_group(g).map(|t| sent.sent[t]).sum(),
                    expected: expected[g],
                    delivered,
                    per_second: report::per_second(delivered, span),
                    latency: Latency::of(&histogram),
                    histogram,
                }
            })
            .collect();
        Ok(StepRow {
            sent,
            outcomes,
            server_cpu: cpu(server_before, server_after),
            server_rss_kib: server_after.map(|s| s.rss_kib),
            dropped: board.dropped.load(Ordering::Relaxed) - dropped_before,
            flushes,
        })
    }

    /// Closes the senders and subscribers, then the server.
    async fn close(self) -> TargetRun {
        let _ = self.stop.send(true);
        self.fleet.close().await;
        for task in self.tasks {
            // Subscribers end on `stop`; one that panicked has nothing to add.
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        // Only now: the server outlives every connection to it.
        match self.holder {
            Holder::Switchboard(target) => drop(target),
            Holder::Peer(server) => drop(server),
        }
        let knee = fanout_rounds::knee(self.steps.iter().map(|s| s.summary.passed));
        TargetRun {
            who: self.who,
            steps: self.steps,
            knee,
            board: self.board,
            pid: self.pid,
        }
    }
}

/// Runs every step against every contender, interleaved, and closes them.
pub(super) async fn drive(
    workload: &Workload<'_>,
    mut contenders: Vec<Contender>,
) -> anyhow::Result<Vec<TargetRun>> {
    for step in 0..workload.factors.len() {
        for c in contenders.iter_mut().filter(|c| c.stepping) {
            c.steps.push(StepRounds {
                offered: workload.offered(step),
                rounds: Vec::new(),
                summary: StepSummary::default(),
            });
        }
        for round in 0..workload.repeat {
            for c in contenders.iter_mut().filter(|c| c.stepping) {
                let row = c.round(workload, step, round).await?;
                if let Some(s) = c.steps.last_mut() {
                    s.rounds.push(row);
                }
            }
        }
        for c in contenders.iter_mut().filter(|c| c.stepping) {
            if let Some(s) = c.steps.last_mut() {
                let figures: Vec<RoundFigures> = s.rounds.iter().map(StepRow::figures).collect();
                s.summary = StepSummary::of(&figures, workload.args.threshold_ms);
                if !s.summary.passed && workload.stepping() {
                    c.stepping = false;
                }
            }
        }
    }
    let mut runs = Vec::with_capacity(contenders.len());
    for c in contenders {
        runs.push(c.close().await);
    }
    Ok(runs)
}

/// Moves a bar along for `span`.
async fn tick(bar: indicatif::ProgressBar, span: Duration) {
    let start = Instant::now();
    while start.elapsed() < span {
        tokio::time::sleep(Duration::from_millis(100)).await;
        bar.set_position(u64::try_from(start.elapsed().as_millis()).unwrap_or(0));
    }
}

/// Waits until every group of `slot` has its deliveries, or `grace` passes.
async fn wait_for(board: &Board, slot: usize, expected: &[u64], grace: Duration) {
    let end = Instant::now() + grace;
    while Instant::now() < end {
        let complete = expected
            .iter()
            .enumerate()
            .all(|(g, &n)| board.tally(slot, g).delivered.load(Ordering::Relaxed) >= n);
        if complete {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
