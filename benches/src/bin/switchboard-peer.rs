//! `switchboard-peer`: the Rust peer servers that `switchboard-bench`
//! compares Switchboard against, as a process of their own so that they
//! are measured the way Switchboard is.
//!
//! `switchboard-peer --mode naive|batched [--listen 127.0.0.1:0]` prints
//! `listening on ADDR` as its first stdout line, then serves until it is
//! killed, interrupted, or (with `--exit-on-stdin-close`) until its stdin
//! closes, which is how the bench makes sure a peer never outlives it.
//! It listens on loopback only: it has no auth and relays anything.

#[path = "../peers/server/mod.rs"]
mod server;

use anyhow::{bail, Context};
use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "switchboard-peer",
    version,
    about = "Minimal WebSocket broadcast rooms for switchboard-bench to compare against"
)]
struct Cli {
    /// Which implementation serves the rooms.
    #[arg(long, value_enum)]
    mode: server::Mode,
    /// Address to listen on (loopback only); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Exit when stdin reaches its end (the parent closed it or died).
    #[arg(long)]
    exit_on_stdin_close: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = tokio::select! {
        result = run(cli) => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard-peer: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if !cli.listen.ip().is_loopback() {
        bail!(
            "{} is not a loopback address: the peer relays anything to anyone",
            cli.listen
        );
    }
    let listener = TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {addr}").context("writing to stdout")?;
    stdout.flush().context("writing to stdout")?;
    drop(stdout);
    if cli.exit_on_stdin_close {
        // A plain thread: tokio's stdin needs a feature the workspace does
        // not enable, and this thread only ever waits.
        std::thread::Builder::new()
            .name("stdin-watch".into())
            .spawn(|| {
                let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
                std::process::exit(0);
            })
            .context("starting the stdin thread")?;
    }
    server::serve(listener, cli.mode).await;
    Ok(())
}
