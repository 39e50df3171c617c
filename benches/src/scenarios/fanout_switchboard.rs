//! A Switchboard server brought up for the fan-out steps (this build's or
//! the `--compare` one's): started and seeded on a fresh folder, its
//! subscribers joined to their teams and its senders connected; then it
//! is a contender in [`drive`](super::fanout_steps::drive), as a peer is.

use super::fanout::{Who, Workload};
use super::fanout_steps::{Contender, Holder, Reader};
use super::subscriber::Inbound;
use crate::crowd;
use crate::report::Section;
use crate::seed::SeedPlan;
use crate::sender::{Crew, Fleet};
use crate::target::{ServerArgs, Target};
use crate::traffic::Clock;
use std::sync::Arc;

/// Starts and seeds a Switchboard server from `server`'s binary, joins the
/// subscribers and connects the senders; describes it in the section's
/// title (for [`Who::ThisBuild`] the whole run's shape, for another only
/// where it runs).
pub(super) async fn up(
    server: &ServerArgs,
    workload: &Workload<'_>,
    count: usize,
    who: Who,
    section: &mut Section,
) -> anyhow::Result<Contender> {
    let args = workload.args;
    let groups = &workload.groups;
    let plan = SeedPlan {
        teams: workload.teams(),
        users_per_team: groups
            .iter()
            .map(|g| g.subscribers)
            .max()
            .unwrap_or(1)
            .min(200),
        senders: args.senders as usize,
        conversations_per_team: 1,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(server, &plan).await?;
    let shape: Vec<String> = groups
        .iter()
        .map(|g| format!("{} x {} subscribers", g.teams, g.subscribers))
        .collect();
    section.title = if who != Who::ThisBuild {
        target.describe()
    } else {
        format!(
            "fan-out, {} ({} subscribers), {} senders, {}-byte bodies, {} s per step; {}.",
            shape.join(" + "),
            workload.subscribers(),
            args.senders,
            args.body_bytes,
            args.duration,
            target.describe()
        )
    };
    if target.layout.teams.len() < workload.teams() {
        anyhow::bail!("--url gives one team; run fanout with --teams 1 against it");
    }
    let joining = crowd::join(&target, workload.plan(count, "subscribing")).await;
    if joining.failures > 0 {
        anyhow::bail!(
            "{} subscribers could not join: {}",
            joining.failures,
            joining.failure_samples.join("; ")
        );
    }
    let readers = joining
        .members
        .into_iter()
        .map(|m| Reader {
            index: m.index,
            team: m.team,
            inbound: Inbound::Switchboard(m.socket),
        })
        .collect();
    let clock = Arc::new(Clock::new());
    let crew = Crew::Switchboard {
        endpoint: target.endpoint.clone(),
        tokens: target.layout.sender_tokens.clone(),
        conversations: target.layout.first_conversations(),
    };
    let fleet = Fleet::connect(crew, Arc::clone(&target.sources), Arc::clone(&clock)).await?;
    let pid = target.pid;
    Ok(Contender::start(
        who,
        workload,
        clock,
        readers,
        fleet,
        pid,
        Holder::Switchboard(target),
    ))
}
