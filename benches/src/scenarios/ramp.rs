//! `ramp`: how fast clients can arrive. N clients connect with at most C
//! in flight at once; each counts once its TCP connect, WebSocket
//! handshake, hello/welcome and subscribe/subscribed are all done. The rate
//! is joined clients over the time from the first connect to the last
//! reply; failures (refused, timed out, closed) are counted apart.
//!
//! The connections stay open until the end, like a fleet of clients coming
//! back after a deploy, so the server carries all of them at the top of the
//! ramp.

use super::{cpu, crowd_target, mib};
use crate::crowd::{self, Plan};
use crate::report::{self, Latency, Section, Table};
use crate::target::ServerArgs;
use serde_json::json;
use std::time::Duration;

/// The goal, in joined clients per second.
const TARGET_PER_SECOND: f64 = 5_000.0;

/// Options of `ramp`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RampArgs {
    /// Clients to connect (capped by the open-files limit).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) connections: usize,
    /// Clients between connect and subscribed at once.
    #[arg(long, default_value_t = 256)]
    pub(crate) concurrency: usize,
    /// Teams the clients are spread over.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) teams: u32,
}

/// Runs `ramp`.
pub(crate) async fn run(server: &ServerArgs, args: &RampArgs) -> anyhow::Result<Section> {
    let mut section = Section::new("ramp", String::new());
    let (target, count, teams) =
        crowd_target(server, args.connections, args.teams, &mut section).await?;
    section.title = format!(
        "{count} clients joining (TCP + WebSocket handshake + hello + subscribe), \
         {} at once, over {teams} teams; {}.",
        args.concurrency,
        target.describe()
    );
    crate::progress::wait(Duration::from_secs(1), "warming").await;
    let before = target.sample();
    let mut plan = Plan::spread(count, teams, args.concurrency);
    plan.label = "ramp";
    let joining = crowd::join(&target, plan).await;
    let after = target.sample();
    let joined = joining.members.len() as u64;
    let rate = report::per_second(joined, joining.elapsed);
    let setup = Latency::of(&joining.setup);
    let server_cpu = cpu(before, after);

    let mut table = Table::new(&[
        "clients",
        "concurrency",
        "joined",
        "failed",
        "seconds",
        "joined / s",
        "setup p50 (ms)",
        "setup p99 (ms)",
        "setup max (ms)",
        "server CPU %",
        "server RSS after (MiB)",
    ]);
    let cells = setup.cells();
    table.row(vec![
        count.to_string(),
        args.concurrency.to_string(),
        joined.to_string(),
        joining.failures.to_string(),
        format!("{:.2}", joining.elapsed.as_secs_f64()),
        format!("{rate:.0}"),
        cells[0].clone(),
        cells[1].clone(),
        cells[3].clone(),
        report::opt(server_cpu, 0),
        report::opt(after.map(|s| mib(s.rss_kib)), 1),
    ]);
    section.tables.push(table);
    section.target(
        ">= 5,000 clients joined per second",
        format!("{rate:.0}/s"),
        rate >= TARGET_PER_SECOND,
    );
    if joining.failures > 0 {
        section.failures.push(format!(
            "{} of {count} clients could not join: {}",
            joining.failures,
            joining.failure_samples.join("; ")
        ));
    }
    section.data = json!({
        "connections": count,
        "concurrency": args.concurrency,
        "teams": teams,
        "joined": joined,
        "failed": joining.failures,
        "failure_samples": joining.failure_samples,
        "seconds": joining.elapsed.as_secs_f64(),
        "joined_per_second": rate,
        "setup_latency": setup,
        "server_cpu_percent": server_cpu,
        "server_rss_after_kib": after.map(|s| s.rss_kib),
    });
    crowd::close_all(joining.members).await;
    Ok(section)
}
