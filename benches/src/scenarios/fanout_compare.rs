//! Switchboard against the peers, side by side: per step, each server's
//! deliveries per second, p50, p99, missing deliveries, CPU, memory and
//! verdict, with the ratio Switchboard/peer of deliveries per second; then,
//! when the steps search for a knee, the ratio at each one's knee, which
//! the targets are stated on.
//!
//! A knee ratio is only as exact as the steps allow. A server that passed
//! every step has its knee at the top of the steps (its capacity is at
//! least that); a peer that passed no step is below its first step (its
//! capacity is under that step's offered deliveries, which then stand in
//! for its knee). So a ratio is exact, a lower bound, an upper bound, or,
//! when both ends are open, inconclusive, and a target only counts as met
//! when the bound proves it.

use super::fanout::Workload;
use super::fanout_peers::PeerRun;
use super::fanout_steps::TargetRun;
use crate::peers::PeerKind;
use crate::report::{self, Section, Table};
use serde::Serialize;
use serde_json::{json, Value};

/// The Switchboard/peer ratio of knee deliveries per second the issue
/// asks for (on a 2-core machine).
fn goal(kind: PeerKind) -> f64 {
    match kind {
        PeerKind::Naive => 3.0,
        PeerKind::Batched => 0.6,
        PeerKind::SocketIo => 5.0,
    }
}

/// Where a server's knee lies, as far as the steps tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Edge {
    /// It passed a step and failed the next.
    Found,
    /// It passed every step: its capacity is at least the knee's.
    AtTop,
    /// It passed no step: its capacity is below the first step's offer.
    BelowFirst,
}

/// A server's knee: deliveries per second there (for [`Edge::BelowFirst`],
/// those the first step offered) and the rate offered.
#[derive(Debug, Clone, Copy)]
struct Knee {
    offered_per_second: f64,
    deliveries_per_second: f64,
    edge: Edge,
}

impl Knee {
    fn of(run: &TargetRun, workload: &Workload<'_>) -> Option<Knee> {
        match run.knee {
            Some(k) => {
                let row = &run.rows[k];
                let edge = if k + 1 == workload.factors.len() {
                    Edge::AtTop
                } else {
                    Edge::Found
                };
                Some(Knee {
                    offered_per_second: row.offered,
                    deliveries_per_second: row.per_second(),
                    edge,
                })
            }
            None => {
                let row = run.rows.first()?;
                let seconds = workload.args.duration as f64;
                Some(Knee {
                    offered_per_second: row.offered,
                    deliveries_per_second: row.expected() as f64 / seconds,
                    edge: Edge::BelowFirst,
                })
            }
        }
    }

    fn json(&self) -> Value {
        let below = self.edge == Edge::BelowFirst;
        json!({
            "edge": self.edge,
            "offered_per_second": self.offered_per_second,
            "deliveries_per_second": (!below).then_some(self.deliveries_per_second),
            "below_deliveries_per_second": below.then_some(self.deliveries_per_second),
        })
    }

    fn describe(&self, name: &str) -> String {
        match self.edge {
            Edge::Found => format!(
                "{name} {:.0}/s at {:.0} msg/s",
                self.deliveries_per_second, self.offered_per_second
            ),
            Edge::AtTop => format!(
                "{name} {:.0}/s at {:.0} msg/s, every step passed",
                self.deliveries_per_second, self.offered_per_second
            ),
            Edge::BelowFirst => format!(
                "{name} passed no step, so under the {:.0}/s offered at {:.0} msg/s",
                self.deliveries_per_second, self.offered_per_second
            ),
        }
    }
}

/// How far a knee ratio can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Bound {
    Exact,
    AtLeast,
    AtMost,
    Inconclusive,
}

