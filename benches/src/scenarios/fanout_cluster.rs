//! `fanout --nodes N`: one team's fan-out on a cluster of N nodes beside
//! the same on one node, in one run.
//!
//! Three deployments run the same steps one after the other, each fresh:
//! the embedded single node (sled, the default), one node on a 3-server
//! NATS JetStream cluster (replicas 3), and N nodes on such a cluster. The
//! team (`--subscribers` agents, 1,000 by default) is seeded, its agents
//! connect split evenly over the deployment's nodes (agent `i` to node
//! `i mod N`), and ONE sender, connected to the first node, sends each
//! `--rates` step for `--duration` seconds (a write reaching a node that
//! is not the team's writer is forwarded to the writer).
//!
//! Measured per step and node: deliveries/s and p50/p99 latency (send to
//! decoded, as `fanout`), the node's CPU; per step: the messages NATS
//! delivered to the nodes' connections per event sent (`/connz` out_msgs
//! of the `switchboard-<id>` connections, read on every server before and
//! after the step), which is about the node count when each node consumes
//! each event once, and every message the servers passed, replication
//! and routes included (`/varz` in_msgs + out_msgs), per event; and the
//! messages the stream gained on `sb.dir` and on the team's subject (its
//! subject counts), per event.
//!
//! With `--same-load-per-node` the N nodes also run each rate times N:
//! each node then delivers what the single node did at the rate, which is
//! how the per-node figures compare (at one rate, a node of N serves 1/N
//! of the agents).
//!
//! A node's expected deliveries are the messages acknowledged times its
//! agents; a send the cluster refused (its writer changing, say) is
//! reported as refused.
//!
//! Every step runs (none stops the others), each bounded by `--duration`
//! and `--grace`; every join has its timeout.

use super::fanout::FanoutArgs;
use super::fanout_cluster_figures::{Deployed, NodeStep, Step};
use super::fanout_cluster_report;
use super::subscriber::{self, Board, Inbound};
use super::{capped, cpu};
use crate::cluster::{self, SwitchboardCluster};
use crate::crowd::{self, Plan};
use crate::nats::{Breakdown, Counters, NatsCluster};
use crate::proc_stats::{self, ProcSample};
use crate::report::{self, Latency, Section};
use crate::seed::{Layout, SeedPlan};
use crate::sender::{Crew, Fleet, Phase, Stream};
use crate::server_proc;
use crate::target::{ServerArgs, Target};
use crate::traffic::Clock;
use crate::wire::{Endpoint, Sources};
use anyhow::bail;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Between the sender being told and the first message being due.
const WARMUP: Duration = Duration::from_millis(300);
/// After the agents have joined, before the first step: their presence
/// news settles.
const SETTLE: Duration = Duration::from_secs(2);
/// How long one agent may take to join.
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);
/// The most agents seeded as distinct users (more connections share them).
const MAX_AGENTS: usize = 1000;

/// Where a deployment's agents connect, and what NATS it has.
struct Deployment<'a> {
    name: String,
    /// Each node's endpoint and process id.
    nodes: Vec<(Endpoint, Option<u32>)>,
    layout: &'a Layout,
    nats: Option<&'a NatsCluster>,
}

