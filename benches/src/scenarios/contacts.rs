//! `contacts`: the contact book under load. The first team receives a CSV
//! import of `--rows` generated contacts over HTTP while closed-loop
//! senders write to the other teams; then `--searches` searches run over
//! the imported book. Three send phases of `--duration` seconds: alone,
//! while the import runs, alone again; reported side by side with the
//! ratio of the loaded phase to the quiet ones, with the import's rows per
//! second and the searches' latency.
//!
//! An import is written by its team's hub in batches, one write each, so
//! the other teams' hubs should not notice it beyond the shared disk.

use super::durable::{connect_senders, Load, SenderTally};
use crate::report::{self, Latency, Section, Table};
use crate::seed::SeedPlan;
use crate::target::{ServerArgs, Target};
use anyhow::Context;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::ids::{ConversationId, TeamId};

/// How long the import may take before the run gives up on it.
const IMPORT_PATIENCE: Duration = Duration::from_secs(900);

/// Options of `contacts`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ContactsArgs {
    /// Rows of the imported CSV (each a new contact).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) rows: u64,
    /// Searches over the imported book.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) searches: u32,
    /// Other teams, which the senders write to.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) teams: u32,
    /// Sending connections.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) senders: u32,
    /// Sends in flight per sender.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) in_flight: u32,
    /// Seconds of each send phase.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) duration: u64,
}

/// What one send phase measured.
struct Phase {
    name: &'static str,
    sends: u64,
    refused: u64,
    latency: Latency,
}

/// A CSV of `rows` distinct contacts: name, phone, email, tags.
pub(crate) fn generated_csv(rows: u64) -> Vec<u8> {
    let mut csv = b"name,phones,emails,tags\n".to_vec();
    for i in 0..rows {
        let phone = format!("+1 212 {:03} {:04}", 200 + i / 10_000 % 800, i % 10_000);
        let tag = ["lead", "vip", "cold", "hired"][(i % 4) as usize];
        let line = format!(
            "Person{i} Surname{},{phone},person{i}@example.com,{tag}\n",
            i % 997
        );
        csv.extend_from_slice(line.as_bytes());
    }
    csv
}

