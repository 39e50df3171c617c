//! The storm's verdict: every client's final state checked against what
//! the senders had acknowledged, and the table, targets and JSON.

use super::mib;
use super::storm::{StormArgs, Timeline};
use super::storm_client::End;
use crate::report::{self, Latency, Section, Table};
use serde_json::json;
use std::time::Duration;

/// The final check over every client.
#[derive(Default)]
pub(super) struct Check {
    missing_clients: usize,
    gaps: u64,
    doubles: u64,
    wrong_counts: u64,
    short: u64,
    extra_reconnects: u64,
    errors: Vec<String>,
    error_count: u64,
    rejoin: Option<hdrhistogram::Histogram<u64>>,
    resumed: Option<hdrhistogram::Histogram<u64>>,
}

impl Check {
    pub(super) fn of(ends: &[End], acked: &[Vec<u64>], finals: &[u64], count: usize) -> Check {
        let mut check = Check {
            missing_clients: count - ends.len(),
            rejoin: Some(report::histogram()),
            resumed: Some(report::histogram()),
            ..Check::default()
        };
        for end in ends {
            check.gaps += u64::from(end.gaps > 0);
            check.doubles += u64::from(end.doubles > 0);
            check.extra_reconnects += end.extra_reconnects;
            let offsets = &acked[end.team];
            let lo = offsets.partition_point(|&o| o <= end.start_offset);
            let hi = offsets.partition_point(|&o| o <= end.last_offset);
            check.wrong_counts += u64::from(end.messages != (hi - lo) as u64);
            check.short += u64::from(end.last_offset < finals[end.team]);
            if let Some(e) = &end.error {
                check.error_count += 1;
                if check.errors.len() < 3 {
                    check.errors.push(format!("client {}: {e}", end.index));
                }
            }
            if let (Some(h), Some(r)) = (check.rejoin.as_mut(), end.rejoin) {
                report::record_nanos(h, r);
            }
            if let (Some(h), Some(r)) = (check.resumed.as_mut(), end.resumed) {
                report::record_nanos(h, r);
            }
        }
        check
    }
}

/// What the processes used from the drop until everyone caught up.
pub(super) struct Usage {
    pub(super) server_cpu: Option<f64>,
    pub(super) bench_cpu: Option<f64>,
    pub(super) server_rss_kib: Option<u64>,
}

/// Fills the section.
pub(super) fn describe(
    section: &mut Section,
    args: &StormArgs,
    count: usize,
    timeline: &Timeline,
    check: &Check,
    usage: &Usage,
    acked: u64,
) {
    let seconds =
        |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.2}", d.as_secs_f64()));
    let catch_up = Latency::of(&timeline.catch_up);
    let rejoin = check.rejoin.as_ref().map(Latency::of).unwrap_or_default();
    let resumed = check.resumed.as_ref().map(Latency::of).unwrap_or_default();
    let mut table = Table::new(&[
        "clients",
        "back",
        "all back (s)",
        "caught up",
        "all caught up (s)",
        "rejoin p50 / p99 (ms)",
        "replay p50 / p99 (ms)",
        "gaps / doubles / wrong counts",
        "extra reconnects",
        "server CPU %",
        "bench CPU %",
        "server RSS (MiB)",
    ]);
    table.row(vec![
        count.to_string(),
        timeline.back.to_string(),
        seconds(timeline.all_back),
        timeline.caught.to_string(),
        seconds(timeline.all_caught),
        format!(
            "{} / {}",
            report::ms(rejoin.p50_ms),
            report::ms(rejoin.p99_ms)
        ),
        format!(
            "{} / {}",
            report::ms(resumed.p50_ms),
            report::ms(resumed.p99_ms)
        ),
        format!(
            "{} / {} / {}",
            check.gaps, check.doubles, check.wrong_counts
        ),
        check.extra_reconnects.to_string(),
        report::opt(usage.server_cpu, 0),
        report::opt(usage.bench_cpu, 0),
        report::opt(usage.server_rss_kib.map(mib), 1),
    ]);
    section.tables.push(table);
    let caught_in = timeline.all_caught.map(|d| d.as_secs_f64());
    section.notes.push(
        "rejoin: a client's reconnect (after its jitter) to its subscribe answered; \
         replay: the same start to having every event up to the head its reply named"
            .into(),
    );
    section.target(
        "19,000 clients caught up within 3 s of the drop",
        format!("{count} clients, {} s", seconds(timeline.all_caught)),
        count >= 19_000 && caught_in.is_some_and(|s| s <= 3.0),
    );
    if count < 19_000 {
        section.notes.push(format!(
            "ran with {count} clients; the target is stated for 19,000"
        ));
    }
    if (timeline.caught as usize) < count {
        section.failures.push(format!(
            "{} of {count} clients caught up within {} s",
            timeline.caught, args.timeout
        ));
    }
    if check.gaps + check.doubles + check.wrong_counts + check.short > 0
        || check.missing_clients > 0
    {
        section.failures.push(format!(
            "clients with gaps {}, with doubles {}, with a wrong message count {}, short of the final offset {}, not reporting {}",
            check.gaps, check.doubles, check.wrong_counts, check.short, check.missing_clients
        ));
    }
    if check.error_count > 0 {
        section.failures.push(format!(
            "{} clients saw errors: {}",
            check.error_count,
            check.errors.join("; ")
        ));
    }
    section.data = json!({
        "clients": count,
        "teams": args.teams,
        "rate": args.rate,
        "jitter_ms": args.jitter_ms,
        "messages_acked": acked,
        "back": timeline.back,
        "all_back_seconds": timeline.all_back.map(|d| d.as_secs_f64()),
        "caught_up": timeline.caught,
        "all_caught_up_seconds": caught_in,
        "caught_up_after_drop": catch_up,
        "rejoin_latency": rejoin,
        "replay_latency": resumed,
        "clients_with_gaps": check.gaps,
        "clients_with_doubles": check.doubles,
        "clients_with_wrong_counts": check.wrong_counts,
        "clients_short": check.short,
        "extra_reconnects": check.extra_reconnects,
        "server_cpu_percent": usage.server_cpu,
        "bench_cpu_percent": usage.bench_cpu,
        "server_rss_kib": usage.server_rss_kib,
    });
}