/// Runs `fanout --nodes N`.
pub(crate) async fn run(
    server: &ServerArgs,
    args: &FanoutArgs,
    nodes: usize,
) -> anyhow::Result<Section> {
    if server.url.is_some() {
        bail!("fanout --nodes starts its own servers: it cannot drive --url");
    }
    if args.teams != 1 || args.mixed || args.step {
        bail!("fanout --nodes runs one team at --rates (or --rate); drop --teams, --mixed, --step");
    }
    let mut section = Section::new("fanout-cluster", String::new());
    let subscribers = capped(args.subscribers + 1, &mut section) - 1;
    let rates = if args.rates.is_empty() {
        vec![args.rate]
    } else {
        args.rates.clone()
    };
    let plan = SeedPlan {
        teams: 1,
        users_per_team: subscribers.clamp(1, MAX_AGENTS),
        senders: 1,
        conversations_per_team: 1,
        history: 0,
        archive: 0,
    };
    let bin = server_proc::locate(server.server_bin.clone())?;
    let mut deployed = Vec::new();
    {
        let target = Target::prepare(server, &plan).await?;
        let deployment = Deployment {
            name: "1 node, embedded sled".into(),
            nodes: vec![(target.endpoint.clone(), target.pid)],
            layout: &target.layout,
            nats: None,
        };
        deployed.push(measure(&deployment, args, &rates, subscribers, server.sources).await?);
    }
    let sizes = if nodes == 1 { vec![1] } else { vec![1, nodes] };
    for n in sizes {
        let mut rates = rates.clone();
        if args.same_load_per_node && n > 1 {
            rates.extend(scaled(&rates, n));
        }
        let cluster = SwitchboardCluster::start(&bin, n, &plan).await?;
        let deployment = Deployment {
            name: format!("{n} node{} on NATS (R3)", if n == 1 { "" } else { "s" }),
            nodes: cluster
                .nodes
                .iter()
                .map(|node| (node.endpoint.clone(), Some(node.pid)))
                .collect(),
            layout: &cluster.layout,
            nats: Some(&cluster.nats),
        };
        deployed.push(measure(&deployment, args, &rates, subscribers, server.sources).await?);
    }
    section.title = format!(
        "fan-out on a cluster: one team of {subscribers} agents ({} seeded users), split \
         evenly over the nodes; one sender on the first node; {}-byte bodies, {} s per step; \
         each deployment fresh, NATS a 3-server JetStream cluster with replicas 3 and a \
         {} s lease.",
        plan.users_per_team,
        args.body_bytes,
        args.duration,
        cluster::LEASE_TTL.as_secs()
    );
    fanout_cluster_report::describe(&mut section, &deployed, args.threshold_ms);
    Ok(section)
}

/// Each rate times `n`: the rates at which each of `n` nodes delivers as
/// much as a single node at the rate.
fn scaled(rates: &[f64], n: usize) -> Vec<f64> {
    rates.iter().map(|r| r * n as f64).collect()
}