/// Switchboard's knee over the peer's, and how far to trust it; `None`
/// when Switchboard passed no step.
fn knee_ratio(switchboard: &Knee, peer: &Knee) -> Option<(f64, Bound)> {
    if switchboard.edge == Edge::BelowFirst || peer.deliveries_per_second <= 0.0 {
        return None;
    }
    let ratio = switchboard.deliveries_per_second / peer.deliveries_per_second;
    let could_be_higher = switchboard.edge == Edge::AtTop || peer.edge == Edge::BelowFirst;
    let could_be_lower = peer.edge == Edge::AtTop;
    let bound = match (could_be_higher, could_be_lower) {
        (false, false) => Bound::Exact,
        (true, false) => Bound::AtLeast,
        (false, true) => Bound::AtMost,
        (true, true) => Bound::Inconclusive,
    };
    Some((ratio, bound))
}

/// Adds the comparison table, the knee ratios and the peer targets to the
/// section; returns the same as JSON.
pub(super) fn describe(
    section: &mut Section,
    workload: &Workload<'_>,
    switchboard: &TargetRun,
    peers: &[PeerRun],
) -> Value {
    if peers.is_empty() {
        return Value::Null;
    }
    let ran: Vec<(&str, &TargetRun)> = std::iter::once(("switchboard", switchboard))
        .chain(
            peers
                .iter()
                .filter_map(|p| Some((p.kind.name(), p.outcome.as_ref().ok()?))),
        )
        .collect();
    let mut table = Table::new(&[
        "msg/s offered",
        "server",
        "deliveries/s",
        "p50 (ms)",
        "p99 (ms)",
        "missing",
        "server CPU %",
        "server RSS (MiB)",
        "pass",
        "Switchboard / server",
    ]);
    let mut steps = Vec::new();
    for step in 0..workload.factors.len() {
        let ours = switchboard.rows.get(step);
        let mut servers = Vec::new();
        for (name, run) in &ran {
            let Some(row) = run.rows.get(step) else {
                continue;
            };
            let latency = row.latency();
            let ratio = ours
                .filter(|_| *name != "switchboard" && row.per_second() > 0.0)
                .map(|o| o.per_second() / row.per_second());
            table.row(vec![
                format!("{:.0}", row.offered),
                (*name).to_string(),
                format!("{:.0}", row.per_second()),
                report::ms(latency.p50_ms),
                report::ms(latency.p99_ms),
                row.missing().to_string(),
                report::opt(row.server_cpu, 0),
                report::opt(row.server_rss_kib.map(super::mib), 1),
                if row.passed { "yes" } else { "no" }.into(),
                ratio.map_or(String::new(), |r| format!("{r:.2}x")),
            ]);
            servers.push(json!({
                "server": name,
                "deliveries_per_second": row.per_second(),
                "p50_ms": latency.p50_ms,
                "p99_ms": latency.p99_ms,
                "missing": row.missing(),
                "server_cpu_percent": row.server_cpu,
                "server_rss_kib": row.server_rss_kib,
                "passed": row.passed,
                "switchboard_ratio": ratio,
            }));
        }
        if !servers.is_empty() {
            steps.push(json!({
                "offered_per_second": workload.offered(step),
                "servers": servers,
            }));
        }
    }
    section.tables.push(table);
    let stopped: Vec<&str> = ran
        .iter()
        .filter(|(_, run)| run.rows.len() < workload.factors.len())
        .map(|(name, _)| *name)
        .collect();
    if !stopped.is_empty() {
        section.notes.push(format!(
            "a server takes no step after one it failed: {} stopped early",
            stopped.join(", ")
        ));
    }

    if !workload.stepping() {
        section.notes.push(
            "one rate finds no knee: the knee ratios and the peer targets need --rates or --step"
                .into(),
        );
        return json!({ "steps": steps });
    }
    let ours = Knee::of(switchboard, workload);
    let mut knees = vec![json!({ "server": "switchboard", "knee": ours.map(|k| k.json()) })];
    let mut ratios = Vec::new();
    // Peers whose ratio the steps could not pin down against the goal.
    let mut bounded = Vec::new();
    for peer in peers {
        let name = peer.kind.name();
        let goal = goal(peer.kind);
        let target = format!(">= {goal}x the {name} peer's deliveries/s at the knee");
        let run = match &peer.outcome {
            Ok(run) => run,
            Err(_) => {
                ratios.push(json!({ "peer": name, "ratio": null, "goal": goal, "met": false }));
                if !workload.args.mixed {
                    section.target(&target, "the peer could not run".into(), false);
                }
                continue;
            }
        };
        let theirs = Knee::of(run, workload);
        knees.push(json!({ "server": name, "knee": theirs.map(|k| k.json()) }));
        let ratio = ours.zip(theirs).and_then(|(o, t)| knee_ratio(&o, &t));
        let (observed, met) = match ratio {
            None => ("n/a".to_string(), false),
            Some((r, Bound::Exact)) => (format!("{r:.2}x"), r >= goal),
            Some((r, Bound::AtLeast)) => (format!("at least {r:.2}x"), r >= goal),
            Some((r, Bound::AtMost)) => (format!("at most {r:.2}x"), false),
            Some((r, Bound::Inconclusive)) => (
                format!("inconclusive: {r:.2}x with both knees at the steps' edges"),
                false,
            ),
        };
        let sides = match (ours, theirs) {
            (Some(o), Some(t)) => format!(" ({}; {})", o.describe("Switchboard"), t.describe(name)),
            _ => String::new(),
        };
        section
            .notes
            .push(format!("knee ratio vs {name}: {observed}{sides}"));
        if matches!(ratio, Some((_, Bound::AtMost | Bound::Inconclusive)))
            || (matches!(ratio, Some((r, Bound::AtLeast)) if r < goal))
        {
            bounded.push(name);
        }
        if !workload.args.mixed {
            let observed = if ratio.is_none() {
                "n/a: Switchboard passed no step".to_string()
            } else {
                observed
            };
            section.target(&target, observed, met);
        }
        ratios.push(json!({
            "peer": name,
            "ratio": ratio.map(|(r, _)| r),
            "bound": ratio.map(|(_, b)| b),
            "goal": goal,
            "met": met,
        }));
    }
    if !bounded.is_empty() {
        section.notes.push(format!(
            "the ratio vs {} is bounded by the steps tried, not measured: widen --rates \
             (lower for a peer that passed no step, higher for one that passed all)",
            bounded.join(", ")
        ));
    }
    json!({
        "steps": steps,
        "knees": knees,
        "knee_ratios": ratios,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knee(deliveries_per_second: f64, edge: Edge) -> Knee {
        Knee {
            offered_per_second: 0.0,
            deliveries_per_second,
            edge,
        }
    }

    #[test]
    fn a_ratio_is_only_as_exact_as_the_steps() {
        let found = |d| knee(d, Edge::Found);
        assert_eq!(
            knee_ratio(&found(600.0), &found(200.0)),
            Some((3.0, Bound::Exact))
        );
        // Switchboard never failed: it could do more than the ratio says.
        assert_eq!(
            knee_ratio(&knee(800.0, Edge::AtTop), &found(200.0)),
            Some((4.0, Bound::AtLeast))
        );
        // The peer failed the first step: its knee is lower still.
        assert_eq!(
            knee_ratio(&found(800.0), &knee(400.0, Edge::BelowFirst)),
            Some((2.0, Bound::AtLeast))
        );
        // The peer never failed: it could do more.
        assert_eq!(
            knee_ratio(&found(800.0), &knee(400.0, Edge::AtTop)),
            Some((2.0, Bound::AtMost))
        );
        assert_eq!(
            knee_ratio(&knee(800.0, Edge::AtTop), &knee(800.0, Edge::AtTop)),
            Some((1.0, Bound::Inconclusive))
        );
        assert_eq!(
            knee_ratio(&knee(800.0, Edge::BelowFirst), &found(100.0)),
            None
        );
    }
}
