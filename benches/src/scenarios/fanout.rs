//! `fanout`: publish-to-recipient latency and delivered messages per
//! second, T teams of S subscribers, senders open loop.
//!
//! Every contender is brought up first: this build's server, the one
//! `--compare` names, and each `--peers` peer, each with its subscribers
//! joined and its senders connected. Then each step (`--rates` lists them,
//! or `--step` doubles `--rate` up to `--max-steps` times) runs `--repeat`
//! rounds, each round sending at the step's rate for `--duration` seconds
//! to every contender still stepping, one after the other in a fixed order
//! (A, B, C, A, B, C...), and waiting at most `--grace` for the
//! deliveries (see [`super::fanout_steps`]). A step passes when its median
//! p99 is under `--threshold-ms` and no round missed a delivery or lost a
//! client; a contender stops at the first step it fails, and its knee is
//! the highest step it passed.
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
//! A peer (see [`crate::peers`]) is a fresh child process: a team is a
//! room, and the subscribers, senders, rates, stamps and timing point are
//! the same. A peer that saturates (misses deliveries, drops subscribers)
//! or cannot start is reported, never counted as the run failing; so is
//! the compared build.

use super::capped;
use super::fanout_peers::{self, PeerRun};
use super::fanout_report::{self, Runs};
use super::fanout_steps;
use super::fanout_switchboard;
use crate::crowd::Plan;
use crate::peers::{PeerChoice, PeerKind};
use crate::report::Section;
use crate::target::ServerArgs;
use anyhow::Context;
use std::path::PathBuf;
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

/// A server under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Who {
    /// The `switchboard` binary of this build (or `--server-bin`).
    ThisBuild,
    /// The `--compare` binary, by file name.
    Compared(String),
    /// A peer.
    Peer(PeerKind),
}

impl Who {
    /// Its label in the report.
    pub(super) fn name(&self) -> String {
        match self {
            Who::ThisBuild => "this build".into(),
            Who::Compared(file) => format!("compared ({file})"),
            Who::Peer(kind) => kind.name().into(),
        }
    }
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
    /// Rounds of each step (`--repeat`).
    pub(super) repeat: usize,
    pub(super) groups: Vec<Group>,
    /// The rate factor of each step, relative to the groups' base rates.
    pub(super) factors: Vec<f64>,
    /// Team index -> group.
    pub(super) team_group: Vec<usize>,
}

impl Workload<'_> {
    fn new(args: &FanoutArgs, repeat: u32) -> Workload<'_> {
        let groups = groups(args);
        let team_group = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| std::iter::repeat_n(g, group.teams))
            .collect();
        Workload {
            args,
            repeat: repeat.max(1) as usize,
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
    pub(super) fn subscribers(&self) -> usize {
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
    let workload = Workload::new(args, server.repeat);
    let kinds = PeerChoice::expand(&args.peers);
    // A peer sender holds a connection per room of its teams.
    let senders = if kinds.is_empty() {
        args.senders as usize
    } else {
        (args.senders as usize).max(workload.teams())
    };
    // Every contender is up at once: the bench holds all their connections.
    let contenders = 1 + usize::from(server.compare.is_some()) + kinds.len();
    let per_contender = workload.subscribers() + senders;
    let count = (capped(per_contender * contenders, &mut section) / contenders)
        .saturating_sub(senders)
        .max(1);
    let mut up =
        vec![fanout_switchboard::up(server, &workload, count, Who::ThisBuild, &mut section).await?];
    if let Some(compare) = &server.compare {
        let mut other = server.clone();
        other.server_bin = Some(compare.clone());
        let file = compare.file_name().map_or_else(
            || compare.display().to_string(),
            |f| f.to_string_lossy().into(),
        );
        let who = Who::Compared(file);
        let mut described = Section::new(name, String::new());
        let contender = fanout_switchboard::up(&other, &workload, count, who, &mut described)
            .await
            .with_context(|| format!("starting the compared binary {}", compare.display()))?;
        section.title.push_str(&format!(
            " Compared: {}, {}.",
            compare.display(),
            described.title
        ));
        up.push(contender);
    }
    if !kinds.is_empty() {
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        section.title.push_str(&format!(
            " Peers: {} (no auth, no persistence), each a fresh child process.",
            names.join(", ")
        ));
    }
    let mut unstarted = Vec::new();
    for kind in kinds {
        match fanout_peers::up(kind, &workload, count, server.sources).await {
            Ok(contender) => up.push(contender),
            Err(e) => unstarted.push(PeerRun {
                kind,
                outcome: Err(format!("{e:#}")),
            }),
        }
    }
    section.title.push_str(&format!(
        " Every server up at once; each step {} round(s), the servers driven one at a \
         time in turn; medians (min-max) over the rounds.",
        workload.repeat
    ));
    // This build's server is profiled over the steps (while its turns run).
    let pid = up.first().and_then(|c| c.pid());
    let profiler = crate::flame::Profiler::attach(server, pid, "fan-out steps").await?;
    let mut runs = fanout_steps::drive(&workload, up).await?.into_iter();
    let profile = profiler.stop().await?;
    let ours = runs.next().context("this build's run is missing")?;
    let compared = if server.compare.is_some() {
        runs.next()
    } else {
        None
    };
    let mut peers: Vec<PeerRun> = runs
        .filter_map(|run| match run.who {
            Who::Peer(kind) => Some(PeerRun {
                kind,
                outcome: Ok(run),
            }),
            _ => None,
        })
        .collect();
    peers.extend(unstarted);
    let runs = Runs {
        ours: &ours,
        compared: compared.as_ref(),
        peers: &peers,
    };
    fanout_report::describe(&mut section, &workload, &runs);
    profile.describe(&mut section);
    if let Some(path) = &args.svg {
        super::fanout_plot::draw(path, &workload, &runs)?;
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
