//! `switchboard-bench`: a load generator for Switchboard.
//!
//! By default it seeds a temporary data folder (one account, one team, a
//! user and token per connection), starts `switchboard serve` on it as a
//! child process, starts a conversation through the SDK, then connects
//! `--clients` subscribers to the team and `--senders` senders that write
//! `--rate` messages per second in total for `--duration` seconds, open
//! loop. Each body carries its send time, so every subscriber times every
//! delivery end to end; acknowledgements are timed too. With `--url` it
//! drives a server that is already running instead.
//!
//! Everything is bounded (connections, messages, waits) and aimed at
//! loopback only. The child server is killed and the folder removed on
//! exit, Ctrl-C included. Exit status: 0 when every message was sent,
//! acknowledged and delivered to every subscriber; 1 when something was
//! missing (the report says what); 2 when the run could not take place.

mod load;
mod report;
mod seed;
mod sender;
mod server_proc;
mod subscriber;
mod wire;

use anyhow::{bail, Context};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use switchboard_protocol::ids::{ConversationId, TeamId};

/// The most messages one run may plan (rate x duration): bounds the
/// senders' bookkeeping.
const MAX_MESSAGES: f64 = 5_000_000.0;

#[derive(Parser)]
#[command(
    name = "switchboard-bench",
    version,
    about = "Load generator for Switchboard: fan-out latency and throughput"
)]
struct Cli {
    /// Subscribers connected to the team.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    clients: u32,
    /// Sending connections sharing the rate.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    senders: u32,
    /// Messages per second over all senders.
    #[arg(long, default_value_t = 200.0, value_parser = parse_rate)]
    rate: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    duration: u64,
    /// Seconds to wait after the last scheduled send for messages in flight.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=60))]
    grace: u64,
    /// Bytes in each message body (the send stamp, then padding).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(64..=16_384))]
    body_bytes: u32,
    /// Seconds that connecting every client may take.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    connect_timeout: u64,
    /// The `switchboard` binary to start [default: next to this executable].
    #[arg(long, conflicts_with = "url")]
    server_bin: Option<PathBuf>,
    /// Drive a running server instead, e.g. ws://127.0.0.1:8080/ws (loopback only).
    #[arg(long, requires_all = ["token", "team", "conversation"])]
    url: Option<String>,
    /// With --url: the token every connection says hello with.
    #[arg(long, requires = "url")]
    token: Option<String>,
    /// With --url: the team to subscribe to.
    #[arg(long, requires = "url")]
    team: Option<u64>,
    /// With --url: the conversation to send to.
    #[arg(long, requires = "url")]
    conversation: Option<u64>,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if rate.is_finite() && rate > 0.0 && rate <= 100_000.0 {
        Ok(rate)
    } else {
        Err("the rate must be above 0 and at most 100000 messages per second".into())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Dropping `run` on Ctrl-C drops its server guard and temporary folder.
    let result = tokio::select! {
        result = run(cli) => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    match result {
        Ok(outcome) => {
            print!("{}", outcome.render());
            match outcome.failure() {
                Some(failure) => {
                    eprintln!("switchboard-bench: FAILED: {failure}");
                    ExitCode::from(1)
                }
                None => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("switchboard-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<report::Outcome> {
    let plan = load::Plan {
        rate: cli.rate,
        duration: Duration::from_secs(cli.duration),
        grace: Duration::from_secs(cli.grace),
        body_bytes: cli.body_bytes as usize,
        connect_timeout: Duration::from_secs(cli.connect_timeout),
    };
    if cli.rate * plan.duration.as_secs_f64() > MAX_MESSAGES {
        bail!("rate x duration plans more than {MAX_MESSAGES} messages: lower one of them");
    }
    let (clients, senders) = (cli.clients as usize, cli.senders as usize);

    if let Some(url) = cli.url {
        wire::check_loopback(&url)?;
        // clap's `requires_all` guarantees these with --url.
        let (Some(token), Some(team), Some(conversation)) = (cli.token, cli.team, cli.conversation)
        else {
            bail!("--url needs --token, --team and --conversation");
        };
        let target = load::Target {
            url,
            team: TeamId(team),
            conversation: ConversationId(conversation),
            sender_tokens: vec![token.clone(); senders],
            subscriber_tokens: vec![token; clients],
        };
        return load::run(target, &plan).await;
    }

    let bin = server_proc::locate(cli.server_bin)?;
    // Declared before the server so that it is removed after the server
    // is killed (locals drop in reverse order).
    let data = tempfile::Builder::new()
        .prefix("switchboard-bench-")
        .tempdir()
        .context("creating a temporary data folder")?;
    let seeded = seed::seed(data.path(), senders, clients)?;
    let server = server_proc::ServerProcess::start(&bin, data.path())?;
    let url = server.url();
    // clap keeps --senders at 1 or more, so there is a first sender token.
    let conversation =
        seed::start_conversation(&url, &seeded.sender_tokens[0], seeded.team).await?;
    eprintln!(
        "switchboard-bench: server {} at {url}, team {}, conversation {conversation}",
        bin.display(),
        seeded.team
    );
    let target = load::Target {
        url,
        team: seeded.team,
        conversation,
        sender_tokens: seeded.sender_tokens,
        subscriber_tokens: seeded.subscriber_tokens,
    };
    let outcome = load::run(target, &plan).await;
    drop(server);
    drop(data);
    outcome
}
