//! This build against the others, side by side: per step, the ratios
//! this build / compared and this build / each peer of the median
//! deliveries per second and the median p50; then, when the steps search
//! for a knee, the ratio at each one's knee, and the targets the issue
//! states against the peers.
//!
//! A knee ratio is only as exact as the steps allow. A server that passed
//! every step has its knee at the top of the steps (its capacity is at
//! least that); one that passed no step is below its first step (its
//! capacity is under that step's offered deliveries, which then stand in
//! for its knee). So a ratio is exact, a lower bound, an upper bound, or,
//! when both ends are open, inconclusive, and a target only counts as met
//! when the bound proves it. Against Socket.IO the target also asks for a
//! measured knee: one found inside the steps, not below the first.

use super::fanout::{Who, Workload};
use super::fanout_report::Runs;
use super::fanout_rounds::StepRatio;
use super::fanout_steps::TargetRun;
use crate::peers::PeerKind;
use crate::report::{self, Section, Table};
use serde::Serialize;
use serde_json::{json, Value};

/// This build's knee deliveries per second over the peer's, as the
/// issue asks for (on a 2-core machine).
fn goal(kind: PeerKind) -> f64 {
    match kind {
        PeerKind::Naive => 3.0,
        PeerKind::Batched => 0.9,
        PeerKind::SocketIo => 5.0,
    }
}

