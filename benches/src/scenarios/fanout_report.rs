//! The fan-out report: one table row per step, group and server, the
//! knees, the targets, and the JSON figures.
//!
//! Switchboard's missing deliveries, disorder and refused sends are
//! failures of the run; a peer's are what the peer did under the load, so
//! they are noted, never failed (see [`super::fanout_compare`] for the
//! side-by-side table and the ratios).

use super::fanout::{Group, Workload};
use super::fanout_compare;
use super::fanout_peers::PeerRun;
use super::fanout_steps::TargetRun;
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
    /// The server's resident memory after the step, in KiB.
    pub(super) server_rss_kib: Option<u64>,
    pub(super) bench_cpu: Option<f64>,
    pub(super) passed: bool,
}

impl StepRow {
    /// Deliveries per second, over all groups.
    pub(super) fn per_second(&self) -> f64 {
        self.outcomes.iter().map(|o| o.per_second).sum()
    }

    /// Deliveries expected, over all groups.
    pub(super) fn expected(&self) -> u64 {
        self.outcomes.iter().map(|o| o.expected).sum()
    }

    /// Deliveries missing, over all groups.
    pub(super) fn missing(&self) -> u64 {
        self.outcomes
            .iter()
            .map(|o| o.expected.saturating_sub(o.delivered))
            .sum()
    }

    /// The latency over all groups.
    pub(super) fn latency(&self) -> Latency {
        let mut all = report::histogram();
        for o in &self.outcomes {
            report::merge(&mut all, &o.histogram);
        }
        Latency::of(&all)
    }
}

