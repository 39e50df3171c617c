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
//!
//! `--nodes N` runs one team on a cluster of N nodes instead, beside a
//! single node (see [`super::fanout_cluster`]).
//!
//! `--peers naive,batched,socketio` (or `all`) then runs the same steps
//! against each peer (see [`crate::peers`]), one after the other, each on
//! a fresh child process once Switchboard's server has stopped: a team is
//! a room, and the subscribers, senders, rates, stamps and timing point
//! are the same. The report compares them step by step and at each one's
//! knee. A peer that saturates (misses deliveries, drops subscribers) or
//! cannot start is reported, never counted as the run failing.

use super::capped;
use super::fanout_peers::{self, PeerRun};
use super::fanout_report;
use super::fanout_steps::{self, Reader, TargetRun};
use super::subscriber::Inbound;
use crate::crowd::{self, Plan};
use crate::peers::PeerChoice;
use crate::plot;
use crate::report::Section;
use crate::seed::SeedPlan;
use crate::sender::{Crew, Fleet};
use crate::target::{ServerArgs, Target};
use crate::traffic::Clock;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long one subscriber may take to join.
const JOIN_TIMEOUT: Duration = Duration::from_secs(20);

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
    /// Then run the same steps against these peers: naive, batched,
    /// socketio, all or none (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "none")]
    pub(crate) peers: Vec<PeerChoice>,
    /// The `switchboard-peer` binary [default: next to this executable].
    #[arg(long)]
    pub(crate) peer_bin: Option<PathBuf>,
    /// Run one team on N nodes over a 3-server NATS JetStream cluster
    /// (`nats-server` on PATH), beside one node on such a cluster and the
    /// embedded single node, each deployment fresh.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub(crate) nodes: Option<u32>,
    /// With --nodes N: the N nodes also run each rate times N, where each
    /// node delivers as much as the single node did at the rate.
    #[arg(long, requires = "nodes")]
    pub(crate) same_load_per_node: bool,
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

/// What every server under test gets: the groups, the steps, and which
/// group each team is in.
pub(super) struct Workload<'a> {
    pub(super) args: &'a FanoutArgs,
    pub(super) groups: Vec<Group>,
    /// The rate factor of each step, relative to the groups' base rates.
    pub(super) factors: Vec<f64>,
    /// Team index -> group.
    pub(super) team_group: Vec<usize>,
}

impl Workload<'_> {
    fn new(args: &FanoutArgs) -> Workload<'_> {
        let groups = groups(args);
        let team_group = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| std::iter::repeat_n(g, group.teams))
            .collect();
        Workload {
            args,
            factors: factors(args),
            groups,
            team_group,
        }
    }

    /// Teams, over all groups.
    pub(super) fn teams(&self) -> usize {
        self.team_group.len()
    }

    /// Subscribers wanted, over all groups.
    fn subscribers(&self) -> usize {
        self.groups.iter().map(|g| g.teams * g.subscribers).sum()
    }

    /// Whether the steps search for a knee (and stop at the first failure).
    pub(super) fn stepping(&self) -> bool {
        self.factors.len() > 1
    }

    /// Messages per second offered at step `step`, over all teams.
    pub(super) fn offered(&self, step: usize) -> f64 {
        let base: f64 = self
            .groups
            .iter()
            .map(|g| g.rate_per_team * g.teams as f64)
            .sum();
        base * self.factors[step]
    }

    /// Who joins where: the first `count` subscribers, each group's spread
    /// round robin over its teams, in team order.
    pub(super) fn plan(&self, count: usize, label: &'static str) -> Plan {
        let mut teams = Vec::with_capacity(self.subscribers());
        let mut first_team = 0;
        for group in &self.groups {
            for n in 0..group.teams * group.subscribers {
                teams.push(first_team + n % group.teams);
            }
            first_team += group.teams;
        }
        teams.truncate(count);
        Plan {
            teams,
            concurrency: self.args.concurrency,
            timeout: JOIN_TIMEOUT,
            label,
        }
    }
}

