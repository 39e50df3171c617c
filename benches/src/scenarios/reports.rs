//! `reports`: whether reports on a large team slow down the other teams.
//! The first team is seeded with a long archive (`--conversations`, each
//! with a contact's message and an answer); closed-loop senders write to
//! the other teams. Four phases of `--duration` seconds run in one go:
//! sends alone; sends while `--reporters` connections each ask for the
//! first team's whole-log report over and over; the same with reports of
//! the last hour only (the archive spans days); sends alone again. The
//! sends' latency of each phase is reported side by side, with the ratios
//! of the phases under reports to the quiet ones.
//!
//! Reports run on the server's blocking pool, a few at a time, so the
//! threads that serve the other teams should not notice them.

use super::durable::{connect, connect_senders, Load, SenderTally};
use crate::report::{self, Latency, Section, Table};
use crate::seed::SeedPlan;
use crate::target::{ServerArgs, Target};
use crate::wire;
use anyhow::Context;
use futures::SinkExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::deliver::Report;
use switchboard_protocol::ids::{ConversationId, Millis, RequestId, TeamId};
use switchboard_protocol::server::{Reply, ServerFrame};
use switchboard_protocol::ErrorCode;
use switchboard_server::time::now;

/// How long one report may take before the run gives up on it.
const REPORT_PATIENCE: Duration = Duration::from_secs(300);

/// Options of `reports`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ReportsArgs {
    /// Conversations in the reported team's archive.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) conversations: u64,
    /// Other teams, which the senders write to.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) teams: u32,
    /// Sending connections.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) senders: u32,
    /// Sends in flight per sender.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) in_flight: u32,
    /// Connections asking for reports at once in the middle phase.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub(crate) reporters: u32,
    /// Seconds of each phase.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) duration: u64,
}

/// An hour, in milliseconds.
const HOUR: u64 = 3_600_000;

/// The report the reporters ask for.
#[derive(Clone)]
struct Asked {
    team: TeamId,
    /// A Manager's token.
    owner: String,
    /// The last this many milliseconds; the whole log when None.
    period: Option<u64>,
}

/// What one phase measured.
struct Phase {
    name: &'static str,
    sends: u64,
    refused: u64,
    latency: Latency,
    reports: Reports,
}

/// What the reporters of a phase did.
#[derive(Default)]
struct Reports {
    done: u64,
    refused: u64,
    failed: Vec<String>,
    seconds: Vec<f64>,
}

/// Runs `reports`.
pub(crate) async fn run(server: &ServerArgs, args: &ReportsArgs) -> anyhow::Result<Section> {
    let mut section = Section::new("reports", String::new());
    let plan = SeedPlan {
        teams: args.teams as usize + 1,
        users_per_team: 1,
        senders: args.senders as usize,
        conversations_per_team: 1,
        history: 0,
        archive: args.conversations as usize,
    };
    let seeding = Instant::now();
    let target = Target::prepare(server, &plan).await?;
    let seed_seconds = seeding.elapsed().as_secs_f64();
    let reported = target.layout.teams[0].id;
    let owner = target
        .layout
        .owner_token
        .clone()
        .context("reports need a Manager's token")?;
    // The senders write to every team but the reported one.
    let conversations: Arc<[ConversationId]> = target
        .layout
        .teams
        .iter()
        .skip(1)
        .flat_map(|t| t.conversations.iter().copied())
        .collect();
    section.title = format!(
        "{} senders x {} in flight over {} other teams, {} s per phase; the reported team \
         holds {} archived conversations (one every 2 s until now), {} reporters in the \
         middle phases; {}.",
        args.senders,
        args.in_flight,
        args.teams,
        args.duration,
        args.conversations,
        args.reporters,
        target.describe()
    );
    let mut phases = Vec::new();
    for (name, reporters, period) in [
        ("without reports", 0, None),
        ("with whole-log reports", args.reporters, None),
        ("with reports of the last hour", args.reporters, Some(HOUR)),
        ("without reports, again", 0, None),
    ] {
        let asked = Asked {
            team: reported,
            owner: owner.clone(),
            period,
        };
        phases.push(phase(&target, args, &conversations, name, reporters, asked).await?);
    }

    let mut table = Table::new(&[
        "phase",
        "acked sends",
        "sends/s",
        "p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "max (ms)",
        "reports done",
        "report median (s)",
        "reports refused",
    ]);
    let window = Duration::from_secs(args.duration);
    for p in &phases {
        let [p50, p99, p999, max] = p.latency.cells();
        table.row(vec![
            p.name.to_string(),
            p.sends.to_string(),
            format!("{:.0}", report::per_second(p.sends, window)),
            p50,
            p99,
            p999,
            max,
            p.reports.done.to_string(),
            report::opt(median(&p.reports.seconds), 2),
            p.reports.refused.to_string(),
        ]);
    }
    section.tables.push(table);
    let quiet = |f: fn(&Latency) -> f64| (f(&phases[0].latency) + f(&phases[3].latency)) / 2.0;
    let ratio = |with: f64, without: f64| if without > 0.0 { with / without } else { 0.0 };
    let mut ratios = Vec::new();
    for loaded in &phases[1..3] {
        let p50 = ratio(loaded.latency.p50_ms, quiet(|l| l.p50_ms));
        let p99 = ratio(loaded.latency.p99_ms, quiet(|l| l.p99_ms));
        section.notes.push(format!(
            "{} / without (mean of the two quiet phases): p50 x{p50:.2}, p99 x{p99:.2}",
            loaded.name
        ));
        ratios.push(json!({"phase": loaded.name, "p50_ratio": p50, "p99_ratio": p99}));
    }
    let p99_ratio = ratio(phases[1].latency.p99_ms, quiet(|l| l.p99_ms));
    if target.started {
        section
            .notes
            .push(format!("seeding and starting took {seed_seconds:.1} s"));
    }
    section.target(
        "the other teams' p99 under whole-log reports within 1.5x of without",
        format!("x{p99_ratio:.2}"),
        p99_ratio <= 1.5,
    );
    for loaded in &phases[1..3] {
        if loaded.reports.done == 0 {
            section
                .failures
                .push(format!("{}: no report completed", loaded.name));
        }
    }
    for p in &phases {
        if p.refused > 0 {
            section
                .failures
                .push(format!("{}: {} sends refused", p.name, p.refused));
        }
        if let Some(failure) = p.reports.failed.first() {
            section
                .failures
                .push(format!("{}: a report failed: {failure}", p.name));
        }
    }
    section.data = json!({
        "conversations": args.conversations,
        "teams": args.teams,
        "senders": args.senders,
        "in_flight": args.in_flight,
        "reporters": args.reporters,
        "phase_seconds": args.duration,
        "phases": phases.iter().map(|p| json!({
            "name": p.name,
            "acked": p.sends,
            "latency": p.latency,
            "reports_done": p.reports.done,
            "reports_refused": p.reports.refused,
            "report_median_seconds": median(&p.reports.seconds),
        })).collect::<Vec<_>>(),
        "ratios": ratios,
    });
    Ok(section)
}

