//! The report of `fanout --nodes N`: a table per step and deployment
//! (totals, latency, CPU, NATS's messages per event), a table per node,
//! the targets, and the JSON figures.
//!
//! The per-node comparison: at a given rate a node of N serves 1/N of the
//! agents, so its deliveries/s are 1/N of the single node's by
//! construction, whatever its capacity. The target is judged where a
//! node of N carries what the single node did (the rate times N, from
//! `--same-load-per-node`). Deliveries per second of a node's own CPU
//! are shown too, but they rise with load as writes batch: a starved node
//! looks efficient, so they judge nothing.

use super::fanout_cluster_figures::{Deployed, Step};
use crate::report::{self, Latency, Section, Table};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// Of the single node's deliveries/s at the same load per node, what a
/// node of a cluster must keep.
const PER_NODE_GOAL: f64 = 0.8;

/// Fills the section; the first deployment is the single node the others
/// are set against.
pub(super) fn describe(section: &mut Section, deployed: &[Deployed], threshold_ms: f64) {
    let baseline = &deployed[0];
    let mut steps = Table::new(&[
        "deployment",
        "msg/s offered",
        "sent / acked / refused",
        "deliveries/s (all nodes)",
        "per node (mean)",
        "per node vs 1 node at the same rate",
        "per node vs 1 node at the same load per node",
        "p50 (ms)",
        "p99 (ms)",
        "nodes CPU %",
        "NATS CPU %",
        "bench CPU %",
        "per node per CPU-s",
        "per CPU-s vs 1 node",
        "NATS to nodes per event",
        "of which stream / replies / plain",
        "NATS msgs per event (all)",
        "stream msgs per event (dir + team)",
    ]);
    let mut nodes_table = Table::new(&[
        "deployment",
        "msg/s offered",
        "node",
        "agents",
        "delivered / expected",
        "deliveries/s",
        "p50 (ms)",
        "p99 (ms)",
        "CPU %",
    ]);
    for d in deployed {
        for step in &d.steps {
            let latency = step.latency();
            let total = step.per_second();
            let per_node = total / d.nodes as f64;
            let cpu: Option<f64> = step.nodes.iter().map(|n| n.cpu).sum();
            let same_rate = baseline.at(step.offered);
            let percent =
                |ratio: Option<f64>| ratio.map_or("-".into(), |r| format!("{:.0}%", 100.0 * r));
            let cpu_ratio =
                same_rate.and_then(|b| Some(step.per_cpu_second()? / b.per_cpu_second()?));
            let rate_ratio = same_rate
                .map(Step::per_second)
                .filter(|b| *b > 0.0)
                .map(|b| per_node / b);
            steps.row(vec![
                d.name.clone(),
                format!("{:.0}", step.offered),
                format!(
                    "{} / {} / {}",
                    step.events(),
                    step.sent.acked,
                    step.sent.errors
                ),
                format!("{total:.0}"),
                format!("{per_node:.0}"),
                percent(rate_ratio),
                percent(d.same_load_ratio(step, baseline)),
                report::ms(latency.p50_ms),
                report::ms(latency.p99_ms),
                report::opt(cpu, 0),
                report::opt(step.nats_cpu, 0),
                report::opt(step.bench_cpu, 0),
                report::opt(step.per_cpu_second(), 0),
                percent(cpu_ratio),
                report::opt(step.per_event(step.broker_to_nodes), 2),
                step.kinds.as_ref().map_or("-".into(), |b| {
                    let each: Vec<String> = b
                        .kinds
                        .iter()
                        .map(|k| report::opt(step.per_event(Some(*k)), 2))
                        .collect();
                    each.join(" / ")
                }),
                report::opt(step.per_event(step.broker_total), 1),
                step.stored.map_or("-".into(), |[dir, team]| {
                    let events = step.events().max(1) as f64;
                    format!("{:.2} + {:.2}", dir as f64 / events, team as f64 / events)
                }),
            ]);
            for (n, node) in step.nodes.iter().enumerate() {
                nodes_table.row(vec![
                    d.name.clone(),
                    format!("{:.0}", step.offered),
                    n.to_string(),
                    node.subscribers.to_string(),
                    format!("{} / {}", node.delivered, node.expected),
                    format!("{:.0}", node.per_second),
                    report::ms(node.latency.p50_ms),
                    report::ms(node.latency.p99_ms),
                    report::opt(node.cpu, 0),
                ]);
            }
        }
    }
    section.tables.push(steps);
    section.tables.push(nodes_table);
    section.notes.push(
        "per node per CPU-s: a node's deliveries/s divided by the cores it kept busy, \
         averaged over the nodes; at one rate a node of N serves 1/N of the agents, so its \
         raw deliveries/s are 1/N of the single node's by construction"
            .into(),
    );
    section.notes.push(
        "NATS to nodes per event: messages NATS delivered to the nodes' connections \
         (/connz out_msgs of each switchboard-<id> connection, every server, before and after \
         the step) per message sent; the stream part is each node's applier consuming each \
         event once (N); replies (the writer's publish acknowledgements, answers to its \
         requests), plain subjects (the hubs' signals to one another, a write forwarded to \
         the writer) and lease renewals add to it. NATS msgs per event (all): /varz in_msgs + \
         out_msgs over the 3 servers, replication and routes included. Stream msgs per event: \
         what the stream gained on sb.dir and on the team's subject (its subject counts) per \
         message sent"
            .into(),
    );
    judge(section, deployed, threshold_ms);
    section.data = json!({
        "threshold_ms": threshold_ms,
        "deployments": deployed.iter().map(deployment_json).collect::<Vec<Value>>(),
    });
}

