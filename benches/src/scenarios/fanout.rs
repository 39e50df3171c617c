//! `fanout`: publish-to-recipient latency and delivered messages per
//! second, T teams of S subscribers, senders open loop.
//!
//! The subscribers join once; then each step sends at its rate for
//! `--duration` seconds (`--rates` lists the steps, or `--step` doubles
//! `--rate` up to `--max-steps` times) and waits at most `--grace` for the
//! deliveries. A step passes when its p99 is under `--threshold-ms` and no
//! delivery is missing; with several steps the run stops at the first step
//! that fails, and the knee is the highest rate that passed.
//!
//! `--mixed` is the moderate-load preset: one team of 1,000 subscribers at
//! 10 msg/s and 100 teams of 10 at 1 msg/s each, reported apart.
//!
//! Rates are messages per second into all teams together, split evenly
//! among a group's teams; deliveries are messages times subscribers.

use super::fanout_report::{self, GroupStep, StepRow};
use super::subscriber::{self, Board, Inbound};
use super::{capped, cpu};
use crate::crowd::{self, Plan};
use crate::plot;
use crate::report::{self, Latency, Section};
use crate::seed::SeedPlan;
use crate::sender::{Fleet, Phase, Stream};
use crate::target::{ServerArgs, Target};
use crate::traffic::Clock;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Between the senders being told and the first message being due.
const WARMUP: Duration = Duration::from_millis(300);

/// Options of `fanout`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct FanoutArgs {
    /// Teams.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) teams: u32,
    /// Subscribers per team.
    #[arg(long, default_value_t = 1000)]
    pub(crate) subscribers: usize,
    /// Messages per second, over all teams.
    #[arg(long, default_value_t = 100.0)]
    pub(crate) rate: f64,
    /// Double the rate each step, from --rate, to find the knee.
    #[arg(long)]
    pub(crate) step: bool,
    /// With --step: the most steps.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub(crate) max_steps: u32,
    /// The rates to step through, e.g. 100,200,400 (overrides --rate/--step).
    #[arg(long, value_delimiter = ',')]
    pub(crate) rates: Vec<f64>,
    /// The moderate-load preset (1 x 1000 at 10 msg/s + 100 x 10 at 1 msg/s each).
    #[arg(long)]
    pub(crate) mixed: bool,
    /// Seconds of sending per step.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) duration: u64,
    /// Seconds to wait for deliveries after a step.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=60))]
    pub(crate) grace: u64,
    /// The p99 a step must stay under to pass, in milliseconds.
    #[arg(long, default_value_t = 50.0)]
    pub(crate) threshold_ms: f64,
    /// Sending connections.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) senders: u32,
    /// Bytes per message body.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(64..=16_384))]
    pub(crate) body_bytes: u32,
    /// Subscribers joining at once.
    #[arg(long, default_value_t = 256)]
    pub(crate) concurrency: usize,
    /// Write the latency plot (SVG) here.
    #[arg(long)]
    pub(crate) svg: Option<PathBuf>,
}

/// Teams reported together.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) name: String,
    pub(super) teams: usize,
    pub(super) subscribers: usize,
    /// Messages per second into each of its teams, before the step factor.
    pub(super) rate_per_team: f64,
    /// The p99 goal for the group, if the preset has one.
    pub(super) goal_ms: Option<f64>,
}

