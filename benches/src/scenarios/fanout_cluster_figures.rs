//! What `fanout --nodes N` measured: per node and step, per step of a
//! deployment, per deployment; and the figures derived from them
//! (deliveries/s over the nodes, NATS's messages per event, a node's
//! deliveries per CPU-second, the ratio to the single node at the same
//! load per node).

use super::subscriber::Board;
use crate::nats::Breakdown;
use crate::report::{self, Latency};
use crate::sender::PhaseOutcome;
use std::sync::Arc;

/// One node in one step.
pub(super) struct NodeStep {
    pub(super) subscribers: u64,
    pub(super) expected: u64,
    pub(super) delivered: u64,
    pub(super) per_second: f64,
    pub(super) latency: Latency,
    pub(super) histogram: hdrhistogram::Histogram<u64>,
    /// The node's CPU over the step, in percent of one core.
    pub(super) cpu: Option<f64>,
}

impl NodeStep {
    /// Deliveries per second of the node's own CPU time.
    pub(super) fn per_cpu_second(&self) -> Option<f64> {
        let cpu = self.cpu?;
        (cpu > 0.0).then(|| self.per_second / (cpu / 100.0))
    }
}

/// One step of one deployment.
pub(super) struct Step {
    pub(super) offered: f64,
    pub(super) sent: PhaseOutcome,
    pub(super) nodes: Vec<NodeStep>,
    /// Messages NATS delivered to the nodes' connections (none without NATS).
    pub(super) broker_to_nodes: Option<u64>,
    /// Messages in plus out over all NATS servers.
    pub(super) broker_total: Option<u64>,
    /// Messages the stream gained: on `sb.dir`, on the team's subject.
    pub(super) stored: Option<[u64; 2]>,
    /// `broker_to_nodes` by kind (stream deliveries, replies, plain subjects).
    pub(super) kinds: Option<Breakdown>,
    /// The NATS servers' CPU, summed, in percent of one core.
    pub(super) nats_cpu: Option<f64>,
    /// The bench's own CPU, in percent of one core.
    pub(super) bench_cpu: Option<f64>,
}

impl Step {
    pub(super) fn events(&self) -> u64 {
        self.sent.sent.iter().sum()
    }

    pub(super) fn per_event(&self, count: Option<u64>) -> Option<f64> {
        let events = self.events();
        Some(count? as f64 / events.max(1) as f64)
    }

    pub(super) fn latency(&self) -> Latency {
        let mut all = report::histogram();
        for node in &self.nodes {
            report::merge(&mut all, &node.histogram);
        }
        Latency::of(&all)
    }

    /// The mean over the nodes of their deliveries per CPU-second.
    pub(super) fn per_cpu_second(&self) -> Option<f64> {
        let each: Option<Vec<f64>> = self.nodes.iter().map(NodeStep::per_cpu_second).collect();
        let each = each?;
        Some(each.iter().sum::<f64>() / each.len().max(1) as f64)
    }

    /// Deliveries per second, over the nodes.
    pub(super) fn per_second(&self) -> f64 {
        self.nodes.iter().map(|n| n.per_second).sum()
    }

    /// Whether every send was taken and every delivery of it arrived.
    pub(super) fn whole(&self) -> bool {
        self.sent.errors == 0 && self.missing() == 0
    }

    pub(super) fn missing(&self) -> u64 {
        self.nodes
            .iter()
            .map(|n| n.expected.saturating_sub(n.delivered))
            .sum()
    }
}

/// What one deployment did over the steps.
pub(super) struct Deployed {
    pub(super) name: String,
    pub(super) nodes: usize,
    pub(super) steps: Vec<Step>,
    pub(super) board: Arc<Board>,
}

impl Deployed {
    /// The step at `offered` msg/s, if one ran.
    pub(super) fn at(&self, offered: f64) -> Option<&Step> {
        self.steps
            .iter()
            .find(|s| (s.offered - offered).abs() < 1e-6 * offered.max(1.0))
    }

    /// The mean deliveries/s of a node at `step`, against the single
    /// node's at the rate where it delivered as much per node (the same
    /// rate divided by the node count).
    pub(super) fn same_load_ratio(&self, step: &Step, baseline: &Deployed) -> Option<f64> {
        let single = baseline.at(step.offered / self.nodes as f64)?.per_second();
        (single > 0.0).then(|| step.per_second() / self.nodes as f64 / single)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::Clock;

    fn step(offered: f64, per_node: &[f64]) -> Step {
        let histogram = report::histogram();
        Step {
            offered,
            sent: PhaseOutcome {
                sent: vec![10],
                acked: 10,
                duplicates: 0,
                errors: 0,
                error_samples: Vec::new(),
                ack: report::histogram(),
                lag: report::histogram(),
                acked_offsets: Vec::new(),
                dropped: Vec::new(),
            },
            nodes: per_node
                .iter()
                .map(|&per_second| NodeStep {
                    subscribers: 1,
                    expected: 10,
                    delivered: 10,
                    per_second,
                    latency: Latency::of(&histogram),
                    histogram: histogram.clone(),
                    cpu: Some(50.0),
                })
                .collect(),
            broker_to_nodes: Some(30),
            broker_total: None,
            stored: None,
            kinds: None,
            nats_cpu: None,
            bench_cpu: None,
        }
    }

    fn deployed(nodes: usize, steps: Vec<Step>) -> Deployed {
        Deployed {
            name: format!("{nodes} nodes"),
            nodes,
            steps,
            board: Arc::new(Board::new(Arc::new(Clock::new()), 1, nodes)),
        }
    }

    #[test]
    fn a_node_of_n_is_set_against_the_single_node_at_the_rate_divided_by_n() {
        let single = deployed(1, vec![step(100.0, &[100_000.0])]);
        let three = deployed(
            3,
            vec![
                step(100.0, &[33_000.0; 3]),
                step(300.0, &[90_000.0, 90_000.0, 90_000.0]),
            ],
        );
        // At the same rate there is nothing to set it against.
        assert_eq!(three.same_load_ratio(&three.steps[0], &single), None);
        let ratio = three.same_load_ratio(&three.steps[1], &single);
        assert!((ratio.expect("a ratio at 300 msg/s") - 0.9).abs() < 1e-9);
        assert_eq!(
            three.steps[1].per_event(three.steps[1].broker_to_nodes),
            Some(3.0)
        );
        assert_eq!(three.steps[1].per_cpu_second(), Some(180_000.0));
    }
}