/// Runs `fanout`.
pub(crate) async fn run(server: &ServerArgs, args: &FanoutArgs) -> anyhow::Result<Section> {
    if let Some(nodes) = args.nodes {
        if !PeerChoice::expand(&args.peers).is_empty() {
            anyhow::bail!("fanout --nodes runs no peers: drop --peers");
        }
        return super::fanout_cluster::run(server, args, nodes as usize).await;
    }
    let name = if args.mixed { "mixed" } else { "fanout" };
    let mut section = Section::new(name, String::new());
    let workload = Workload::new(args);
    let kinds = PeerChoice::expand(&args.peers);
    // A peer sender holds a connection per room of its teams.
    let senders = if kinds.is_empty() {
        args.senders as usize
    } else {
        (args.senders as usize).max(workload.teams())
    };
    let count = capped(workload.subscribers() + senders, &mut section) - senders;
    let switchboard = run_switchboard(server, &workload, count, &mut section).await?;
    if !kinds.is_empty() {
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        section.title.push_str(&format!(
            " Then the same steps against the peers {} (no auth, no persistence), \
             each a fresh child process.",
            names.join(", ")
        ));
    }
    let mut peers = Vec::new();
    for kind in kinds {
        let outcome = fanout_peers::run(kind, &workload, count, server.sources)
            .await
            .map_err(|e| format!("{e:#}"));
        peers.push(PeerRun { kind, outcome });
    }
    fanout_report::describe(&mut section, &workload, &switchboard, &peers);
    if let Some(path) = &args.svg {
        draw(path, &workload, &switchboard, &peers)?;
        section
            .notes
            .push(format!("latency plot: {}", path.display()));
    }
    Ok(section)
}

/// The steps against Switchboard; its server is stopped on return, before
/// any peer starts.
async fn run_switchboard(
    server: &ServerArgs,
    workload: &Workload<'_>,
    count: usize,
    section: &mut Section,
) -> anyhow::Result<TargetRun> {
    let args = workload.args;
    let groups = &workload.groups;
    let plan = SeedPlan {
        teams: workload.teams(),
        users_per_team: groups
            .iter()
            .map(|g| g.subscribers)
            .max()
            .unwrap_or(1)
            .min(200),
        senders: args.senders as usize,
        conversations_per_team: 1,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(server, &plan).await?;
    let shape: Vec<String> = groups
        .iter()
        .map(|g| format!("{} x {} subscribers", g.teams, g.subscribers))
        .collect();
    section.title = format!(
        "fan-out, {} ({} subscribers), {} senders, {}-byte bodies, {} s per step; {}.",
        shape.join(" + "),
        workload.subscribers(),
        args.senders,
        args.body_bytes,
        args.duration,
        target.describe()
    );
    if target.layout.teams.len() < workload.teams() {
        anyhow::bail!("--url gives one team; run fanout with --teams 1 against it");
    }
    let joining = crowd::join(&target, workload.plan(count, "subscribing")).await;
    if joining.failures > 0 {
        anyhow::bail!(
            "{} subscribers could not join: {}",
            joining.failures,
            joining.failure_samples.join("; ")
        );
    }
    let readers = joining
        .members
        .into_iter()
        .map(|m| Reader {
            index: m.index,
            team: m.team,
            inbound: Inbound::Switchboard(m.socket),
        })
        .collect();
    let clock = Arc::new(Clock::new());
    let crew = Crew::Switchboard {
        endpoint: target.endpoint.clone(),
        tokens: target.layout.sender_tokens.clone(),
        conversations: target.layout.first_conversations(),
    };
    let fleet = Fleet::connect(crew, Arc::clone(&target.sources), Arc::clone(&clock)).await?;
    let profiler = crate::flame::Profiler::attach(server, target.pid, "fan-out steps").await?;
    let run =
        fanout_steps::drive("switchboard", workload, clock, readers, fleet, target.pid).await?;
    profiler.stop().await?.describe(section);
    Ok(run)
}

/// Draws every step of every server, one line per step and group.
fn draw(
    path: &std::path::Path,
    workload: &Workload<'_>,
    switchboard: &TargetRun,
    peers: &[PeerRun],
) -> anyhow::Result<()> {
    let runs = std::iter::once(("switchboard", switchboard)).chain(
        peers
            .iter()
            .filter_map(|p| Some((p.kind.name(), p.outcome.as_ref().ok()?))),
    );
    let several = !peers.is_empty();
    let series: Vec<plot::Series<'_>> = runs
        .flat_map(|(name, run)| {
            run.rows.iter().flat_map(move |row| {
                row.outcomes.iter().enumerate().map(move |(g, o)| {
                    let group = &workload.groups[g].name;
                    let label = if several {
                        format!("{name}, {group} at {:.0} msg/s", row.offered)
                    } else {
                        format!("{group} at {:.0} msg/s", row.offered)
                    };
                    plot::Series {
                        label,
                        histogram: &o.histogram,
                    }
                })
            })
        })
        .collect();
    let title = if several {
        "Fan-out latency: Switchboard and peers"
    } else {
        "Switchboard fan-out latency"
    };
    plot::spectrum(path, title, &series, Some(workload.args.threshold_ms))
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
