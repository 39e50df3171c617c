//! `idle`: what an idle connection costs the server. N authenticated
//! clients (hello and subscribe, spread over teams) connect and then do
//! nothing; once the server has settled, its resident memory against its
//! baseline gives the cost per connection, and its CPU time over a quiet
//! window gives what idling costs.
//!
//! The baseline is taken after the server has started and before any
//! client connects; it includes the allocator's and sled's warm-up, so the
//! per-connection figure is what connections add on top. Each of the
//! `--repeat` runs has a fresh server, alternating with `--compare`'s
//! binary when one is given; the target is on this build's median.

use super::runs::{self, Figure, Measured, Runs};
use super::{cpu, crowd_target, mib};
use crate::crowd::{self, Plan};
use crate::report::{self, Latency, Section};
use crate::target::ServerArgs;
use serde_json::{json, Value};
use std::time::Duration;

/// The goal: server memory per idle connection, in KiB.
const TARGET_KIB: f64 = 6.0;

/// Options of `idle`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct IdleArgs {
    /// Connections to hold (capped by the open-files limit).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) connections: usize,
    /// Teams the connections are spread over.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) teams: u32,
    /// Clients joining at once.
    #[arg(long, default_value_t = 256)]
    pub(crate) concurrency: usize,
    /// Seconds to let the server settle once everyone has joined.
    #[arg(long, default_value_t = 2)]
    pub(crate) settle: u64,
    /// Seconds over which idle CPU is measured.
    #[arg(long, default_value_t = 5)]
    pub(crate) window: u64,
}

/// What one run of `idle` measured.
struct IdleRun {
    /// The server it ran against.
    server: String,
    connections: usize,
    teams: usize,
    joined: usize,
    failed: u64,
    failure_samples: Vec<String>,
    join_seconds: f64,
    setup: Latency,
    rss_base_kib: Option<u64>,
    rss_held_kib: Option<u64>,
    kib_per_conn: Option<f64>,
    idle_cpu: Option<f64>,
    fds: Option<usize>,
    bench_kib_per_conn: Option<f64>,
    /// Notes from the capping of the connection count.
    notes: Vec<String>,
}

/// Runs `idle`: `--repeat` runs per server, each on a fresh one.
pub(crate) async fn run(server: &ServerArgs, args: &IdleArgs) -> anyhow::Result<Section> {
    let runs = runs::repeat(server, "idle", |server| once(server, args)).await?;
    Ok(section(args, &runs))
}

/// One run against a fresh server (or `--url`).
async fn once(server: ServerArgs, args: &IdleArgs) -> anyhow::Result<IdleRun> {
    let mut capping = Section::new("idle", String::new());
    let (target, count, teams) =
        crowd_target(&server, args.connections, args.teams, &mut capping).await?;
    crate::progress::wait(Duration::from_secs(1), "warming").await;
    let baseline = target.sample();
    let bench_before = crate::proc_stats::sample_self();

    let joining = crowd::join(&target, Plan::spread(count, teams, args.concurrency)).await;
    let joined = joining.members.len();
    crate::progress::wait(Duration::from_secs(args.settle), "settling").await;
    let quiet_start = target.sample();
    crate::progress::wait(Duration::from_secs(args.window), "idle").await;
    let quiet_end = target.sample();
    let fds = target.open_fds();
    let bench_after = crate::proc_stats::sample_self();

    let per_conn = |before: Option<u64>, after: Option<u64>| -> Option<f64> {
        let (before, after) = (before?, after?);
        (joined > 0).then(|| after.saturating_sub(before) as f64 / joined as f64)
    };
    let rss_base = baseline.map(|s| s.rss_kib);
    let rss_held = quiet_end.map(|s| s.rss_kib);
    let measured = IdleRun {
        server: target.describe(),
        connections: count,
        teams,
        joined,
        failed: joining.failures,
        failure_samples: joining.failure_samples,
        join_seconds: joining.elapsed.as_secs_f64(),
        setup: Latency::of(&joining.setup),
        rss_base_kib: rss_base,
        rss_held_kib: rss_held,
        kib_per_conn: per_conn(rss_base, rss_held),
        idle_cpu: cpu(quiet_start, quiet_end),
        fds,
        bench_kib_per_conn: per_conn(
            bench_before.map(|s| s.rss_kib),
            bench_after.map(|s| s.rss_kib),
        ),
        notes: capping.notes,
    };
    crowd::close_all(joining.members).await;
    Ok(measured)
}

