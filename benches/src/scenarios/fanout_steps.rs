//! The fan-out steps against one server, whichever it is: the subscribers
//! read, the senders send each step's rates, and each step is judged.
//!
//! The same code drives Switchboard and every peer, so that the two differ
//! only in what the [`Inbound`]s and the [`Fleet`] are connected to: the
//! rates, the schedule, the stamps, the waits and the pass rule are one.
//! A step passes when every group's p99 is under `--threshold-ms`, no
//! delivery is missing, no subscriber was dropped and every sender kept
//! its connection; with several steps the run stops at the first step that
//! fails, and the knee is the highest step that passed.

use super::cpu;
use super::fanout::Workload;
use super::fanout_report::{GroupStep, StepRow};
use super::subscriber::{self, Board, Inbound};
use crate::proc_stats;
use crate::report::{self, Latency};
use crate::sender::{Fleet, Phase, Stream};
use crate::traffic::Clock;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

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

/// What one server did over the steps.
pub(super) struct TargetRun {
    /// One per step taken.
    pub(super) rows: Vec<StepRow>,
    /// The highest step that passed.
    pub(super) knee: Option<usize>,
    /// Everything the subscribers counted.
    pub(super) board: Arc<Board>,
    /// The server's process id, when known.
    pub(super) pid: Option<u32>,
}

/// Runs the workload's steps against the server that `readers` and
/// `fleet` are connected to (`pid`, when known, for its CPU and memory),
/// then closes everything. `name` labels the progress bar.
pub(super) async fn drive(
    name: &str,
    workload: &Workload<'_>,
    clock: Arc<Clock>,
    readers: Vec<Reader>,
    fleet: Fleet,
    pid: Option<u32>,
) -> anyhow::Result<TargetRun> {
    let args = workload.args;
    let groups = &workload.groups;
    let teams = workload.teams();
    let board = Arc::new(Board::new(
        Arc::clone(&clock),
        workload.factors.len(),
        groups.len(),
    ));
    let (stop, stop_rx) = watch::channel(false);
    let mut subscribers_per_team = vec![0u64; teams];
    let tasks: Vec<_> = readers
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
    let sample = || pid.and_then(proc_stats::sample);

    let mut rows = Vec::new();
    let mut knee: Option<usize> = None;
    for (step, factor) in workload.factors.iter().enumerate() {
        let streams: Vec<Stream> = (0..teams)
            .map(|t| Stream {
                team: t,
                rate: groups[workload.team_group[t]].rate_per_team * factor,
            })
            .collect();
        let offered: f64 = streams.iter().map(|s| s.rate).sum();
        let phase = Phase {
            step: step as u32,
            start: Instant::now() + WARMUP,
            duration: Duration::from_secs(args.duration),
            grace: Duration::from_secs(args.grace),
            streams,
            body_bytes: args.body_bytes as usize,
        };
        let span = phase.duration + WARMUP;
        let bar = crate::progress::timed(span, &format!("{name} {offered:.0}/s"));
        let (server_before, bench_before) = (sample(), proc_stats::sample_self());
        let start = phase.start;
        let ticker = tokio::spawn(tick(bar.clone(), span));
        let (_keep, never) = watch::channel(false);
        let sent = fleet.run(phase, never).await?;
        ticker.abort();
        bar.finish_and_clear();
        let team_group = &workload.team_group;
        let in_group = |g: usize| (0..teams).filter(move |&t| team_group[t] == g);
        let expected: Vec<u64> = (0..groups.len())
            .map(|g| {
                in_group(g)
                    .map(|t| sent.sent[t] * subscribers_per_team[t])
                    .sum()
            })
            .collect();
        wait_for(&board, step, &expected, Duration::from_secs(args.grace)).await;
        let (server_after, bench_after) = (sample(), proc_stats::sample_self());
        let outcomes: Vec<GroupStep> = (0..groups.len())
            .map(|g| {
                let tally = board.tally(step, g);
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
        let dropped = board.dropped.load(Ordering::Relaxed);
        let passed = outcomes
            .iter()
            .all(|o| o.delivered >= o.expected && o.latency.p99_ms <= args.threshold_ms)
            && dropped == 0
            && sent.errors == 0
            && sent.dropped.is_empty();
        if passed {
            knee = Some(step);
        }
        rows.push(StepRow {
            offered,
            sent,
            outcomes,
            server_cpu: cpu(server_before, server_after),
            server_rss_kib: server_after.map(|s| s.rss_kib),
            bench_cpu: cpu(bench_before, bench_after),
            passed,
        });
        if !passed && workload.stepping() {
            break;
        }
    }
    let _ = stop.send(true);
    fleet.close().await;
    for task in tasks {
        // Subscribers end on `stop`; one that panicked has nothing to add.
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    Ok(TargetRun {
        rows,
        knee,
        board,
        pid,
    })
}

/// Moves a bar along for `span`.
async fn tick(bar: indicatif::ProgressBar, span: Duration) {
    let start = Instant::now();
    while start.elapsed() < span {
        tokio::time::sleep(Duration::from_millis(100)).await;
        bar.set_position(u64::try_from(start.elapsed().as_millis()).unwrap_or(0));
    }
}

/// Waits until every group of `step` has its deliveries, or `grace` passes.
async fn wait_for(board: &Board, step: usize, expected: &[u64], grace: Duration) {
    let end = Instant::now() + grace;
    while Instant::now() < end {
        let complete = expected
            .iter()
            .enumerate()
            .all(|(g, &n)| board.tally(step, g).delivered.load(Ordering::Relaxed) >= n);
        if complete {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
