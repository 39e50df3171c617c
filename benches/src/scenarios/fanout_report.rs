//! The fan-out report: one table row per step and group, the knee, the
//! targets, and the JSON figures.

use super::fanout::{FanoutArgs, Group};
use super::subscriber::Board;
use crate::report::{self, Latency, Section, Table};
use crate::sender::PhaseOutcome;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// The p99 the one-team fan-out target is stated for, in milliseconds.
const TARGET_P99_MS: f64 = 50.0;

/// What one group saw in one step.
pub(super) struct GroupStep {
    pub(super) sent: u64,
    pub(super) expected: u64,
    pub(super) delivered: u64,
    pub(super) per_second: f64,
    pub(super) latency: Latency,
    pub(super) histogram: hdrhistogram::Histogram<u64>,
}

/// One step's figures.
pub(super) struct StepRow {
    pub(super) offered: f64,
    pub(super) sent: PhaseOutcome,
    pub(super) outcomes: Vec<GroupStep>,
    pub(super) server_cpu: Option<f64>,
    pub(super) bench_cpu: Option<f64>,
    pub(super) passed: bool,
}

/// Fills the section from the steps that ran.
pub(super) fn describe(
    section: &mut Section,
    args: &FanoutArgs,
    groups: &[Group],
    rows: &[StepRow],
    knee: Option<usize>,
    stepping: bool,
    board: &Board,
) {
    let mut table = Table::new(&[
        "msg/s offered",
        "group",
        "sent",
        "delivered / expected",
        "deliveries/s",
        "p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "max (ms)",
        "ack p99 (ms)",
        "send lag p99 (ms)",
        "server CPU %",
        "bench CPU %",
        "pass",
    ]);
    let mut steps = Vec::new();
    for row in rows {
        let ack = Latency::of(&row.sent.ack);
        let lag = Latency::of(&row.sent.lag);
        for (g, o) in row.outcomes.iter().enumerate() {
            let [p50, p99, p999, max] = o.latency.cells();
            table.row(vec![
                format!("{:.0}", row.offered),
                groups[g].name.clone(),
                o.sent.to_string(),
                format!("{} / {}", o.delivered, o.expected),
                format!("{:.0}", o.per_second),
                p50,
                p99,
                p999,
                max,
                report::ms(ack.p99_ms),
                report::ms(lag.p99_ms),
                report::opt(row.server_cpu, 0),
                report::opt(row.bench_cpu, 0),
                if row.passed { "yes" } else { "no" }.into(),
            ]);
        }
        steps.push(json!({
            "offered_per_second": row.offered,
            "sent": row.sent.sent.iter().sum::<u64>(),
            "acked": row.sent.acked,
            "send_errors": row.sent.errors,
            "send_error_samples": row.sent.error_samples,
            "ack_latency": ack,
            "send_lag": lag,
            "server_cpu_percent": row.server_cpu,
            "bench_cpu_percent": row.bench_cpu,
            "passed": row.passed,
            "groups": row.outcomes.iter().enumerate().map(|(g, o)| json!({
                "group": groups[g].name,
                "sent": o.sent,
                "expected": o.expected,
                "delivered": o.delivered,
                "deliveries_per_second": o.per_second,
                "latency": o.latency,
            })).collect::<Vec<Value>>(),
        }));
        for e in &row.sent.error_samples {
            section.failures.push(format!("send refused: {e}"));
        }
        for d in &row.sent.dropped {
            section.failures.push(format!("sender dropped: {d}"));
        }
    }
    section.tables.push(table);
    let knee_row = knee.map(|k| &rows[k]);
    if stepping {
        match knee_row {
            Some(row) => section.notes.push(format!(
                "knee: {:.0} msg/s offered, {:.0} deliveries/s with p99 under {} ms",
                row.offered,
                row.outcomes.iter().map(|o| o.per_second).sum::<f64>(),
                args.threshold_ms
            )),
            None => section.notes.push(format!(
                "no step passed (p99 under {} ms, none missing)",
                args.threshold_ms
            )),
        }
    }
    if !args.mixed && args.teams == 1 && args.subscribers >= 1000 {
        // Judged on its own terms, whatever --threshold-ms the knee used.
        let best = rows
            .iter()
            .map(|r| &r.outcomes[0])
            .filter(|o| o.delivered >= o.expected && o.latency.p99_ms < TARGET_P99_MS)
            .map(|o| o.per_second)
            .fold(0.0, f64::max);
        section.target(
            ">= 500,000 deliveries/s to one team of 1,000 with p99 < 50 ms",
            format!("{best:.0}/s at best with p99 < 50 ms"),
            best >= 500_000.0,
        );
    }
    if args.mixed {
        if let Some(row) = rows.first() {
            for (g, group) in groups.iter().enumerate() {
                if let Some(goal) = group.goal_ms {
                    let p99 = row.outcomes[g].latency.p99_ms;
                    section.target(
                        &format!("p99 < {goal} ms in the {}", group.name),
                        format!("{} ms", report::ms(p99)),
                        p99 < goal,
                    );
                }
            }
        }
    }
    // A step search ends on a failing step, whose missing deliveries are
    // how it failed; anywhere else a missing delivery is a fault.
    let judged = if stepping {
        &rows[..knee.map_or(0, |k| k + 1)]
    } else {
        rows
    };
    let missing: u64 = judged
        .iter()
        .flat_map(|r| r.outcomes.iter())
        .map(|o| o.expected.saturating_sub(o.delivered))
        .sum();
    if missing > 0 {
        section
            .failures
            .push(format!("{missing} deliveries missing"));
    }
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
    section.data = json!({
        "groups": groups.iter().map(|g| json!({
            "name": g.name, "teams": g.teams, "subscribers_per_team": g.subscribers,
            "base_rate_per_team": g.rate_per_team,
        })).collect::<Vec<Value>>(),
        "senders": args.senders,
        "body_bytes": args.body_bytes,
        "step_seconds": args.duration,
        "threshold_ms": args.threshold_ms,
        "steps": steps,
        "knee_step": knee,
        "knee_offered_per_second": knee_row.map(|r| r.offered),
        "knee_deliveries_per_second": knee_row.map(|r| r.outcomes.iter().map(|o| o.per_second).sum::<f64>()),
        "subscribers_dropped": dropped,
        "events_out_of_order": out_of_order,
    });
}