impl Measured for IdleRun {
    fn failures(&self) -> Vec<String> {
        if self.failed == 0 {
            return Vec::new();
        }
        vec![format!(
            "{} of {} clients could not join: {}",
            self.failed,
            self.connections,
            self.failure_samples.join("; ")
        )]
    }

    fn data(&self) -> Value {
        json!({
            "connections": self.connections,
            "teams": self.teams,
            "joined": self.joined,
            "failed": self.failed,
            "join_seconds": self.join_seconds,
            "setup_latency": self.setup,
            "server_rss_baseline_kib": self.rss_base_kib,
            "server_rss_held_kib": self.rss_held_kib,
            "server_kib_per_connection": self.kib_per_conn,
            "server_idle_cpu_percent": self.idle_cpu,
            "server_open_fds": self.fds,
            "bench_kib_per_connection": self.bench_kib_per_conn,
        })
    }
}

/// The columns, summarised and per run.
fn figures() -> Vec<Figure<IdleRun>> {
    vec![
        Figure {
            header: "joined",
            value: |r| Some(r.joined as f64),
            show: |v| format!("{v:.0}"),
            ratio: false,
        },
        Figure {
            header: "server RSS before (MiB)",
            value: |r| r.rss_base_kib.map(mib),
            show: |v| format!("{v:.1}"),
            ratio: true,
        },
        Figure {
            header: "server RSS held (MiB)",
            value: |r| r.rss_held_kib.map(mib),
            show: |v| format!("{v:.1}"),
            ratio: true,
        },
        Figure {
            header: "server KiB / connection",
            value: |r| r.kib_per_conn,
            show: |v| format!("{v:.2}"),
            ratio: true,
        },
        Figure {
            header: "idle server CPU %",
            value: |r| r.idle_cpu,
            show: |v| format!("{v:.2}"),
            ratio: false,
        },
        Figure {
            header: "server fds",
            value: |r| r.fds.map(|n| n as f64),
            show: |v| format!("{v:.0}"),
            ratio: false,
        },
        Figure {
            header: "join s",
            value: |r| Some(r.join_seconds),
            show: |v| format!("{v:.2}"),
            ratio: true,
        },
        Figure {
            header: "bench KiB / connection",
            value: |r| r.bench_kib_per_conn,
            show: |v| format!("{v:.1}"),
            ratio: false,
        },
    ]
}

/// The section for every run of `idle`.
fn section(args: &IdleArgs, runs: &Runs<IdleRun>) -> Section {
    let mut section = Section::new("idle", String::new());
    let first = runs.of(0).next();
    section.title = format!(
        "{} idle connections (hello + subscribe) over {} teams; {}.",
        first.map_or(args.connections, |r| r.connections),
        first.map_or(0, |r| r.teams),
        runs.how()
    );
    let figures = figures();
    section.tables.extend(runs.tables(&figures));
    if let Some(first) = first {
        section.notes.extend(first.notes.iter().cloned());
        section.notes.push(format!(
            "first run: {}; setup p50 {} ms, p99 {} ms",
            first.server,
            report::ms(first.setup.p50_ms),
            report::ms(first.setup.p99_ms)
        ));
    }
    let kib = |c| runs.spread(c, |r| r.kib_per_conn);
    if kib(0).n > 0 {
        section.target(
            "server memory <= 6 KiB per idle connection (median of the runs)",
            runs.observed(|c| format!("{} KiB", kib(c).cell(|v| format!("{v:.2}")))),
            kib(0).median <= TARGET_KIB,
        );
    } else {
        section
            .notes
            .push("server memory unknown (pass --server-pid with --url)".into());
    }
    section.failures.extend(runs.failures.iter().cloned());
    section.data = json!({
        "idle_window_seconds": args.window,
        "runs": runs.json(&figures),
    });
    section
}