/// Runs `contacts`.
pub(crate) async fn run(server: &ServerArgs, args: &ContactsArgs) -> anyhow::Result<Section> {
    let mut section = Section::new("contacts", String::new());
    let plan = SeedPlan {
        teams: args.teams as usize + 1,
        users_per_team: 1,
        senders: args.senders as usize,
        conversations_per_team: 1,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(server, &plan).await?;
    let book = target.layout.teams[0].id;
    let owner = (target.layout.owner_token.clone()).context("imports need a Manager's token")?;
    let conversations: Arc<[ConversationId]> = (target.layout.teams.iter().skip(1))
        .flat_map(|t| t.conversations.iter().copied())
        .collect();
    section.title = format!(
        "an import of {} rows into one team while {} senders x {} in flight write to {} other \
         teams ({} s per phase), then {} searches over the book; {}.",
        args.rows,
        args.senders,
        args.in_flight,
        args.teams,
        args.duration,
        args.searches,
        target.describe()
    );
    let csv = generated_csv(args.rows);
    let quiet = phase(&target, args, &conversations, "sends alone").await?;
    let path = format!("/api/teams/{}/imports", book.0);
    let addr = target.endpoint.addr;
    let started = Instant::now();
    let answer = crate::http::json(addr, "POST", &path, &owner, &csv, 202).await?;
    let job = answer["job"]["id"].as_u64().context("an import job id")?;
    // Watched on a task of its own, so that the import's time is its own
    // and not the phase's.
    let watch = {
        let owner = owner.clone();
        tokio::spawn(async move { wait_for(addr, book, job, &owner, started).await })
    };
    let loaded = phase(&target, args, &conversations, "sends while importing").await?;
    let import = watch.await.context("the import watcher failed")??;
    if import.seconds > args.duration as f64 {
        section.notes.push(format!(
            "the import outlasted the loaded phase ({:.1} s against {} s)",
            import.seconds, args.duration
        ));
    }
    let again = phase(&target, args, &conversations, "sends alone, again").await?;
    let searched = super::contacts_search::run(&target, &owner, book, args).await?;

    let mut table = Table::new(&[
        "phase",
        "acked sends",
        "sends/s",
        "p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "max (ms)",
    ]);
    let window = Duration::from_secs(args.duration);
    let phases = [&quiet, &loaded, &again];
    for p in phases {
        let [p50, p99, p999, max] = p.latency.cells();
        let rate = format!("{:.0}", report::per_second(p.sends, window));
        table.row(vec![
            p.name.to_string(),
            p.sends.to_string(),
            rate,
            p50,
            p99,
            p999,
            max,
        ]);
        if p.refused > 0 {
            section
                .failures
                .push(format!("{}: {} sends refused", p.name, p.refused));
        }
    }
    section.tables.push(table);
    let rows_per_second = args.rows as f64 / import.seconds;
    let mut figures = Table::new(&[
        "import rows",
        "import (s)",
        "rows/s",
        "created",
        "searches",
        "search p50 (ms)",
        "search p99 (ms)",
        "search max (ms)",
    ]);
    let [s50, s99, _, smax] = searched.latency.cells();
    figures.row(vec![
        args.rows.to_string(),
        format!("{:.1}", import.seconds),
        format!("{rows_per_second:.0}"),
        import.created.to_string(),
        searched.done.to_string(),
        s50,
        s99,
        smax,
    ]);
    section.tables.push(figures);
    if import.created != args.rows {
        section.failures.push(format!(
            "the import created {} of {} contacts",
            import.created, args.rows
        ));
    }
    section
        .failures
        .extend(searched.failures.iter().take(3).cloned());
    let calm = (quiet.latency.p99_ms + again.latency.p99_ms) / 2.0;
    let ratio = if calm > 0.0 {
        loaded.latency.p99_ms / calm
    } else {
        0.0
    };
    section.notes.push(format!(
        "the other teams' send p99 while importing / without (mean of the quiet phases): x{ratio:.2}"
    ));
    section.target(
        "the other teams' send p99 while importing within 1.5x of without",
        format!("x{ratio:.2}"),
        ratio <= 1.5,
    );
    section.target(
        "search p99 over the imported book under 50 ms",
        format!("{:.1} ms", searched.latency.p99_ms),
        searched.done > 0 && searched.latency.p99_ms < 50.0,
    );
    section.data = json!({
        "rows": args.rows,
        "import_seconds": import.seconds,
        "rows_per_second": rows_per_second,
        "searches": searched.done,
        "search_latency": searched.latency,
        "phases": phases.iter().map(|p| json!({
            "name": p.name, "acked": p.sends, "latency": p.latency,
        })).collect::<Vec<_>>(),
        "p99_ratio": ratio,
    });
    Ok(section)
}

/// How the import went.
pub(crate) struct Imported {
    pub(crate) seconds: f64,
    pub(crate) created: u64,
}

/// Polls the import until it is done.
pub(crate) async fn wait_for(
    addr: std::net::SocketAddr,
    team: TeamId,
    job: u64,
    token: &str,
    started: Instant,
) -> anyhow::Result<Imported> {
    let path = format!("/api/teams/{}/imports/{job}", team.0);
    loop {
        let answer = crate::http::json(addr, "GET", &path, token, b"", 200).await?;
        match answer["job"]["status"].as_str() {
            Some("running") => {}
            Some("done") => {
                return Ok(Imported {
                    seconds: started.elapsed().as_secs_f64(),
                    created: answer["job"]["import"]["created"].as_u64().unwrap_or(0),
                })
            }
            other => anyhow::bail!("the import ended {other:?}: {answer}"),
        }
        anyhow::ensure!(
            started.elapsed() < IMPORT_PATIENCE,
            "the import took too long"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The senders for `--duration` seconds.
async fn phase(
    target: &Target,
    args: &ContactsArgs,
    conversations: &Arc<[ConversationId]>,
    name: &'static str,
) -> anyhow::Result<Phase> {
    let window = Duration::from_secs(args.duration);
    let sockets = connect_senders(target, args.senders).await?;
    let load = Load {
        run: crate::traffic::Clock::new().run,
        conversations: Arc::clone(conversations),
        in_flight: args.in_flight as usize,
        body: "c".repeat(200),
        window_end: Instant::now() + window,
    };
    let senders = load.start(sockets);
    crate::progress::wait(window, name).await;
    let senders = SenderTally::of(senders).await?;
    Ok(Phase {
        name,
        sends: senders.acked_in_window,
        refused: senders.error_count,
        latency: Latency::of(&senders.latency),
    })
}
