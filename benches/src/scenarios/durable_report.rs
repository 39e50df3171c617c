//! The durable bench's report: what one run measured, and the section made
//! of every run (medians with their range per server, the ratio this build
//! / compared, every run's figures, the target on this build's medians).

use super::durable::DurableArgs;
use super::runs::{Figure, Measured, Runs};
use crate::report::{self, Latency, Section};
use serde_json::{json, Value};

/// The goal: acknowledged sends per second (median of the runs)...
const TARGET_RATE: f64 = 20_000.0;
/// ...with the acknowledgement's p99 at most this, in milliseconds.
const TARGET_P99_MS: f64 = 20.0;

/// What one run of `durable` measured.
pub(super) struct DurableRun {
    /// The server it ran against.
    pub(super) server: String,
    pub(super) teams: usize,
    pub(super) conversations: usize,
    /// Acknowledgements per second within the window.
    pub(super) rate: f64,
    pub(super) ack: Latency,
    pub(super) acked_in_window: u64,
    pub(super) acked: u64,
    pub(super) refused: u64,
    pub(super) duplicates: u64,
    /// The first few refusals.
    pub(super) refusals: Vec<String>,
    pub(super) server_cpu: Option<f64>,
    pub(super) disk_kib_per_ack: Option<f64>,
}

impl Measured for DurableRun {
    fn failures(&self) -> Vec<String> {
        if self.refused == 0 && self.duplicates == 0 {
            return Vec::new();
        }
        let samples: Vec<&str> = self.refusals.iter().take(3).map(String::as_str).collect();
        vec![format!(
            "{} sends refused, {} acknowledged as duplicates: {}",
            self.refused,
            self.duplicates,
            samples.join("; ")
        )]
    }

    fn data(&self) -> Value {
        json!({
            "teams": self.teams,
            "conversations": self.conversations,
            "acked_in_window": self.acked_in_window,
            "acked_total": self.acked,
            "acks_per_second": self.rate,
            "ack_latency": self.ack,
            "refused": self.refused,
            "duplicates": self.duplicates,
            "server_cpu_percent": self.server_cpu,
            "server_disk_kib_per_ack": self.disk_kib_per_ack,
        })
    }
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}

/// The columns, summarised and per run.
fn figures() -> Vec<Figure<DurableRun>> {
    let ms = |header, value: fn(&DurableRun) -> Option<f64>| Figure {
        header,
        value,
        show: report::ms,
        ratio: true,
    };
    vec![
        Figure {
            header: "acks/s",
            value: |r| Some(r.rate),
            show: count,
            ratio: true,
        },
        ms("ack p50 (ms)", |r| Some(r.ack.p50_ms)),
        ms("ack p99 (ms)", |r| Some(r.ack.p99_ms)),
        ms("ack p99.9 (ms)", |r| Some(r.ack.p999_ms)),
        ms("ack max (ms)", |r| Some(r.ack.max_ms)),
        Figure {
            header: "refused",
            value: |r| Some(r.refused as f64),
            show: count,
            ratio: false,
        },
        Figure {
            header: "server CPU %",
            value: |r| r.server_cpu,
            show: count,
            ratio: true,
        },
        Figure {
            header: "disk KiB written / ack",
            value: |r| r.disk_kib_per_ack,
            show: |v| format!("{v:.1}"),
            ratio: true,
        },
    ]
}

/// The section for every run of `durable`.
pub(super) fn section(args: &DurableArgs, runs: &Runs<DurableRun>) -> Section {
    let mut section = Section::new("durable", String::new());
    let first = runs.of(0).next();
    section.title = format!(
        "{} senders x {} in flight, closed loop, over {} conversations in {} teams, \
         {}-byte bodies, {} s per run; {}.",
        args.senders,
        args.in_flight,
        first.map_or(0, |r| r.conversations),
        first.map_or(0, |r| r.teams),
        args.body_bytes,
        args.duration,
        runs.how()
    );
    let figures = figures();
    section.tables.extend(runs.tables(&figures));
    if let Some(first) = first {
        section.notes.push(format!("first run: {}", first.server));
    }
    let rate = |c| runs.spread(c, |r| Some(r.rate));
    let p99 = |c| runs.spread(c, |r| Some(r.ack.p99_ms));
    section.target(
        ">= 20,000 acknowledged sends/s with p99 <= 20 ms (medians of the runs)",
        runs.observed(|c| {
            format!(
                "{}/s, p99 {} ms",
                rate(c).cell(count),
                p99(c).cell(report::ms)
            )
        }),
        rate(0).n > 0 && rate(0).median >= TARGET_RATE && p99(0).median <= TARGET_P99_MS,
    );
    section.failures.extend(runs.failures.iter().cloned());
    section.data = json!({
        "senders": args.senders,
        "in_flight": args.in_flight,
        "body_bytes": args.body_bytes,
        "window_seconds": args.duration,
        "runs": runs.json(&figures),
    });
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> DurableArgs {
        DurableArgs {
            senders: 8,
            in_flight: 32,
            teams: 4,
            conversations: 4,
            duration: 5,
            body_bytes: 200,
        }
    }

    fn run(rate: f64, p99_ms: f64, duplicates: u64) -> DurableRun {
        DurableRun {
            server: String::new(),
            teams: 4,
            conversations: 16,
            rate,
            ack: Latency {
                count: 1,
                p99_ms,
                ..Latency::default()
            },
            acked_in_window: rate as u64,
            acked: rate as u64,
            refused: 0,
            duplicates,
            refusals: Vec::new(),
            server_cpu: None,
            disk_kib_per_ack: None,
        }
    }

    fn section_of(runs: Vec<DurableRun>) -> Section {
        let mut all = Runs::new(vec!["this build".into()], 3);
        for (n, r) in runs.into_iter().enumerate() {
            all.record(0, n as u32, Ok(r));
        }
        section(&args(), &all)
    }

    #[test]
    fn the_target_needs_both_medians_one_slow_run_does_not_decide() {
        let met = section_of(vec![
            run(21_000.0, 18.0, 0),
            run(9_000.0, 60.0, 0),
            run(22_000.0, 19.0, 0),
        ]);
        assert!(met.targets[0].met, "{:?}", met.targets);
        let slow = section_of(vec![
            run(21_000.0, 21.0, 0),
            run(25_000.0, 25.0, 0),
            run(22_000.0, 19.0, 0),
        ]);
        assert!(!slow.targets[0].met);
        let few = section_of(vec![run(19_000.0, 10.0, 0), run(21_000.0, 10.0, 0)]);
        assert!(
            few.targets[0].met,
            "the median of two is their mean: 20,000"
        );
    }

    #[test]
    fn a_send_acknowledged_as_a_duplicate_fails_the_report() {
        let section = section_of(vec![run(21_000.0, 18.0, 0), run(21_000.0, 18.0, 2)]);
        assert_eq!(section.failures.len(), 1);
        assert!(section.failures[0].starts_with("this build, run 2: 0 sends refused, 2"));
    }
}