/// Runs `fanout`.
pub(crate) async fn run(server: &ServerArgs, args: &FanoutArgs) -> anyhow::Result<Section> {
    let name = if args.mixed { "mixed" } else { "fanout" };
    let mut section = Section::new(name, String::new());
    let groups = groups(args);
    let factors = factors(args);
    let total_teams: usize = groups.iter().map(|g| g.teams).sum();
    let wanted: usize = groups.iter().map(|g| g.teams * g.subscribers).sum();
    let count = capped(wanted + args.senders as usize, &mut section) - args.senders as usize;
    let plan = SeedPlan {
        teams: total_teams,
        users_per_team: groups
            .iter()
            .map(|g| g.subscribers)
            .max()
            .unwrap_or(1)
            .min(200),
        senders: args.senders as usize,
        conversations_per_team: 1,
        history: 0,
    };
    let target = Target::prepare(server, &plan).await?;
    let shape: Vec<String> = groups
        .iter()
        .map(|g| format!("{} x {} subscribers", g.teams, g.subscribers))
        .collect();
    section.title = format!(
        "fan-out, {} ({} subscribers), {} senders, {}-byte bodies, {} s per step; {}.",
        shape.join(" + "),
        wanted,
        args.senders,
        args.body_bytes,
        args.duration,
        target.describe()
    );
    if target.layout.teams.len() < total_teams {
        anyhow::bail!("--url gives one team; run fanout with --teams 1 against it");
    }

    // Team index -> group; subscribers in team order.
    let team_group: Vec<usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| std::iter::repeat_n(g, group.teams))
        .collect();
    let mut team_plan = Vec::with_capacity(wanted);
    let mut first_team = 0;
    for group in &groups {
        for n in 0..group.teams * group.subscribers {
            team_plan.push(first_team + n % group.teams);
        }
        first_team += group.teams;
    }
    team_plan.truncate(count);
    let joining = crowd::join(
        &target,
        Plan {
            teams: team_plan,
            concurrency: args.concurrency,
            timeout: Duration::from_secs(20),
            label: "subscribing",
        },
    )
    .await;
    if joining.failures > 0 {
        anyhow::bail!(
            "{} subscribers could not join: {}",
            joining.failures,
            joining.failure_samples.join("; ")
        );
    }
    let mut subscribers_per_group = vec![0u64; groups.len()];
    let mut subscribers_per_team = vec![0u64; total_teams];
    let clock = Arc::new(Clock::new());
    let board = Arc::new(Board::new(Arc::clone(&clock), factors.len(), groups.len()));
    let (stop, stop_rx) = watch::channel(false);
    let tasks: Vec<_> = joining
        .members
        .into_iter()
        .map(|m| {
            let group = team_group[m.team];
            subscribers_per_group[group] += 1;
            subscribers_per_team[m.team] += 1;
            let inbound = Inbound::Switchboard(m.socket);
            tokio::spawn(subscriber::run(
                m.index,
                group,
                inbound,
                Arc::clone(&board),
                stop_rx.clone(),
            ))
        })
        .collect();
    let fleet = Fleet::connect(
        &target.endpoint,
        Arc::clone(&target.sources),
        target.layout.sender_tokens.clone(),
        total_teams,
        Arc::clone(&clock),
    )
    .await?;

    let mut rows = Vec::new();
    let mut knee: Option<usize> = None;
    for (step, factor) in factors.iter().enumerate() {
        let streams: Vec<Stream> = (0..total_teams)
            .map(|t| Stream {
                team: t,
                conversation: target.layout.teams[t].conversations[0],
                rate: groups[team_group[t]].rate_per_team * factor,
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
        let bar = crate::progress::timed(span, &format!("{offered:.0}/s"));
        let (server_before, bench_before) = (target.sample(), crate::proc_stats::sample_self());
        let start = phase.start;
        let ticker = tokio::spawn(tick(bar.clone(), span));
        let (_keep, never) = watch::channel(false);
        let sent = fleet.run(phase, never).await?;
        ticker.abort();
        bar.finish_and_clear();
        let team_group = &team_group;
        let in_group = |g: usize| (0..total_teams).filter(move |&t| team_group[t] == g);
        let expected: Vec<u64> = (0..groups.len())
            .map(|g| {
                in_group(g)
                    .map(|t| sent.sent[t] * subscribers_per_team[t])
                    .sum()
            })
            .collect();
        wait_for(&board, step, &expected, Duration::from_secs(args.grace)).await;
        let (server_after, bench_after) = (target.sample(), crate::proc_stats::sample_self());
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
            bench_cpu: cpu(bench_before, bench_after),
            passed,
        });
        if !passed && factors.len() > 1 {
            break;
        }
    }
    let _ = stop.send(true);
    fleet.close().await;
    for task in tasks {
        // Subscribers end on `stop`; one that panicked has nothing to add.
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }

    let stepping = factors.len() > 1;
    fanout_report::describe(&mut section, args, &groups, &rows, knee, stepping, &board);
    if let Some(path) = &args.svg {
        let series: Vec<plot::Series<'_>> = rows
            .iter()
            .flat_map(|row| {
                row.outcomes.iter().enumerate().map(|(g, o)| plot::Series {
                    label: format!("{} at {:.0} msg/s", groups[g].name, row.offered),
                    histogram: &o.histogram,
                })
            })
            .collect();
        plot::spectrum(
            path,
            "Switchboard fan-out latency",
            &series,
            Some(args.threshold_ms),
        )?;
        section
            .notes
            .push(format!("latency plot: {}", path.display()));
    }
    Ok(section)
}

fn groups(args: &FanoutArgs) -> Vec<Group> {
    if args.mixed {
        return vec![
            Group {
                name: "big team (1 x 1000)".into(),
                teams: 1,
                subscribers: 1000,
                rate_per_team: 10.0,
                goal_ms: Some(15.0),
            },
            Group {
                name: "small teams (100 x 10)".into(),
                teams: 100,
                subscribers: 10,
                rate_per_team: 1.0,
                goal_ms: Some(5.0),
            },
        ];
    }
    let teams = args.teams as usize;
    vec![Group {
        name: format!("{teams} x {}", args.subscribers),
        teams,
        subscribers: args.subscribers,
        rate_per_team: args.rate / teams as f64,
        goal_ms: None,
    }]
}

/// The rate factor of each step, relative to the groups' base rates.
fn factors(args: &FanoutArgs) -> Vec<f64> {
    if !args.rates.is_empty() && !args.mixed {
        return args.rates.iter().map(|r| r / args.rate).collect();
    }
    if args.step {
        return (0..args.max_steps).map(|i| f64::from(1u32 << i)).collect();
    }
    vec![1.0]
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
