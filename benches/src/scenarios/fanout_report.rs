//! The fan-out report: one table row per step, server and group, each
//! cell the median of the step's rounds with their range; the knees; this
//! build's targets; and the JSON figures.
//!
//! This build's missing deliveries, disorder and refused sends are
//! failures of the run; the compared build's and a peer's are what that
//! server did under the load, so they are noted, never failed (see
//! [`super::fanout_compare`] for the ratios between servers and the
//! targets stated against the peers).

use super::fanout::{Group, Workload};
use super::fanout_compare;
use super::fanout_peers::PeerRun;
use super::fanout_steps::{StepRounds, TargetRun};
use crate::report::{self, Latency, Section, Spread, Table};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// The p99 the one-team fan-out target is stated for, in milliseconds.
const TARGET_P99_MS: f64 = 50.0;

/// Every server's run: this build's, the compared build's, the peers'.
pub(super) struct Runs<'a> {
    pub(super) ours: &'a TargetRun,
    pub(super) compared: Option<&'a TargetRun>,
    pub(super) peers: &'a [PeerRun],
}

impl<'a> Runs<'a> {
    /// Every run that happened, this build first.
    pub(super) fn all(&self) -> impl Iterator<Item = &'a TargetRun> + '_ {
        std::iter::once(self.ours)
            .chain(self.compared)
            .chain(self.peers.iter().filter_map(|p| p.outcome.as_ref().ok()))
    }
}

/// Fills the section from every server's steps.
pub(super) fn describe(section: &mut Section, workload: &Workload<'_>, runs: &Runs<'_>) {
    let args = workload.args;
    let groups = &workload.groups;
    let mut table = Table::new(&[
        "msg/s offered",
        "server",
        "group",
        "rounds",
        "deliveries/s",
        "p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "ack p99 (ms)",
        "send lag p99 (ms)",
        "server CPU %",
        "flush p50 / p99 (ms)",
        "missing",
        "pass",
    ]);
    for step in 0..workload.factors.len() {
        for run in runs.all() {
            if let Some(s) = run.steps.get(step) {
                add_rows(&mut table, run, s, groups);
            }
        }
    }
    section.tables.push(table);
    let ours = runs.ours;
    if workload.stepping() {
        for run in runs.all() {
            section.notes.push(knee_note(run, args.threshold_ms));
        }
    }
    for row in ours.steps.iter().flat_map(|s| &s.rounds) {
        for e in &row.sent.error_samples {
            section.failures.push(format!("send refused: {e}"));
        }
        for d in &row.sent.dropped {
            section.failures.push(format!("sender dropped: {d}"));
        }
    }
    if !args.mixed && args.teams == 1 && args.subscribers >= 1000 {
        // Judged on its own terms, whatever --threshold-ms the knee used.
        let best = ours
            .steps
            .iter()
            .map(|s| &s.summary)
            .filter(|s| s.missing == 0 && s.lost == 0 && s.all.p99_ms.median < TARGET_P99_MS)
            .map(|s| s.all.per_second.median)
            .fold(0.0, f64::max);
        section.target(
            ">= 500,000 deliveries/s to one team of 1,000 with median p99 < 50 ms",
            format!("{best:.0}/s at best with median p99 < 50 ms"),
            best >= 500_000.0,
        );
    }
    if args.mixed {
        mixed_targets(section, groups, ours, runs.compared);
    }
    // A step search ends on a failing step, whose missing deliveries are
    // how it failed; anywhere else a missing delivery is a fault.
    let judged = if workload.stepping() {
        &ours.steps[..ours.knee.map_or(0, |k| k + 1)]
    } else {
        &ours.steps[..]
    };
    let missing: u64 = judged.iter().map(|s| s.summary.missing).sum();
    if missing > 0 {
        section
            .failures
            .push(format!("{missing} deliveries missing"));
    }
    let board = &ours.board;
    let out_of_order = board.out_of_order.load(Ordering::Relaxed);
    let undecodable = board.undecodable.load(Ordering::Relaxed);
    if out_of_order > 0 || undecodable > 0 {
        section.failures.push(format!(
            "{out_of_order} events out of order, {undecodable} undecodable frames"
        ));
    }
    let dropped = board.dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        let samples = board.drop_samples.lock().unwrap_or_else(|e| e.into_inner());
        section.notes.push(format!(
            "{dropped} subscribers were disconnected: {}",
            samples.join("; ")
        ));
    }
    let compared = runs.compared.map(|run| describe_other(section, run));
    let mut peers_json = Vec::new();
    for peer in runs.peers {
        peers_json.push(match &peer.outcome {
            Ok(run) => describe_other(section, run),
            Err(e) => {
                let name = peer.kind.name();
                section.notes.push(format!("{name}: could not run: {e}"));
                json!({ "server": name, "error": e })
            }
        });
    }
    let comparison = fanout_compare::describe(section, workload, runs);
    let mut data = run_json(ours, groups);
    data["groups"] = groups
        .iter()
        .map(|g| {
            json!({
                "name": g.name, "teams": g.teams, "subscribers_per_team": g.subscribers,
                "base_rate_per_team": g.rate_per_team,
            })
        })
        .collect();
    data["senders"] = json!(args.senders);
    data["body_bytes"] = json!(args.body_bytes);
    data["step_seconds"] = json!(args.duration);
    data["rounds_per_step"] = json!(workload.repeat);
    data["threshold_ms"] = json!(args.threshold_ms);
    data["compared"] = compared.unwrap_or(Value::Null);
    data["peers"] = Value::Array(peers_json);
    data["comparison"] = comparison;
    section.data = data;
}