/// Fills the section from the steps that ran against Switchboard and the
/// peers.
pub(super) fn describe(
    section: &mut Section,
    workload: &Workload<'_>,
    switchboard: &TargetRun,
    peers: &[PeerRun],
) {
    let args = workload.args;
    let groups = &workload.groups;
    let with_peers = !peers.is_empty();
    let mut headers = vec![
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
    ];
    if with_peers {
        headers.insert(0, "server");
    }
    let mut table = Table::new(&headers);
    let server = with_peers.then_some("switchboard");
    add_rows(&mut table, server, switchboard, groups, true);
    for peer in peers {
        if let Ok(run) = &peer.outcome {
            add_rows(&mut table, Some(peer.kind.name()), run, groups, false);
        }
    }
    section.tables.push(table);
    let rows = &switchboard.rows;
    let knee = switchboard.knee;
    for row in rows {
        for e in &row.sent.error_samples {
            section.failures.push(format!("send refused: {e}"));
        }
        for d in &row.sent.dropped {
            section.failures.push(format!("sender dropped: {d}"));
        }
    }
    let knee_row = knee.map(|k| &rows[k]);
    if workload.stepping() {
        section
            .notes
            .push(knee_note(server, switchboard, args.threshold_ms));
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
    let judged = if workload.stepping() {
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
    let board = &switchboard.board;
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
    let mut peers_json = Vec::new();
    for peer in peers {
        peers_json.push(describe_peer(section, workload, peer));
    }
    let comparison = fanout_compare::describe(section, workload, switchboard, peers);
    section.data = json!({
        "groups": groups.iter().map(|g| json!({
            "name": g.name, "teams": g.teams, "subscribers_per_team": g.subscribers,
            "base_rate_per_team": g.rate_per_team,
        })).collect::<Vec<Value>>(),
        "senders": args.senders,
        "body_bytes": args.body_bytes,
        "step_seconds": args.duration,
        "threshold_ms": args.threshold_ms,
        "server_pid": switchboard.pid,
        "steps": steps_json(rows, groups, true),
        "knee_step": knee,
        "knee_offered_per_second": knee_row.map(|r| r.offered),
        "knee_deliveries_per_second": knee_row.map(StepRow::per_second),
        "subscribers_dropped": dropped,
        "events_out_of_order": out_of_order,
        "peers": peers_json,
        "comparison": comparison,
    });
}

/// Adds a server's steps to the step table (`server` names it when the
/// table has several); `acks` is false for a peer, which has none.
fn add_rows(
    table: &mut Table,
    server: Option<&str>,
    run: &TargetRun,
    groups: &[Group],
    acks: bool,
) {
    for row in &run.rows {
        let ack = if acks {
            report::ms(Latency::of(&row.sent.ack).p99_ms)
        } else {
            "n/a".into()
        };
        let lag = Latency::of(&row.sent.lag);
        for (g, o) in row.outcomes.iter().enumerate() {
            let [p50, p99, p999, max] = o.latency.cells();
            let mut cells: Vec<String> = server.map(str::to_string).into_iter().collect();
            cells.extend([
                format!("{:.0}", row.offered),
                groups[g].name.clone(),
                o.sent.to_string(),
                format!("{} / {}", o.delivered, o.expected),
                format!("{:.0}", o.per_second),
                p50,
                p99,
                p999,
                max,
                ack.clone(),
                report::ms(lag.p99_ms),
                report::opt(row.server_cpu, 0),
                report::opt(row.bench_cpu, 0),
                if row.passed { "yes" } else { "no" }.into(),
            ]);
            table.row(cells);
        }
    }
}

/// "knee: ..." for a server's steps, prefixed by `who` if given.
fn knee_note(who: Option<&str>, run: &TargetRun, threshold_ms: f64) -> String {
    let prefix = who.map_or(String::new(), |w| format!("{w} "));
    match run.knee.map(|k| &run.rows[k]) {
        Some(row) => format!(
            "{prefix}knee: {:.0} msg/s offered, {:.0} deliveries/s with p99 under {threshold_ms} ms",
            row.offered,
            row.per_second(),
        ),
        None => match who {
            Some(who) => format!("{who} passed no step (p99 under {threshold_ms} ms, none missing)"),
            None => format!("no step passed (p99 under {threshold_ms} ms, none missing)"),
        },
    }
}

/// Notes what a peer did (what went wrong is the peer's result, not a
/// failure of the run) and returns its JSON.
fn describe_peer(section: &mut Section, workload: &Workload<'_>, peer: &PeerRun) -> Value {
    let name = peer.kind.name();
    let run = match &peer.outcome {
        Ok(run) => run,
        Err(e) => {
            section.notes.push(format!("{name}: could not run: {e}"));
            return json!({ "peer": name, "error": e });
        }
    };
    if workload.stepping() {
        section
            .notes
            .push(knee_note(Some(name), run, workload.args.threshold_ms));
    }
    for row in &run.rows {
        let missing = row.missing();
        if missing > 0 {
            section.notes.push(format!(
                "{name} at {:.0} msg/s: {missing} of {} deliveries missing",
                row.offered,
                row.expected()
            ));
        }
        for d in &row.sent.dropped {
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
            "{name}: {out_of_order} payloads out of order, {undecodable} not UTF-8"
        ));
    }
    let knee_row = run.knee.map(|k| &run.rows[k]);
    json!({
        "peer": name,
        "server_pid": run.pid,
        "steps": steps_json(&run.rows, &workload.groups, false),
        "knee_step": run.knee,
        "knee_offered_per_second": knee_row.map(|r| r.offered),
        "knee_deliveries_per_second": knee_row.map(StepRow::per_second),
        "subscribers_dropped": dropped,
        "payloads_out_of_order": out_of_order,
    })
}

/// Each step's figures; `acks` is false for a peer (its ack fields are null).
fn steps_json(rows: &[StepRow], groups: &[Group], acks: bool) -> Vec<Value> {
    rows.iter()
        .map(|row| {
            json!({
                "offered_per_second": row.offered,
                "sent": row.sent.sent.iter().sum::<u64>(),
                "acked": acks.then_some(row.sent.acked),
                "send_errors": row.sent.errors,
                "send_error_samples": row.sent.error_samples,
                "senders_dropped": row.sent.dropped,
                "ack_latency": acks.then(|| Latency::of(&row.sent.ack)),
                "send_lag": Latency::of(&row.sent.lag),
                "server_cpu_percent": row.server_cpu,
                "server_rss_kib": row.server_rss_kib,
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
            })
        })
        .collect()
}
