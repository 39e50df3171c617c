//! The server under test as a child process: `switchboard serve` on
//! 127.0.0.1 with an ephemeral port and the bench's temporary data folder.
//!
//! Invariants: the child never outlives the [`ServerProcess`] (dropping it
//! kills and reaps the child); the address comes from the child's first
//! stdout line, and the rest of stdout is drained by a thread so that the
//! child never blocks on a full pipe.

use anyhow::{bail, Context};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the server may take to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a cluster node may take: it replays the stream before it listens.
const CLUSTER_STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `switchboard serve`; killed when dropped.
pub(crate) struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `bin serve --listen 127.0.0.1:0 --data data` and waits for its
    /// `listening on ADDR` line.
    pub(crate) fn start(bin: &Path, data: &Path) -> anyhow::Result<ServerProcess> {
        ServerProcess::spawn(bin, data, &[], STARTUP_TIMEOUT)
    }

    /// Starts a node of a cluster: as [`ServerProcess::start`], joined to
    /// the NATS servers `nats` with 3 replicas and a `lease_ttl` lease.
    pub(crate) fn start_in_cluster(
        bin: &Path,
        data: &Path,
        nats: &[String],
        lease_ttl: Duration,
    ) -> anyhow::Result<ServerProcess> {
        let flags = [
            "--nats".to_string(),
            nats.join(","),
            "--nats-replicas".into(),
            "3".into(),
            "--lease-ttl".into(),
            format!("{}ms", lease_ttl.as_millis()),
        ];
        ServerProcess::spawn(bin, data, &flags, CLUSTER_STARTUP_TIMEOUT)
    }

    fn spawn(
        bin: &Path,
        data: &Path,
        flags: &[String],
        startup: Duration,
    ) -> anyhow::Result<ServerProcess> {
        let mut command = Command::new(bin);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // The server logs at info by default; during a load run only
        // warnings and errors are worth a line on the bench's terminal.
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        // The benches measure the server at its limits of speed, not its
        // rate and connection limits: those are lifted unless the
        // environment sets them (a server that does not know them ignores
        // these variables).
        for (name, value) in [
            ("SWITCHBOARD_RATE_PER_CONNECTION", "0"),
            ("SWITCHBOARD_RATE_PER_USER", "0"),
            ("SWITCHBOARD_MAX_CONNECTIONS_PER_USER", "10000000"),
            ("SWITCHBOARD_MAX_CONNECTIONS", "10000000"),
            ("SWITCHBOARD_VISITOR_MESSAGES_PER_MINUTE", "0"),
            ("SWITCHBOARD_VISITOR_CREATIONS_PER_MINUTE", "0"),
            ("SWITCHBOARD_VISITOR_CONNECTIONS_PER_ADDRESS", "10000000"),
        ] {
            if std::env::var_os(name).is_none() {
                command.env(name, value);
            }
        }
        let mut child = crate::pin::spawn(&mut command)
            .with_context(|| format!("cannot start {}", bin.display()))?;
        // Wrapped at once so that any failure below still kills the child.
        let stdout = child.stdout.take();
        let mut process = ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let Some(stdout) = stdout else {
            bail!("the server's stdout was not captured");
        };
        let (first_line, line) = mpsc::channel::<std::io::Result<String>>();
        std::thread::Builder::new()
            .name("server-stdout".into())
            .spawn(move || {
                drain(stdout, "server", |first| {
                    // The receiver may have given up waiting; nothing else to tell then.
                    let _ = first_line.send(first);
                })
            })
            .context("cannot start the stdout thread")?;
        let line = match line.recv_timeout(startup) {
            Ok(line) => line.context("reading the server's stdout")?,
            Err(_) => {
                let status = process.child.try_wait().ok().flatten();
                bail!(
                    "the server printed no address within {startup:?} (exit status: {})",
                    status.map_or("still running".to_string(), |s| s.to_string())
                );
            }
        };
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line from the server: {line:?}"))?;
        process.addr = addr
            .parse()
            .with_context(|| format!("not an address in {line:?}"))?;
        if !process.addr.ip().is_loopback() {
            bail!("the server listens on {}, not on loopback", process.addr);
        }
        Ok(process)
    }

    /// The WebSocket endpoint.
    pub(crate) fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The child's process id, for reading its CPU time and memory.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // An error means the child has already exited; reaping it below is
        // still right.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a child's first line of stdout (its `listening on ADDR`), hands it
/// (or the error that stopped it) to `report`, then reads and discards the
/// rest until the child closes stdout, so that the child never blocks on a
/// full pipe. `who` names the child in the error.
pub(crate) fn drain(
    stdout: std::process::ChildStdout,
    who: &str,
    report: impl FnOnce(std::io::Result<String>),
) {
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    let first = match reader.read_line(&mut line) {
        Ok(0) => Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the {who} exited before printing its address"),
        )),
        Ok(_) => Ok(line),
        Err(e) => Err(e),
    };
    report(first);
    let mut sink = Vec::new();
    while let Ok(n) = reader.read_until(b'\n', &mut sink) {
        if n == 0 {
            break;
        }
        sink.clear();
    }
}

/// The server binary to run: `--server-bin`, or `switchboard` next to this
/// executable (both are built into the same target folder).
pub(crate) fn locate(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let bin = match explicit {
        Some(bin) => bin,
        None => std::env::current_exe()
            .context("cannot find the bench's own executable")?
            .with_file_name(format!("switchboard{}", std::env::consts::EXE_SUFFIX)),
    };
    if !bin.is_file() {
        bail!(
            "server binary {} not found: run `cargo build --release -p switchboard-server` \
             (or pass --server-bin PATH)",
            bin.display()
        );
    }
    Ok(bin)
}