/// The mixed preset's targets, on this build's medians, with the
/// compared build's beside them.
fn mixed_targets(
    section: &mut Section,
    groups: &[Group],
    ours: &TargetRun,
    compared: Option<&TargetRun>,
) {
    let Some(step) = ours.steps.first() else {
        return;
    };
    for (g, group) in groups.iter().enumerate() {
        let Some(goal) = group.goal_ms else {
            continue;
        };
        let p99 = step.summary.groups[g].p99_ms;
        let beside = compared
            .and_then(|c| c.steps.first())
            .map(|s| {
                format!(
                    "; compared: {} ms",
                    s.summary.groups[g].p99_ms.cell(report::ms)
                )
            })
            .unwrap_or_default();
        section.target(
            &format!("median p99 <= {goal} ms in the {}", group.name),
            format!("{} ms{beside}", p99.cell(report::ms)),
            p99.n > 0 && p99.median <= goal,
        );
    }
}

/// Adds a step of one server to the table, one row per group.
fn add_rows(table: &mut Table, run: &TargetRun, step: &StepRounds, groups: &[Group]) {
    let acks = !matches!(run.who, super::fanout::Who::Peer(_));
    let p99_of = |h: &hdrhistogram::Histogram<u64>| Latency::of(h).p99_ms;
    let ack = if acks {
        Spread::of(step.rounds.iter().map(|r| p99_of(&r.sent.ack))).cell(report::ms)
    } else {
        "n/a".into()
    };
    let lag = Spread::of(step.rounds.iter().map(|r| p99_of(&r.sent.lag))).cell(report::ms);
    let flushes = flush_cell(step);
    let summary = &step.summary;
    for (g, group) in groups.iter().enumerate() {
        let Some(s) = summary.groups.get(g) else {
            continue;
        };
        table.row(vec![
            format!("{:.0}", step.offered),
            run.who.name(),
            group.name.clone(),
            summary.rounds.to_string(),
            s.per_second.cell(|v| format!("{v:.0}")),
            s.p50_ms.cell(report::ms),
            s.p99_ms.cell(report::ms),
            s.p999_ms.cell(report::ms),
            ack.clone(),
            lag.clone(),
            summary.server_cpu.cell(|v| format!("{v:.0}")),
            flushes.clone(),
            summary.missing.to_string(),
            if summary.passed { "yes" } else { "no" }.into(),
        ]);
    }
}

/// The medians over the rounds of the server's own flush p50 and p99
/// ("n/a" for a peer, which does not flush).
fn flush_cell(step: &StepRounds) -> String {
    let quantile = |q: f64| {
        Spread::of(
            step.rounds
                .iter()
                .filter_map(|r| r.flushes.as_ref()?.quantile_ms(q)),
        )
    };
    let (p50, p99) = (quantile(0.5), quantile(0.99));
    if p50.n == 0 {
        return "n/a".into();
    }
    format!("{} / {}", report::ms(p50.median), report::ms(p99.median))
}