/// Failures (missing, doubled, disordered, dropped) and targets.
fn judge(section: &mut Section, deployed: &[Deployed], threshold_ms: f64) {
    for d in deployed {
        let missing: u64 = d.steps.iter().map(Step::missing).sum();
        if missing > 0 {
            section
                .failures
                .push(format!("{}: {missing} deliveries missing", d.name));
        }
        for step in &d.steps {
            if step.sent.errors > 0 {
                section.failures.push(format!(
                    "{} at {:.0} msg/s: {} sends refused, e.g. {}",
                    d.name,
                    step.offered,
                    step.sent.errors,
                    step.sent.error_samples.join("; ")
                ));
            }
            for s in &step.sent.dropped {
                section
                    .failures
                    .push(format!("{}: sender dropped: {s}", d.name));
            }
            if step.sent.duplicates > 0 {
                section.failures.push(format!(
                    "{}: {} sends acknowledged as duplicates",
                    d.name, step.sent.duplicates
                ));
            }
        }
        let out_of_order = d.board.out_of_order.load(Ordering::Relaxed);
        if out_of_order > 0 {
            section
                .failures
                .push(format!("{}: {out_of_order} events out of order", d.name));
        }
        let dropped = d.board.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            let samples = d
                .board
                .drop_samples
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            section.failures.push(format!(
                "{}: {dropped} agents disconnected: {}",
                d.name,
                samples.join("; ")
            ));
        }
    }
    let (Some(baseline), Some(cluster)) = (deployed.first(), deployed.last()) else {
        return;
    };
    if cluster.nodes < 2 {
        return;
    }
    // Judged only where each node carries the single node's load: at one
    // rate a node of N serves 1/N of the agents, and deliveries per
    // CPU-second rise with load as writes batch, so neither tells.
    let same_load: Vec<(f64, f64, bool)> = cluster
        .steps
        .iter()
        .filter_map(|s| {
            let ratio = cluster.same_load_ratio(s, baseline)?;
            Some((s.offered, ratio, s.whole()))
        })
        .collect();
    if same_load.is_empty() {
        section.notes.push(format!(
            "the per-node target (>= {:.0}% of the single node's deliveries/s) is judged at the \
             same load per node: run with --same-load-per-node",
            100.0 * PER_NODE_GOAL
        ));
    } else {
        let observed: Vec<String> = same_load
            .iter()
            .map(|(rate, r, whole)| {
                let missing = if *whole {
                    ""
                } else {
                    ", some refused or missing"
                };
                format!("{:.0}% at {rate:.0} msg/s{missing}", 100.0 * r)
            })
            .collect();
        section.target(
            &format!(
                "a node of {} delivers >= {:.0}% of the single node's deliveries/s at the same \
                 load per node, none refused or missing",
                cluster.nodes,
                100.0 * PER_NODE_GOAL
            ),
            observed.join(", "),
            same_load
                .iter()
                .all(|(_, r, whole)| *r >= PER_NODE_GOAL && *whole),
        );
    }
    for d in &deployed[1..] {
        for s in &d.steps {
            let Some((breakdown, total)) = s.kinds.as_ref().zip(s.broker_to_nodes) else {
                continue;
            };
            let plain: Vec<String> = breakdown
                .plain
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(family, n)| format!("{family} {}", report::opt(s.per_event(Some(*n)), 2)))
                .collect();
            section.notes.push(format!(
                "{} at {:.0} msg/s: NATS delivered {} messages per event to the nodes \
                 (one stream delivery per node would be {}); plain subjects per event: {}",
                d.name,
                s.offered,
                report::opt(s.per_event(Some(total)), 2),
                d.nodes,
                if plain.is_empty() {
                    "none".into()
                } else {
                    plain.join(", ")
                }
            ));
        }
    }
    let p99: Vec<String> = cluster
        .steps
        .iter()
        .map(|s| report::ms(s.latency().p99_ms))
        .collect();
    let passed = cluster
        .steps
        .iter()
        .all(|s| s.latency().p99_ms <= threshold_ms && s.whole());
    section.target(
        &format!(
            "{}: p99 under {threshold_ms} ms, none refused or missing",
            cluster.name
        ),
        format!("p99 {} ms", p99.join(", ")),
        passed,
    );
}

fn deployment_json(d: &Deployed) -> Value {
    json!({
        "name": d.name,
        "nodes": d.nodes,
        "steps": d.steps.iter().map(|s| json!({
            "offered_per_second": s.offered,
            "sent": s.events(),
            "acked": s.sent.acked,
            "refused": s.sent.errors,
            "refused_samples": s.sent.error_samples,
            "ack_latency": Latency::of(&s.sent.ack),
            "latency": s.latency(),
            "nats_to_nodes": s.broker_to_nodes,
            "nats_to_nodes_per_event": s.per_event(s.broker_to_nodes),
            "nats_msgs_total": s.broker_total,
            "nats_cpu_percent": s.nats_cpu,
            "bench_cpu_percent": s.bench_cpu,
            "stream_directory_ops": s.stored.map(|[dir, _]| dir),
            "stream_team_batches": s.stored.map(|[_, team]| team),
            "nats_to_nodes_by_kind": s.kinds.as_ref().map(|b| b.kinds).map(|k| json!({
                "stream": k[0], "replies": k[1], "plain": k[2],
            })),
            "nats_to_nodes_plain_subjects": s.kinds.as_ref().map(|b| b.plain.clone()),
            "per_node_deliveries_per_cpu_second": s.per_cpu_second(),
            "nodes": s.nodes.iter().map(|n| json!({
                "agents": n.subscribers,
                "expected": n.expected,
                "delivered": n.delivered,
                "deliveries_per_second": n.per_second,
                "latency": n.latency,
                "cpu_percent": n.cpu,
            })).collect::<Vec<Value>>(),
        })).collect::<Vec<Value>>(),
    })
}
