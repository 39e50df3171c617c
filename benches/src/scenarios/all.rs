//! `all`: every scenario in turn at moderate sizes, each on its own fresh
//! server, into one report, the stepped fan-out also against the peers
//! (`--peers`, all of them by default). A scenario that cannot run is
//! reported as a failure and the others still run. `--repeat` and
//! `--compare` apply to the scenarios that take them, except that
//! `--quick` runs each once.

use super::{durable, fanout, history, idle, ramp, storm};
use crate::peers::PeerChoice;
use crate::report::{Report, Section};
use crate::target::ServerArgs;
use std::path::PathBuf;

/// Options of `all`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct AllArgs {
    /// Smaller sizes and shorter steps, each run once, for a smoke run of
    /// a minute or so.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Write the fan-out latency plot (SVG) here.
    #[arg(long)]
    pub(crate) svg: Option<PathBuf>,
    /// The peers the stepped fan-out is compared with: naive, batched,
    /// socketio, all or none (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "all")]
    pub(crate) peers: Vec<PeerChoice>,
    /// The `switchboard-peer` binary [default: next to this executable].
    #[arg(long)]
    pub(crate) peer_bin: Option<PathBuf>,
}

/// Runs every scenario.
pub(crate) async fn run(server: &ServerArgs, args: &AllArgs) -> Report {
    let q = args.quick;
    // A smoke run runs each scenario (or step) once, whatever `--repeat` says.
    let quick = ServerArgs {
        repeat: 1,
        ..server.clone()
    };
    let server = if q { &quick } else { server };
    let mut report = Report::default();
    let idle = idle::IdleArgs {
        connections: if q { 2_000 } else { 10_000 },
        teams: 10,
        concurrency: 256,
        settle: 2,
        window: if q { 2 } else { 5 },
    };
    push(&mut report, "idle", idle::run(server, &idle).await);
    let ramp = ramp::RampArgs {
        connections: if q { 2_000 } else { 10_000 },
        concurrency: 256,
        teams: 10,
    };
    push(&mut report, "ramp", ramp::run(server, &ramp).await);
    let step = fanout::FanoutArgs {
        teams: 1,
        subscribers: if q { 200 } else { 1_000 },
        rate: 100.0,
        step: false,
        max_steps: 8,
        rates: if q {
            vec![100.0, 200.0]
        } else {
            vec![100.0, 200.0, 400.0, 600.0, 800.0, 1_000.0]
        },
        mixed: false,
        duration: if q { 2 } else { 4 },
        grace: 2,
        threshold_ms: 50.0,
        senders: 4,
        body_bytes: 200,
        concurrency: 256,
        svg: args.svg.clone(),
        peers: args.peers.clone(),
        peer_bin: args.peer_bin.clone(),
        nodes: None,
        same_load_per_node: false,
    };
    push(&mut report, "fanout", fanout::run(server, &step).await);
    let mixed = fanout::FanoutArgs {
        mixed: true,
        rates: Vec::new(),
        duration: if q { 3 } else { 10 },
        svg: None,
        peers: Vec::new(),
        ..step.clone()
    };
    push(&mut report, "mixed", fanout::run(server, &mixed).await);
    let durable = durable::DurableArgs {
        senders: 8,
        in_flight: 32,
        teams: 4,
        conversations: 4,
        duration: if q { 2 } else { 5 },
        body_bytes: 200,
    };
    push(&mut report, "durable", durable::run(server, &durable).await);
    let storm = storm::StormArgs {
        clients: if q { 2_000 } else { 19_000 },
        teams: 10,
        rate: 100.0,
        senders: 2,
        before: 1,
        jitter_ms: 1_000,
        timeout: 30,
        concurrency: 256,
    };
    push(&mut report, "storm", storm::run(server, &storm).await);
    let history = history::HistoryArgs {
        messages: if q { 20_000 } else { 100_000 },
        clients: 8,
        page: 50,
        duration: if q { 2 } else { 5 },
    };
    push(&mut report, "history", history::run(server, &history).await);
    report
}

fn push(report: &mut Report, name: &str, result: anyhow::Result<Section>) {
    let section = result.unwrap_or_else(|e| {
        let mut section = Section::new(name, "could not run".into());
        section.failures.push(format!("{e:#}"));
        section
    });
    report.sections.push(section);
}
