//! The server a scenario runs against: a fresh `switchboard serve` started
//! as a child process on a seeded temporary folder (the default), or one
//! that is already running, given by `--url` with a token, a team and a
//! conversation to use.
//!
//! Invariants: a started server is killed before its folder is removed
//! (field order), and both happen when the [`Target`] is dropped, Ctrl-C
//! included; every address is loopback.

use crate::proc_stats::{self, ProcSample};
use crate::seed::{self, Layout, SeedPlan, TeamSeat};
use crate::server_proc::{self, ServerProcess};
use crate::wire::{Endpoint, Sources};
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::sync::Arc;
use switchboard_protocol::ids::{ConversationId, TeamId};

/// How to reach the server, shared by every scenario.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Server under test")]
pub(crate) struct ServerArgs {
    /// The `switchboard` binary to start [default: next to this executable].
    #[arg(long, global = true, conflicts_with = "url")]
    pub(crate) server_bin: Option<PathBuf>,
    /// Drive a running server instead, e.g. ws://127.0.0.1:8080/ws (loopback only).
    #[arg(long, global = true, requires_all = ["token", "team", "conversation"])]
    pub(crate) url: Option<String>,
    /// With --url: the token every connection says hello with.
    #[arg(long, global = true, requires = "url")]
    pub(crate) token: Option<String>,
    /// With --url: the team to subscribe to.
    #[arg(long, global = true, requires = "url")]
    pub(crate) team: Option<u64>,
    /// With --url: the conversation to send to and read.
    #[arg(long, global = true, requires = "url")]
    pub(crate) conversation: Option<u64>,
    /// With --url: the server's process id, to read its CPU time and memory.
    #[arg(long, global = true, requires = "url")]
    pub(crate) server_pid: Option<u32>,
    /// Another `switchboard` binary (a build from before a change) to run
    /// the same steps against, interleaved with this one, side by side in
    /// one report.
    #[arg(
        long,
        global = true,
        conflicts_with = "url",
        value_name = "OTHER_BINARY"
    )]
    pub(crate) compare: Option<PathBuf>,
    /// How many times each step (or each run) is repeated, interleaving the
    /// servers compared (A, B, A, B...); medians are reported with their
    /// spread.
    #[arg(long, global = true, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=15))]
    pub(crate) repeat: u32,
    /// With fanout or durable: profile the server with `perf` over the
    /// measured span, draw the flame graph (SVG) here and add its top
    /// frames to the report.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) flamegraph: Option<PathBuf>,
    /// Run the bench on the lower half of the cores and every server it
    /// starts (this build, --compare's, the peers) on the other half, so
    /// that they do not compete for a core (Linux; two cores or more).
    #[arg(long, global = true, conflicts_with = "url")]
    pub(crate) pin: bool,
    /// Loopback source addresses (127.0.0.2 and up) to spread connections over.
    #[arg(long, global = true, default_value_t = 16, value_parser = clap::value_parser!(u8).range(1..=200))]
    pub(crate) sources: u8,
}

/// A server ready for a scenario.
pub(crate) struct Target {
    /// Where it listens.
    pub(crate) endpoint: Endpoint,
    /// What it holds for the run.
    pub(crate) layout: Layout,
    /// The source addresses to connect from.
    pub(crate) sources: Arc<Sources>,
    /// Its process id, when known.
    pub(crate) pid: Option<u32>,
    /// Whether the bench started (and seeded) it.
    pub(crate) started: bool,
    // Dropped in this order: the server is killed, then its folder removed.
    _server: Option<ServerProcess>,
    _data: Option<tempfile::TempDir>,
}

impl Target {
    /// Starts and seeds a server as `plan` says, or connects to `--url`
    /// (where `plan` only limits what the scenario may assume).
    pub(crate) async fn prepare(args: &ServerArgs, plan: &SeedPlan) -> anyhow::Result<Target> {
        if let Some(url) = &args.url {
            return Target::external(args, url).await;
        }
        let bin = server_proc::locate(args.server_bin.clone())?;
        let data = tempfile::Builder::new()
            .prefix("switchboard-bench-")
            .tempdir()
            .context("creating a temporary data folder")?;
        let bar = crate::progress::timed(std::time::Duration::from_secs(1), "seeding");
        let layout = {
            let dir = data.path().to_path_buf();
            let plan = plan.clone();
            let bar = bar.clone();
            tokio::task::spawn_blocking(move || {
                seed::seed(&dir, &plan, &|status| bar.set_message(status.to_string()))
            })
            .await
            .context("the seeding task failed")??
        };
        bar.finish_and_clear();
        let server = ServerProcess::start(&bin, data.path())?;
        let endpoint = Endpoint::resolve(&server.url()).await?;
        let sources = Arc::new(Sources::new(args.sources, endpoint.addr));
        Ok(Target {
            pid: Some(server.pid()),
            endpoint,
            layout,
            sources,
            started: true,
            _server: Some(server),
            _data: Some(data),
        })
    }

    async fn external(args: &ServerArgs, url: &str) -> anyhow::Result<Target> {
        // clap's `requires_all` guarantees these with --url.
        let (Some(token), Some(team), Some(conversation)) =
            (&args.token, args.team, args.conversation)
        else {
            bail!("--url needs --token, --team and --conversation");
        };
        let endpoint = Endpoint::resolve(url).await?;
        let sources = Arc::new(Sources::new(args.sources, endpoint.addr));
        Ok(Target {
            endpoint,
            layout: Layout {
                teams: vec![TeamSeat {
                    id: TeamId(team),
                    conversations: vec![ConversationId(conversation)],
                    tokens: vec![token.clone()],
                }],
                sender_tokens: vec![token.clone()],
                owner_token: Some(token.clone()),
            },
            sources,
            pid: args.server_pid,
            started: false,
            _server: None,
            _data: None,
        })
    }

    /// The server's CPU time and memory now, when they can be read.
    pub(crate) fn sample(&self) -> Option<ProcSample> {
        proc_stats::sample(self.pid?)
    }

    /// The server's open file descriptors, when they can be read.
    pub(crate) fn open_fds(&self) -> Option<usize> {
        proc_stats::open_fds(self.pid?)
    }

    /// One line on what is under test.
    pub(crate) fn describe(&self) -> String {
        let how = if self.started {
            "started by the bench on a fresh folder"
        } else {
            "given by --url"
        };
        format!(
            "server at {} ({how}), pid {}, {} teams, connections from {} source addresses",
            self.endpoint.url,
            self.pid.map_or("unknown".to_string(), |p| p.to_string()),
            self.layout.teams.len(),
            self.sources.len().max(1)
        )
    }
}

/// The most connections this process may hold: the open-files limit less
/// a margin for the runtime, the senders and the files the bench opens.
pub(crate) fn connection_cap() -> usize {
    const MARGIN: u64 = 400;
    let limit = proc_stats::open_files_limit().unwrap_or(1024);
    usize::try_from(limit.saturating_sub(MARGIN)).unwrap_or(usize::MAX)
}
