//! The binary's runtime: the allocator it is built with and the threads
//! it serves with, as a process started from the command line shows them.

use crate::api_client::*;
use crate::child::*;
use std::process::{Command, Stdio};

/// The server allocates with jemalloc over two arenas (`main/alloc.rs`):
/// durable sends and idle memory per connection were measured with it.
/// jemalloc prints its options at exit when asked in the environment; the
/// C library's malloc would print nothing.
#[test]
fn the_binary_allocates_with_jemalloc_over_two_arenas() {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--version")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stats = String::from_utf8_lossy(&output.stderr);
    assert!(
        stats.lines().any(|line| line.trim() == "opt.narenas: 2"),
        "jemalloc's statistics with two arenas, got: {}",
        stats.lines().take(20).collect::<Vec<_>>().join("\n")
    );
}

/// `--connection-threads` sizes the runtime that serves the connections,
/// and `/metrics` says how many threads it and the hubs' runtime have: one
/// per core each by default. Zero threads is refused before anything opens.
#[tokio::test]
async fn the_connections_threads_follow_the_flag_and_default_to_one_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let dir = tempfile::tempdir().unwrap();
    let threads = |scraped: &str| {
        (
            sample(scraped, "switchboard_connection_threads"),
            sample(scraped, "switchboard_hub_threads"),
        )
    };
    let server = ChildServer::start(&dir.path().join("default"), &[]);
    assert_eq!(threads(&scrape(server.addr()).await), (cores, cores));
    drop(server);
    let server = ChildServer::start(&dir.path().join("one"), &["--connection-threads", "1"]);
    assert_eq!(threads(&scrape(server.addr()).await), (1.0, cores));
    drop(server);
    let none = dir.path().join("none");
    let (status, stderr) = run_binary(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--connection-threads",
            "0",
        ],
        &none,
    );
    assert_eq!(status.code(), Some(2), "clap's usage error: {stderr}");
    assert!(stderr.contains("--connection-threads"), "{stderr}");
    assert!(!none.exists(), "nothing was opened");
}
