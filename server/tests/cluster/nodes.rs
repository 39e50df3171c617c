//! Switchboard nodes of a cluster as child processes of the debug binary,
//! each on its own data folder and joined to the test's NATS cluster, so
//! that a test can kill one (`kill -9`) or pause it (SIGSTOP, SIGCONT).
//!
//! Invariants: a node's stdout is read to its end on a thread of its own
//! (the node never blocks on a full pipe) and kept, so a test can find the
//! node id it printed; its address is taken from its `listening on ADDR`
//! line; every node is killed and reaped on drop, a paused
//! one included (SIGKILL reaches a stopped process).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a node may take to join the cluster and print its address.
const STARTUP: Duration = Duration::from_secs(60);

/// The ownership lease the nodes are started with: short, so that the
/// failover tests wait seconds, not the default 5 s plus.
pub const LEASE_TTL: Duration = Duration::from_secs(2);

/// One `switchboard serve` process in the cluster.
pub struct Node {
    child: Child,
    /// Its WebSocket endpoint, `ws://ADDR/ws`.
    pub url: String,
    /// Everything it printed, stdout and stderr.
    output: Arc<Mutex<Vec<String>>>,
    /// Its data folder (the local projection).
    _data: tempfile::TempDir,
}

impl Node {
    /// Starts a node joined to the NATS servers `nats` (comma-separated
    /// URLs) with 3 replicas and [`LEASE_TTL`]; returns once it listens.
    /// `flags` are added to its command line.
    pub fn start_with(nats: &str, flags: &[&str]) -> Node {
        let data = tempfile::tempdir().expect("a temporary folder");
        let ttl = format!("{}s", LEASE_TTL.as_secs());
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .args(["--nats", nats, "--nats-replicas", "3", "--lease-ttl", &ttl])
            .args(flags)
            // Warnings, and the line naming the node's id.
            .env("SWITCHBOARD_LOG", "warn,switchboard::serve=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (listening_tx, listening) = std::sync::mpsc::sync_channel(1);
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let pid = child.id();
        keep(pid, stdout, Arc::clone(&output), Some(listening_tx));
        keep(pid, stderr, Arc::clone(&output), None);
        let addr = match listening.recv_timeout(STARTUP) {
            Ok(addr) => addr,
            Err(e) => {
                let _ = child.kill();
                let printed = output.lock().map(|o| o.join("\n")).unwrap_or_default();
                panic!("the node did not listen within {STARTUP:?} ({e}); it printed:\n{printed}")
            }
        };
        Node {
            child,
            url: format!("ws://{addr}/ws"),
            output,
            _data: data,
        }
    }

    /// The node's address, for HTTP.
    pub fn addr(&self) -> std::net::SocketAddr {
        let addr = self.url.trim_start_matches("ws://").trim_end_matches("/ws");
        addr.parse().expect("the node's address")
    }

    /// Whether the node printed `text` (its node id, say).
    pub fn printed(&self, text: &str) -> bool {
        let output = self.output.lock().expect("the output lock");
        output.iter().any(|line| line.contains(text))
    }

    /// Kills the node with SIGKILL: no handler, no flush, no lease released.
    pub fn kill_9(&mut self) {
        // Child::kill sends SIGKILL on Unix.
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }

    /// Pauses the node (SIGSTOP): it holds its sockets and its state but
    /// runs nothing, as a machine stalled by the hypervisor or a GC would.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Resumes a paused node (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    /// Sends a signal with the `kill` command (no extra crate for two).
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("the kill command runs");
        assert!(status.success(), "kill {signal} failed: {status}");
    }
}

/// Reads a node's `stream` to its end on a thread of its own, keeping each
/// line in `output`; the stdout reader sends the address of the
/// `listening on ADDR` line through `listening`, the stderr reader echoes
/// the log to the test's, marked with the node's process id.
fn keep(
    pid: u32,
    stream: impl std::io::Read + Send + 'static,
    output: Arc<Mutex<Vec<String>>>,
    listening: Option<std::sync::mpsc::SyncSender<String>>,
) {
    let echo = listening.is_none();
    let mut listening = listening;
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(addr) = line.trim().strip_prefix("listening on ") {
                if let Some(tx) = listening.take() {
                    let _ = tx.send(addr.to_string());
                }
            }
            if echo {
                eprintln!("[node {pid}] {line}");
            }
            // A poisoned lock means a test thread panicked: stop keeping.
            let Ok(mut kept) = output.lock() else { return };
            kept.push(line);
        }
    });
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