/// The step the median-latency target is stated at, in msg/s offered.
const P50_STEP: f64 = 200.0;
/// This build's median p50 there over the batched peer's, at most.
const P50_GOAL: f64 = 1.3;

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
                let step = &run.steps[k];
                let edge = if k + 1 == workload.factors.len() {
                    Edge::AtTop
                } else {
                    Edge::Found
                };
                Some(Knee {
                    offered_per_second: step.offered,
                    deliveries_per_second: step.summary.all.per_second.median,
                    edge,
                })
            }
            None => {
                let step = run.steps.first()?;
                let round = step.rounds.first()?;
                let expected: u64 = round.outcomes.iter().map(|o| o.expected).sum();
                let seconds = workload.args.duration as f64;
                Some(Knee {
                    offered_per_second: step.offered,
                    deliveries_per_second: expected as f64 / seconds,
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

/// This build's knee over another's, and how far to trust it; `None`
/// when this build passed no step.
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

/// Whether the knee ratio against `kind` is measured, and whether it
/// proves the goal: the bound must show it, and against Socket.IO the
/// peer's knee must lie inside the steps (the issue asks for a measured
/// ratio there, not one bounded by a first step it already failed).
fn proves(kind: PeerKind, ratio: Option<(f64, Bound)>, theirs: Option<Knee>) -> (bool, bool) {
    let measured = kind != PeerKind::SocketIo || theirs.is_some_and(|t| t.edge != Edge::BelowFirst);
    let met =
        measured && matches!(ratio, Some((r, Bound::Exact | Bound::AtLeast)) if r >= goal(kind));
    (measured, met)
}

/// Adds the ratio table, the knee ratios and the targets against the
/// peers to the section; returns the same as JSON.
pub(super) fn describe(section: &mut Section, workload: &Workload<'_>, runs: &Runs<'_>) -> Value {
    let ours = runs.ours;
    let others: Vec<&TargetRun> = runs.all().skip(1).collect();
    if others.is_empty() {
        return Value::Null;
    }
    let mut table = Table::new(&[
        "msg/s offered",
        "this build / server",
        "deliveries/s ratio",
        "p50 ratio",
        "this build deliveries/s, p50 (ms)",
        "server deliveries/s, p50 (ms)",
    ]);
    let mut steps = Vec::new();
    for (step, mine) in ours.steps.iter().enumerate() {
        for other in &others {
            let Some(theirs) = other.steps.get(step) else {
                continue;
            };
            let ratio = StepRatio::of(&mine.summary, &theirs.summary);
            let show = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.2}x"));
            let figures = |s: &super::fanout_steps::StepRounds| {
                format!(
                    "{}, {}",
                    s.summary.all.per_second.cell(|v| format!("{v:.0}")),
                    s.summary.all.p50_ms.cell(report::ms)
                )
            };
            table.row(vec![
                format!("{:.0}", mine.offered),
                other.who.name(),
                show(ratio.per_second),
                show(ratio.p50),
                figures(mine),
                figures(theirs),
            ]);
            steps.push(json!({
                "offered_per_second": mine.offered,
                "server": other.who.name(),
                "ratio": ratio,
            }));
        }
    }
    section.tables.push(table);
    if let Some(batched) = runs
        .peers
        .iter()
        .find(|p| p.kind == PeerKind::Batched)
        .and_then(|p| p.outcome.as_ref().ok())
    {
        p50_target(section, workload, ours, batched);
    }
    if !workload.stepping() {
        section.notes.push(
            "one rate finds no knee: the knee ratios and the peer targets need --rates or --step"
                .into(),
        );
        return json!({ "steps": steps });
    }
    let mine = Knee::of(ours, workload);
    let mut knees = vec![json!({ "server": ours.who.name(), "knee": mine.map(|k| k.json()) })];
    let mut ratios = Vec::new();
    // Servers whose ratio the steps could not pin down.
    let mut bounded = Vec::new();
    for other in &others {
        let name = other.who.name();
        let theirs = Knee::of(other, workload);
        knees.push(json!({ "server": name, "knee": theirs.map(|k| k.json()) }));
        let ratio = mine.zip(theirs).and_then(|(o, t)| knee_ratio(&o, &t));
        let observed = match ratio {
            None => "n/a: this build passed no step".to_string(),
            Some((r, Bound::Exact)) => format!("{r:.2}x"),
            Some((r, Bound::AtLeast)) => format!("at least {r:.2}x"),
            Some((r, Bound::AtMost)) => format!("at most {r:.2}x"),
            Some((r, Bound::Inconclusive)) => {
                format!("inconclusive: {r:.2}x with both knees at the steps' edges")
            }
        };
        let sides = match (mine, theirs) {
            (Some(o), Some(t)) => format!(" ({}; {})", o.describe("this build"), t.describe(&name)),
            _ => String::new(),
        };
        section
            .notes
            .push(format!("knee ratio this build / {name}: {observed}{sides}"));
        if matches!(ratio, Some((_, Bound::AtMost | Bound::Inconclusive))) {
            bounded.push(name.clone());
        }
        let Who::Peer(kind) = other.who else {
            ratios.push(json!({ "server": name, "ratio": ratio.map(|(r, _)| r), "bound": ratio.map(|(_, b)| b) }));
            continue;
        };
        let goal = goal(kind);
        let (measured, met) = proves(kind, ratio, theirs);
        let short = matches!(ratio, Some((r, Bound::AtLeast)) if r < goal) || !measured;
        if short && !bounded.contains(&name) {
            bounded.push(name.clone());
        }
        if !workload.args.mixed {
            let observed = if measured {
                observed
            } else {
                format!("{observed}, not measured: {name} passed no step")
            };
            section.target(
                &format!(">= {goal}x the {name} peer's deliveries/s at the knee"),
                observed,
                met,
            );
        }
        ratios.push(json!({
            "server": name,
            "ratio": ratio.map(|(r, _)| r),
            "bound": ratio.map(|(_, b)| b),
            "goal": goal,
            "met": met,
        }));
    }
    for peer in runs.peers.iter().filter(|p| p.outcome.is_err()) {
        if workload.stepping() && !workload.args.mixed {
            let name = peer.kind.name();
            section.target(
                &format!(
                    ">= {}x the {name} peer's deliveries/s at the knee",
                    goal(peer.kind)
                ),
                "the peer could not run".into(),
                false,
            );
        }
    }
    if !bounded.is_empty() {
        section.notes.push(format!(
            "the knee ratio vs {} is bounded by the steps tried, not measured: widen --rates \
             (lower for a server that passed no step, higher for one that passed all)",
            bounded.join(", ")
        ));
    }
    json!({
        "steps": steps,
        "knees": knees,
        "knee_ratios": ratios,
    })
}

/// The median latency target: at the 200 msg/s step, this build's median
/// p50 at most 1.3x the batched peer's.
fn p50_target(
    section: &mut Section,
    workload: &Workload<'_>,
    ours: &TargetRun,
    batched: &TargetRun,
) {
    if workload.args.mixed {
        return;
    }
    let goal = format!("median p50 <= {P50_GOAL}x the batched peer's at {P50_STEP:.0} msg/s");
    let at = |run: &TargetRun| {
        run.steps
            .iter()
            .find(|s| (s.offered - P50_STEP).abs() < 0.5)
            .map(|s| s.summary.all.p50_ms)
    };
    match (at(ours), at(batched)) {
        (Some(mine), Some(theirs)) => {
            let ratio = mine.ratio(&theirs);
            section.target(
                &goal,
                format!(
                    "{} ms against {} ms: {}",
                    mine.cell(report::ms),
                    theirs.cell(report::ms),
                    ratio.map_or("-".to_string(), |r| format!("{r:.2}x"))
                ),
                ratio.is_some_and(|r| r <= P50_GOAL),
            );
        }
        _ => section.notes.push(format!(
            "the median latency target is stated at {P50_STEP:.0} msg/s: include it in --rates \
             (and both servers must reach it)"
        )),
    }
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
        // This build never failed: it could do more than the ratio says.
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

    #[test]
    fn a_target_is_met_only_where_the_bound_proves_it() {
        let found = Some(knee(100.0, Edge::Found));
        let below = Some(knee(100.0, Edge::BelowFirst));
        let batched = PeerKind::Batched;
        assert_eq!(
            proves(batched, Some((0.95, Bound::Exact)), found),
            (true, true)
        );
        assert_eq!(
            proves(batched, Some((0.85, Bound::Exact)), found),
            (true, false)
        );
        assert_eq!(
            proves(batched, Some((0.95, Bound::AtMost)), found),
            (true, false)
        );
        assert_eq!(
            proves(batched, Some((0.95, Bound::AtLeast)), found),
            (true, true)
        );
        assert_eq!(proves(batched, None, found), (true, false));
        let io = PeerKind::SocketIo;
        assert_eq!(proves(io, Some((6.0, Bound::Exact)), found), (true, true));
        // Socket.IO failed the first step: 6x is a floor, not a measure.
        assert_eq!(
            proves(io, Some((6.0, Bound::AtLeast)), below),
            (false, false)
        );
        assert_eq!(proves(io, Some((4.0, Bound::Exact)), found), (true, false));
    }
}
