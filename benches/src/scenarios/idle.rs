//! `idle`: what an idle connection costs the server. N authenticated
//! clients (hello and subscribe, spread over teams) connect and then do
//! nothing; once the server has settled, its resident memory against its
//! baseline gives the cost per connection, and its CPU time over a quiet
//! window gives what idling costs.
//!
//! The baseline is taken after the server has started and before any
//! client connects; it includes the allocator's and sled's warm-up, so the
//! per-connection figure is what connections add on top.

use super::{cpu, crowd_target, mib};
use crate::crowd::{self, Plan};
use crate::report::{self, Latency, Section, Table};
use crate::target::ServerArgs;
use serde_json::json;
use std::time::Duration;

/// The goal: server memory per idle connection, in KiB.
const TARGET_KIB: f64 = 8.0;

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

/// Runs `idle`.
pub(crate) async fn run(server: &ServerArgs, args: &IdleArgs) -> anyhow::Result<Section> {
    let mut section = Section::new("idle", String::new());
    let (target, count, teams) =
        crowd_target(server, args.connections, args.teams, &mut section).await?;
    section.title = format!(
        "{count} idle connections (hello + subscribe) over {teams} teams; {}.",
        target.describe()
    );
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
    let kib_per_conn = per_conn(rss_base, rss_held);
    let bench_kib = per_conn(
        bench_before.map(|s| s.rss_kib),
        bench_after.map(|s| s.rss_kib),
    );
    let idle_cpu = cpu(quiet_start, quiet_end);
    let setup = Latency::of(&joining.setup);

    let mut table = Table::new(&[
        "connections",
        "joined",
        "failed",
        "server RSS before (MiB)",
        "server RSS held (MiB)",
        "server KiB / connection",
        "idle server CPU %",
        "server fds",
        "bench KiB / connection",
    ]);
    table.row(vec![
        count.to_string(),
        joined.to_string(),
        joining.failures.to_string(),
        report::opt(rss_base.map(mib), 1),
        report::opt(rss_held.map(mib), 1),
        report::opt(kib_per_conn, 2),
        report::opt(idle_cpu, 2),
        fds.map_or("-".into(), |n| n.to_string()),
        report::opt(bench_kib, 1),
    ]);
    section.tables.push(table);
    section.notes.push(format!(
        "joined in {:.2} s ({:.0}/s); setup p50 {} ms, p99 {} ms",
        joining.elapsed.as_secs_f64(),
        report::per_second(joined as u64, joining.elapsed),
        report::ms(setup.p50_ms),
        report::ms(setup.p99_ms)
    ));
    match kib_per_conn {
        Some(kib) => section.target(
            "server memory <= 8 KiB per idle connection",
            format!("{kib:.2} KiB"),
            kib <= TARGET_KIB,
        ),
        None => section
            .notes
            .push("server memory unknown (pass --server-pid with --url)".into()),
    }
    if joining.failures > 0 {
        section.failures.push(format!(
            "{} of {count} clients could not join: {}",
            joining.failures,
            joining.failure_samples.join("; ")
        ));
    }
    section.data = json!({
        "connections": count,
        "teams": teams,
        "joined": joined,
        "failed": joining.failures,
        "join_seconds": joining.elapsed.as_secs_f64(),
        "setup_latency": setup,
        "server_rss_baseline_kib": rss_base,
        "server_rss_held_kib": rss_held,
        "server_kib_per_connection": kib_per_conn,
        "server_idle_cpu_percent": idle_cpu,
        "idle_window_seconds": args.window,
        "server_open_fds": fds,
        "bench_kib_per_connection": bench_kib,
    });
    crowd::close_all(joining.members).await;
    Ok(section)
}
