//! Installs the Socket.IO peer's dependencies: `npm ci` from the
//! committed `package-lock.json`, once, when `node_modules` is missing or
//! older than the lock file.
//!
//! Invariants: at most one install runs per process at a time (a second
//! caller waits, then finds it done); npm's output goes to stderr so that
//! it never mixes with the bench's report; an install is bounded in time.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long `npm ci` may take (it downloads about 1 MB).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);
/// How often a running install is checked on.
const POLL: Duration = Duration::from_millis(100);

/// Serializes installs within this process.
static INSTALL: Mutex<()> = Mutex::new(());

/// Runs `npm ci --no-audit --no-fund` in `dir` unless its dependencies are
/// already installed.
pub(super) async fn install(dir: &Path) -> anyhow::Result<()> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || install_blocking(&dir))
        .await
        .context("the npm install task failed")?
}

fn install_blocking(dir: &Path) -> anyhow::Result<()> {
    // Holding the lock through a failed install leaves nothing behind
    // that a later install would not redo, so a poisoned lock is fine.
    let _guard = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    let lock_file = dir.join("package-lock.json");
    if !lock_file.is_file() {
        bail!(
            "{} not found: is this the socketio peer's folder?",
            lock_file.display()
        );
    }
    if installed(dir, &lock_file) {
        return Ok(());
    }
    eprintln!(
        "switchboard-bench: installing the socketio peer's dependencies (npm ci) in {}",
        dir.display()
    );
    let mut child = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!(
                "npm not found: the socketio peer needs Node.js 20 or later and npm on PATH"
            ),
            _ => anyhow::Error::new(e).context("cannot start npm"),
        })?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for npm")? {
            break status;
        }
        if started.elapsed() > INSTALL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "npm ci in {} took more than {INSTALL_TIMEOUT:?}",
                dir.display()
            );
        }
        std::thread::sleep(POLL);
    };
    if !status.success() {
        bail!(
            "npm ci in {} failed ({status}); its output is above",
            dir.display()
        );
    }
    if !installed(dir, &lock_file) {
        bail!(
            "npm ci in {} succeeded but left no node_modules/.package-lock.json",
            dir.display()
        );
    }
    Ok(())
}

/// npm writes `node_modules/.package-lock.json` last, so its presence
/// means a complete install; it must be no older than the lock file.
fn installed(dir: &Path, lock_file: &Path) -> bool {
    let marker: PathBuf = dir.join("node_modules").join(".package-lock.json");
    let modified = |path: &Path| path.metadata().and_then(|m| m.modified()).ok();
    match (modified(&marker), modified(lock_file)) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    }
}