/// Joins the agents to `deployment` and runs every rate against it.
async fn measure(
    deployment: &Deployment<'_>,
    args: &FanoutArgs,
    rates: &[f64],
    subscribers: usize,
    sources: u8,
) -> anyhow::Result<Deployed> {
    let nodes = deployment.nodes.len();
    let first = &deployment.nodes[0].0;
    let sources = Arc::new(Sources::new(sources, first.addr));
    let layout = deployment.layout;
    let team_id = layout.teams[0].id;
    let plan = Plan {
        teams: vec![0; subscribers],
        concurrency: args.concurrency,
        timeout: JOIN_TIMEOUT,
        label: "joining",
    };
    let joining = crowd::gather(plan, |index, _team| {
        let token = layout.member_token(0, index).to_string();
        let endpoint = deployment.nodes[index % nodes].0.clone();
        let source = sources.pick();
        async move {
            let (socket, _) = crowd::connect(&endpoint, &token, team_id, source).await?;
            Ok((index, socket))
        }
    })
    .await;
    if joining.failures > 0 {
        bail!(
            "{}: {} agents could not join: {}",
            deployment.name,
            joining.failures,
            joining.failure_samples.join("; ")
        );
    }
    crate::progress::wait(SETTLE, "settling").await;
    let clock = Arc::new(Clock::new());
    let board = Arc::new(Board::new(Arc::clone(&clock), rates.len(), nodes));
    let (stop, stop_rx) = watch::channel(false);
    let mut per_node = vec![0u64; nodes];
    let tasks: Vec<_> = joining
        .members
        .into_iter()
        .map(|(index, socket)| {
            per_node[index % nodes] += 1;
            tokio::spawn(subscriber::run(
                index,
                index % nodes,
                Inbound::Switchboard(socket),
                Arc::clone(&board),
                stop_rx.clone(),
            ))
        })
        .collect();
    let crew = Crew::Switchboard {
        endpoint: first.clone(),
        tokens: layout.sender_tokens.iter().take(1).cloned().collect(),
        conversations: layout.first_conversations(),
    };
    let fleet = Fleet::connect(crew, Arc::clone(&sources), Arc::clone(&clock)).await?;
    let mut steps = Vec::new();
    for (step, &rate) in rates.iter().enumerate() {
        let phase = Phase {
            step: step as u32,
            start: Instant::now() + WARMUP,
            duration: Duration::from_secs(args.duration),
            grace: Duration::from_secs(args.grace),
            streams: vec![Stream { team: 0, rate }],
            body_bytes: args.body_bytes as usize,
        };
        let start = phase.start;
        let before = Readings::take(deployment).await?;
        let bar = crate::progress::timed(
            phase.duration + WARMUP,
            &format!("{} nodes {rate:.0}/s", nodes),
        );
        let (_keep, never) = watch::channel(false);
        let sent = fleet.run(phase, never).await?;
        bar.finish_and_clear();
        // What the writer took: a refused send ("the team's writer changed;
        // retry") is reported as refused, not as deliveries missing.
        let count = sent.acked;
        let expected: Vec<u64> = per_node.iter().map(|n| count * n).collect();
        wait_for(&board, step, &expected, Duration::from_secs(args.grace)).await;
        let after = Readings::take(deployment).await?;
        let node_steps = (0..nodes)
            .map(|n| {
                let tally = board.tally(step, n);
                let histogram = tally.histogram();
                let last = tally.last.load(Ordering::Relaxed);
                let span = Duration::from_nanos(last.saturating_sub(clock.nanos(start)));
                let delivered = tally.delivered.load(Ordering::Relaxed);
                NodeStep {
                    subscribers: per_node[n],
                    expected: expected[n],
                    delivered,
                    per_second: report::per_second(delivered, span),
                    latency: Latency::of(&histogram),
                    histogram,
                    cpu: cpu(before.nodes[n], after.nodes[n]),
                }
            })
            .collect();
        let broker = match (&before.broker, &after.broker) {
            (Some(b), Some(a)) => Some(Broker {
                to_nodes: b.delivered_since(a, cluster::is_node_connection),
                kinds: b.kinds_since(a, cluster::is_node_connection),
                total: (a.in_msgs + a.out_msgs).saturating_sub(b.in_msgs + b.out_msgs),
                stored: [
                    a.directory_ops.saturating_sub(b.directory_ops),
                    a.team_batches.saturating_sub(b.team_batches),
                ],
            }),
            _ => None,
        };
        let nats_cpu = before
            .nats
            .iter()
            .zip(&after.nats)
            .map(|(b, a)| cpu(*b, *a))
            .sum::<Option<f64>>();
        steps.push(Step {
            offered: rate,
            sent,
            nodes: node_steps,
            broker_to_nodes: broker.as_ref().map(|b| b.to_nodes),
            broker_total: broker.as_ref().map(|b| b.total),
            stored: broker.as_ref().map(|b| b.stored),
            kinds: broker.map(|b| b.kinds),
            nats_cpu,
            bench_cpu: cpu(before.bench, after.bench),
        });
    }
    let _ = stop.send(true);
    fleet.close().await;
    for task in tasks {
        // Subscribers end on `stop`; one that panicked has nothing to add.
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    Ok(Deployed {
        name: deployment.name.clone(),
        nodes,
        steps,
        board,
    })
}

/// NATS's counts over one step.
struct Broker {
    to_nodes: u64,
    total: u64,
    /// Messages added to the stream: on `sb.dir`, on the team's subject.
    stored: [u64; 2],
    /// `to_nodes` by kind of subscription.
    kinds: Breakdown,
}

/// What is read before and after a step.
struct Readings {
    bench: Option<ProcSample>,
    nodes: Vec<Option<ProcSample>>,
    nats: Vec<Option<ProcSample>>,
    broker: Option<Counters>,
}

impl Readings {
    async fn take(deployment: &Deployment<'_>) -> anyhow::Result<Readings> {
        let broker = match deployment.nats {
            Some(nats) => Some(nats.counters(cluster::STREAM).await?),
            None => None,
        };
        let nats = deployment.nats.map_or(Vec::new(), |n| n.pids());
        Ok(Readings {
            bench: proc_stats::sample_self(),
            nodes: deployment
                .nodes
                .iter()
                .map(|(_, pid)| pid.and_then(proc_stats::sample))
                .collect(),
            nats: nats.into_iter().map(proc_stats::sample).collect(),
            broker,
        })
    }
}

/// Waits until every node's agents have their deliveries, or `grace` passes.
async fn wait_for(board: &Board, step: usize, expected: &[u64], grace: Duration) {
    let end = Instant::now() + grace;
    while Instant::now() < end {
        let complete = expected
            .iter()
            .enumerate()
            .all(|(n, &e)| board.tally(step, n).delivered.load(Ordering::Relaxed) >= e);
        if complete {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
