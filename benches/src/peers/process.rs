//! A peer server as a child process: `switchboard-peer --mode ...` or
//! `node server.js`, on 127.0.0.1 with an ephemeral port.
//!
//! Invariants: the child never outlives its [`PeerServer`]: dropping it
//! kills and reaps the child, and the child also exits by itself when its
//! stdin (a pipe only the [`PeerServer`] holds) closes, which covers the
//! bench being killed outright. The address comes from the child's first
//! stdout line; a thread drains the rest so that the child never blocks on
//! a full pipe. Neither peer starts processes of its own, so killing the
//! child is killing the peer (no process group is needed).

use super::{npm, PeerKind};
use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a peer may take to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running peer server; killed when dropped.
pub(crate) struct PeerServer {
    child: Child,
    addr: SocketAddr,
}

impl PeerServer {
    /// Starts `kind` and waits for its `listening on ADDR` line. The Rust
    /// peers run `peer_bin`; Socket.IO runs `node server.js` in
    /// `socketio_dir`, after `npm ci` there if its dependencies are not
    /// installed yet.
    pub(crate) async fn start(
        kind: PeerKind,
        peer_bin: &Path,
        socketio_dir: &Path,
    ) -> anyhow::Result<PeerServer> {
        let mut command = match kind {
            PeerKind::Naive | PeerKind::Batched => {
                let mut command = Command::new(peer_bin);
                command.args(["--mode", kind.name(), "--listen", "127.0.0.1:0"]);
                command
            }
            PeerKind::SocketIo => {
                npm::install(socketio_dir).await?;
                let mut command = Command::new("node");
                command
                    .args(["server.js", "--port", "0"])
                    .current_dir(socketio_dir);
                command
            }
        };
        command
            .arg("--exit-on-stdin-close")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let program = match kind {
            PeerKind::SocketIo => {
                "node (Node.js 20 or later is needed for the socketio peer)".into()
            }
            _ => peer_bin.display().to_string(),
        };
        let mut child =
            crate::pin::spawn(&mut command).with_context(|| format!("cannot start {program}"))?;
        // Wrapped at once so that any failure below still kills the child.
        let stdout = child.stdout.take();
        let mut server = PeerServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let Some(stdout) = stdout else {
            bail!("the {kind} peer's stdout was not captured");
        };
        let (first_line, line) = oneshot::channel();
        std::thread::Builder::new()
            .name(format!("{kind}-stdout"))
            .spawn(move || {
                crate::server_proc::drain(stdout, "peer", |first| {
                    // The receiver may have given up waiting; nothing else to tell then.
                    let _ = first_line.send(first);
                })
            })
            .context("cannot start the stdout thread")?;
        let line = match tokio::time::timeout(STARTUP_TIMEOUT, line).await {
            Ok(Ok(line)) => line.with_context(|| format!("reading the {kind} peer's stdout"))?,
            // The thread always sends before ending; a lost sender means
            // it panicked.
            Ok(Err(_)) => bail!("the {kind} peer's stdout thread failed"),
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                bail!(
                    "the {kind} peer printed no address within {STARTUP_TIMEOUT:?} (exit status: {})",
                    status.map_or("still running".to_string(), |s| s.to_string())
                );
            }
        };
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line from the {kind} peer: {line:?}"))?;
        server.addr = addr
            .parse()
            .with_context(|| format!("not an address in {line:?}"))?;
        if !server.addr.ip().is_loopback() {
            bail!(
                "the {kind} peer listens on {}, not on loopback",
                server.addr
            );
        }
        Ok(server)
    }

    /// The address the peer listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The child's process id (for CPU and memory sampling).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `switchboard-peer` next to this executable (cargo builds both into
    /// the same folder), or `explicit`.
    pub(crate) fn locate_bin(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
        let bin = match explicit {
            Some(bin) => bin,
            None => std::env::current_exe()
                .context("cannot find the bench's own executable")?
                .with_file_name(format!("switchboard-peer{}", std::env::consts::EXE_SUFFIX)),
        };
        if !bin.is_file() {
            bail!(
                "peer binary {} not found: run `cargo build --release -p switchboard-benches`",
                bin.display()
            );
        }
        Ok(bin)
    }

    /// The Socket.IO peer's folder in this source tree.
    pub(crate) fn socketio_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/socketio")
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        // An error means the child has already exited; reaping it below is
        // still right.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