/// One phase: the senders for `--duration` seconds, and `reporters`
/// connections asking for reports meanwhile.
async fn phase(
    target: &Target,
    args: &ReportsArgs,
    conversations: &Arc<[ConversationId]>,
    name: &'static str,
    reporters: u32,
    asked: Asked,
) -> anyhow::Result<Phase> {
    let window = Duration::from_secs(args.duration);
    let sockets = connect_senders(target, args.senders).await?;
    let mut reporting = Vec::new();
    for _ in 0..reporters {
        let owner = asked.owner.clone();
        reporting.push(connect(&target.endpoint, owner, target.sources.pick()).await?);
    }
    let start = Instant::now();
    let window_end = start + window;
    let reporters: Vec<_> = reporting
        .into_iter()
        .map(|socket| tokio::spawn(report_loop(socket, asked.clone(), window_end)))
        .collect();
    let load = Load {
        run: crate::traffic::Clock::new().run,
        conversations: Arc::clone(conversations),
        in_flight: args.in_flight as usize,
        body: "r".repeat(200),
        window_end,
    };
    let senders = load.start(sockets);
    crate::progress::wait(window, name).await;
    let senders = SenderTally::of(senders).await?;
    let mut reports = Reports::default();
    for task in reporters {
        let r = task.await.context("a reporter task failed")??;
        reports.done += r.done;
        reports.refused += r.refused;
        reports.failed.extend(r.failed);
        reports.seconds.extend(r.seconds);
    }
    Ok(Phase {
        name,
        sends: senders.acked_in_window,
        refused: senders.error_count,
        latency: Latency::of(&senders.latency),
        reports,
    })
}

/// Asks for the report, one at a time, until `end`; waits for the last one.
async fn report_loop(
    mut socket: wire::Socket,
    asked: Asked,
    end: Instant,
) -> anyhow::Result<Reports> {
    let mut reports = Reports::default();
    let mut id = 0;
    while Instant::now() < end {
        id += 1;
        let from = asked
            .period
            .map(|span| Millis(now().0.saturating_sub(span)));
        let frame = ClientFrame::Report(Report {
            id: RequestId(id),
            team: Some(asked.team),
            account: None,
            from,
            to: None,
        });
        let asked = Instant::now();
        socket
            .send(wire::message(&frame)?)
            .await
            .context("asking")?;
        loop {
            let reply = tokio::time::timeout(REPORT_PATIENCE, wire::next_frame(&mut socket))
                .await
                .context("a report took too long")??;
            match reply {
                ServerFrame::Result(r) if r.id == RequestId(id) => {
                    if matches!(r.result, Reply::Report(_)) {
                        reports.done += 1;
                        reports.seconds.push(asked.elapsed().as_secs_f64());
                    }
                    break;
                }
                ServerFrame::Error(e) if e.id == Some(RequestId(id)) => {
                    if e.code == ErrorCode::Unavailable {
                        reports.refused += 1;
                        // Busy: as a client would, wait a little.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    } else {
                        reports.failed.push(format!("{:?}: {}", e.code, e.message));
                    }
                    break;
                }
                _ => continue,
            }
        }
    }
    wire::close(socket).await;
    Ok(reports)
}

/// The median of `values`, if any.
fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted[sorted.len() / 2])
}