/// "NAME knee: ..." for a server's steps.
fn knee_note(run: &TargetRun, threshold_ms: f64) -> String {
    let who = run.who.name();
    match run.knee.map(|k| &run.steps[k]) {
        Some(step) => format!(
            "{who} knee: {:.0} msg/s offered, {} deliveries/s with median p99 under \
             {threshold_ms} ms",
            step.offered,
            step.summary.all.per_second.cell(|v| format!("{v:.0}")),
        ),
        None => {
            format!("{who} passed no step (median p99 under {threshold_ms} ms, none missing)")
        }
    }
}

/// Notes what the compared build or a peer did wrong (that server's
/// result, not a failure of the run) and returns its JSON.
fn describe_other(section: &mut Section, run: &TargetRun) -> Value {
    let name = run.who.name();
    for step in &run.steps {
        let missing = step.summary.missing;
        if missing > 0 {
            let expected: u64 = step
                .rounds
                .iter()
                .flat_map(|r| &r.outcomes)
                .map(|o| o.expected)
                .sum();
            section.notes.push(format!(
                "{name} at {:.0} msg/s: {missing} of {expected} deliveries missing",
                step.offered
            ));
        }
        for d in step.rounds.iter().flat_map(|r| &r.sent.dropped) {
            section
                .notes
                .push(format!("{name}: a sender was dropped: {d}"));
        }
    }
    let board = &run.board;
    let dropped = board.dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        let samples = board.drop_samples.lock().unwrap_or_else(|e| e.into_inner());
        section.notes.push(format!(
            "{name}: {dropped} subscribers were disconnected: {}",
            samples.join("; ")
        ));
    }
    let out_of_order = board.out_of_order.load(Ordering::Relaxed);
    let undecodable = board.undecodable.load(Ordering::Relaxed);
    if out_of_order > 0 || undecodable > 0 {
        section.notes.push(format!(
            "{name}: {out_of_order} deliveries out of order, {undecodable} undecodable"
        ));
    }
    run_json(run, &[])
}

/// A server's steps, their rounds and verdicts, and its knee.
fn run_json(run: &TargetRun, groups: &[Group]) -> Value {
    let knee = run.knee.map(|k| &run.steps[k]);
    let board = &run.board;
    json!({
        "server": run.who.name(),
        "server_pid": run.pid,
        "steps": run.steps.iter().map(|s| step_json(s, groups)).collect::<Vec<Value>>(),
        "knee_step": run.knee,
        "knee_offered_per_second": knee.map(|s| s.offered),
        "knee_deliveries_per_second": knee.map(|s| s.summary.all.per_second.median),
        "subscribers_dropped": board.dropped.load(Ordering::Relaxed),
        "out_of_order": board.out_of_order.load(Ordering::Relaxed),
    })
}

/// A step's summary and each of its rounds.
fn step_json(step: &StepRounds, groups: &[Group]) -> Value {
    let rounds: Vec<Value> = step
        .rounds
        .iter()
        .map(|row| {
            json!({
                "sent": row.sent.sent.iter().sum::<u64>(),
                "acked": row.sent.acked,
                "send_errors": row.sent.errors,
                "send_error_samples": row.sent.error_samples,
                "senders_dropped": row.sent.dropped,
                "subscribers_dropped": row.dropped,
                "ack_latency": Latency::of(&row.sent.ack),
                "send_lag": Latency::of(&row.sent.lag),
                "server_cpu_percent": row.server_cpu,
                "server_rss_kib": row.server_rss_kib,
                "groups": row.outcomes.iter().enumerate().map(|(g, o)| json!({
                    "group": groups.get(g).map(|g| g.name.as_str()),
                    "sent": o.sent,
                    "expected": o.expected,
                    "delivered": o.delivered,
                    "deliveries_per_second": o.per_second,
                    "latency": o.latency,
                })).collect::<Vec<Value>>(),
            })
        })
        .collect();
    json!({
        "offered_per_second": step.offered,
        "summary": step.summary,
        "rounds": rounds,
    })
}
