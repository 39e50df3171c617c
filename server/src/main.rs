//! `switchboard`: runs the server, or administers its data folder.
//!
//! The binary is glue: `cli` parses the command line, `logging` sets up
//! stderr logs, `serve` runs the server, `admin` (with `ops` for backup
//! and restore) administers a data folder. The library does the work.

// A binary's `mod x;` resolves next to main.rs, so the files in `main/`
// are named by path.
#[path = "main/admin.rs"]
mod admin;
#[path = "main/alloc.rs"]
mod alloc;
#[path = "main/cli.rs"]
mod cli;
#[path = "main/files.rs"]
mod files;
#[path = "main/logging.rs"]
mod logging;
#[path = "main/ops.rs"]
mod ops;
#[path = "main/serve.rs"]
mod serve;

use clap::Parser;
use cli::{Cli, Command};
use std::path::Path;
use std::sync::Arc;
use switchboard_server::store::{self, Store};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    logging::init_logs(cli.log_format);
    // The connections' runtime: one thread per core unless `serve` says
    // otherwise (tokio's own `TOKIO_WORKER_THREADS` still applies when it
    // does not). The hubs have a runtime of their own (`hub/threads.rs`).
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Command::Serve(args) = &cli.command {
        if let Some(threads) = args.connection_threads {
            runtime.worker_threads(threads.get());
        }
    }
    runtime.build()?.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(*args).await,
            Command::AutobahnEcho { listen } => serve::autobahn_echo(listen).await,
            Command::Admin { data, command } => admin::run(&data, command).await,
        }
    })
}

/// Opens the store in `data`, for serving or administering it; a refusal
/// says which folder and hints at a running server holding its lock.
pub(crate) fn open(data: &Path) -> anyhow::Result<Arc<dyn Store>> {
    store::open(data).map_err(|e| {
        // The engine reports a held lock as an I/O error naming the lock.
        let hint = if e.to_string().contains("lock") {
            " (is a server running on it?)"
        } else {
            ""
        };
        anyhow::anyhow!("cannot open the store in {}{hint}: {e}", data.display())
    })
}
