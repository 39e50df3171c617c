//! The scenarios, one file each. Every scenario prepares its own server
//! (a fresh child process on a fresh folder, or `--url`), runs, and returns
//! a [`Section`](crate::report::Section) of the report; `all` runs them in
//! turn at moderate sizes.
//!
//! Sizes are checked against the open-files limit before anything starts:
//! the bench and the server each hold one descriptor per connection.

pub(crate) mod all;
pub(crate) mod blast;
pub(crate) mod contacts;
mod contacts_search;
pub(crate) mod durable;
mod durable_report;
pub(crate) mod fanout;
mod fanout_cluster;
mod fanout_cluster_figures;
mod fanout_cluster_report;
mod fanout_compare;
mod fanout_peers;
mod fanout_plot;
mod fanout_report;
mod fanout_rounds;
mod fanout_steps;
mod fanout_switchboard;
pub(crate) mod history;
pub(crate) mod idle;
pub(crate) mod ramp;
pub(crate) mod reports;
mod runs;
mod runs_report;
pub(crate) mod storm;
mod storm_client;
mod storm_report;
mod subscriber;
pub(crate) mod widget;

use crate::proc_stats::ProcSample;
use crate::report::Section;
use crate::seed::SeedPlan;
use crate::target::{ServerArgs, Target};

/// KiB as MiB.
pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Clamps a requested connection count to what the open-files limit allows,
/// noting it in the section when it had to.
pub(crate) fn capped(requested: usize, section: &mut Section) -> usize {
    let cap = crate::target::connection_cap();
    if requested > cap {
        section.notes.push(format!(
            "{requested} connections requested; capped at {cap} by the open-files limit \
             (ulimit -n) less a margin"
        ));
        cap
    } else {
        requested
    }
}

/// A server seeded for a crowd of `requested` clients (capped, see
/// [`capped`]) spread over `teams` teams, each client a user of its team:
/// the target, the client count, and the teams there really are (one with
/// `--url`, whatever was asked).
pub(crate) async fn crowd_target(
    server: &ServerArgs,
    requested: usize,
    teams: u32,
    section: &mut Section,
) -> anyhow::Result<(Target, usize, usize)> {
    let count = capped(requested, section);
    let plan = SeedPlan {
        teams: teams as usize,
        users_per_team: count.div_ceil(teams as usize).clamp(1, 200),
        senders: 1,
        conversations_per_team: 1,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(server, &plan).await?;
    let teams = target.layout.teams.len();
    Ok((target, count, teams))
}

/// Server CPU between two samples, in percent of one core.
pub(crate) fn cpu(before: Option<ProcSample>, after: Option<ProcSample>) -> Option<f64> {
    Some(after?.cpu_percent_since(&before?))
}
