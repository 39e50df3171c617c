//! `switchboard-bench`: the load generator for Switchboard.
//!
//! One subcommand per scenario (`idle`, `ramp`, `fanout`, `durable`,
//! `storm`, `history`, `reports`, `contacts`, `blast`) and `all` to run them in turn. By default each
//! scenario seeds a temporary data folder, starts `switchboard serve` on it
//! as a child process and reads the child's CPU time and memory from /proc;
//! with `--url` it drives a server that is already running. The report is a
//! markdown table on stdout, `--json PATH` writes the same figures as JSON,
//! and `fanout --svg PATH` (or `all --svg PATH`) draws the latency plot.
//! `fanout --flamegraph PATH` (or `durable`) profiles the server with
//! `perf` over the measured span (see [`flame`]).
//! `fanout --peers naive,batched,socketio` (and `all`, by default) runs the
//! same fan-out steps against the peer servers of [`peers`] afterwards and
//! reports Switchboard/peer ratios. `fanout --nodes N` starts a 3-server
//! NATS cluster and N nodes instead, beside a single node.
//!
//! Everything is bounded (connections, messages, waits) and aimed at
//! loopback only. Exit status: 0 when the run saw nothing wrong; 1 when it
//! did (a missing or doubled message, a client that could not connect), or
//! with `--strict` when a performance target was missed; 2 when the run
//! could not take place. What a peer does (saturate, drop clients, fail to
//! start) is reported, and never makes the run fail by itself.

mod cluster;
mod crowd;
mod flame;
mod flushes;
mod http;
mod nats;
mod peers;
mod pin;
mod plot;
mod proc_stats;
mod progress;
mod report;
mod scenarios;
mod seed;
mod sender;
mod server_proc;
mod target;
mod traffic;
mod wire;

use clap::{Parser, Subcommand};
use report::Report;
use scenarios::{
    all, blast, contacts, durable, fanout, history, idle, ramp, reports, storm, widget,
};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "switchboard-bench",
    version,
    about = "Load generator for Switchboard: idle cost, ramp, fan-out, durable sends, \
             reconnect storms and history reads"
)]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    #[command(flatten)]
    server: target::ServerArgs,
    /// Write the report as JSON to this file.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
    /// Exit 1 when a performance target is missed, not only on errors.
    #[arg(long, global = true)]
    strict: bool,
}

#[derive(Subcommand)]
enum Scenario {
    /// Server memory and CPU per idle authenticated connection.
    Idle(idle::IdleArgs),
    /// Connections per second (handshake + hello + subscribe).
    Ramp(ramp::RampArgs),
    /// Fan-out latency and deliveries per second, stepping the rate to the knee.
    Fanout(fanout::FanoutArgs),
    /// Acknowledged (durable) sends per second, closed loop.
    Durable(durable::DurableArgs),
    /// Every client drops at once and resumes: time to catch up, nothing lost.
    Storm(storm::StormArgs),
    /// History page reads per second on a long conversation.
    History(history::HistoryArgs),
    /// Other teams' send latency with and without reports on a large team.
    Reports(reports::ReportsArgs),
    /// Import rows/s, search p99 over the imported book, and the other
    /// teams' send latency while an import runs.
    Contacts(contacts::ContactsArgs),
    /// Recipients/s of a blast at the team's rate ceiling, and the other
    /// teams' send latency while it runs.
    Blast(blast::BlastArgs),
    /// Web chat visitors created over HTTP, connected and chatting at once
    /// with an agent answering: messages/s and round-trip p99.
    Widget(widget::WidgetArgs),
    /// Every scenario in turn at moderate sizes, into one report.
    All(all::AllArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Dropping `run` on Ctrl-C drops every server guard and temporary folder.
    let result = tokio::select! {
        result = run(&cli) => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("switchboard-bench: {e:#}");
            return ExitCode::from(2);
        }
    };
    print!("{}", report.markdown());
    if let Some(path) = &cli.json {
        if let Err(e) = report.write_json(path) {
            eprintln!("switchboard-bench: {e:#}");
            return ExitCode::from(2);
        }
    }
    let failures = report.failures();
    let missed = report.missed_targets();
    for failure in &failures {
        eprintln!("switchboard-bench: FAILED: {failure}");
    }
    for target in &missed {
        eprintln!("switchboard-bench: target missed: {target}");
    }
    if !failures.is_empty() || (cli.strict && !missed.is_empty()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

async fn run(cli: &Cli) -> anyhow::Result<Report> {
    let server = &cli.server;
    if server.pin {
        pin::apply()?;
    }
    if let Some(path) = &server.flamegraph {
        if !matches!(&cli.scenario, Scenario::Durable(_))
            && !matches!(&cli.scenario, Scenario::Fanout(a) if a.nodes.is_none())
        {
            anyhow::bail!("--flamegraph profiles fanout (on one node) and durable only");
        }
        flame::check(path)?;
    }
    let section = match &cli.scenario {
        Scenario::Idle(args) => idle::run(server, args).await?,
        Scenario::Ramp(args) => ramp::run(server, args).await?,
        Scenario::Fanout(args) => fanout::run(server, args).await?,
        Scenario::Durable(args) => durable::run(server, args).await?,
        Scenario::Storm(args) => storm::run(server, args).await?,
        Scenario::History(args) => history::run(server, args).await?,
        Scenario::Reports(args) => reports::run(server, args).await?,
        Scenario::Contacts(args) => contacts::run(server, args).await?,
        Scenario::Blast(args) => blast::run(server, args).await?,
        Scenario::Widget(args) => widget::run(server, args).await?,
        Scenario::All(args) => return Ok(all::run(server, args).await),
    };
    Ok(Report {
        sections: vec![section],
    })
}
