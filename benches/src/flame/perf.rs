//! `perf` as child processes: `perf record` attached to the server's pid
//! for a span, then `perf script` read back and folded.
//!
//! Stacks are unwound from DWARF (`--call-graph dwarf`): the server and
//! Rust's standard library are built without frame pointers, so `-g`
//! (frame pointers) gives the running function alone, with no callers.
//! Each sample then copies [`STACK_BYTES`] of stack, so samples are kept
//! few ([`PERIOD_NS`]) and the recording capped ([`MAX_SIZE`]): a minute
//! on both cores stays near 200 MB, in a temporary folder removed
//! afterwards. `perf script` runs with `--no-inline` (inlined functions
//! count as their caller): resolving inlined frames through addr2line
//! takes minutes on a release build.
//!
//! Invariants: the recorder never outlives its [`Recording`] (dropping it
//! kills the child); a recording that could not start, or that saw no
//! sample, is an error, never an empty graph.

use anyhow::{bail, Context};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A sample every this many nanoseconds of a thread's CPU time
/// (`cpu-clock`, which every machine has, virtual ones included): 200 a
/// second per busy thread, and a sample's weight is CPU time.
pub(crate) const PERIOD_NS: u64 = 5_000_000;
/// Bytes of stack copied per sample, for DWARF unwinding.
const STACK_BYTES: u32 = 8192;
/// The most perf.data may grow to; perf stops recording there.
const MAX_SIZE: &str = "512M";
/// How long `perf record` may take to fail when it cannot attach.
const ATTACH_CHECK: Duration = Duration::from_millis(500);
/// How long `perf record` may take to write its data once told to stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether this machine can profile at all: `perf` on PATH and allowed to
/// attach to another process.
pub(crate) fn check() -> anyhow::Result<()> {
    let version = Command::new("perf")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match version {
        Ok(status) if status.success() => {}
        Ok(status) => bail!(
            "`perf --version` failed ({status}): install the perf matching this kernel \
             (Debian: linux-perf)"
        ),
        Err(e) => bail!(
            "--flamegraph needs `perf` on PATH ({e}): install it (Debian: linux-perf, \
             Ubuntu: linux-tools-$(uname -r))"
        ),
    }
    let paranoid = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid")
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok());
    if let Some(level) = paranoid {
        if level > 2 && !rustix::process::getuid().is_root() {
            bail!(
                "--flamegraph: perf may not attach to a process for this user \
                 (kernel.perf_event_paranoid is {level}): run as root or \
                 `sysctl kernel.perf_event_paranoid=2`"
            );
        }
    }
    Ok(())
}

/// `perf record` attached to a process.
pub(crate) struct Recording {
    child: std::process::Child,
    pid: u32,
    started: Instant,
    dir: tempfile::TempDir,
}

/// What a finished recording left: its samples file, kept while this lives.
pub(crate) struct Recorded {
    /// The samples.
    pub(crate) data: PathBuf,
    /// How long it recorded.
    pub(crate) span: Duration,
    /// Whether perf stopped early at [`MAX_SIZE`].
    pub(crate) capped: bool,
    // Holds the folder of `data`.
    _recording: Recording,
}

impl Recording {
    /// Attaches `perf record` to process `pid`; fails when perf exits at
    /// once (not permitted, no such process), with perf's own words.
    pub(crate) async fn start(pid: u32) -> anyhow::Result<Recording> {
        let dir = tempfile::Builder::new()
            .prefix("switchboard-flame-")
            .tempdir()
            .context("creating a folder for perf.data")?;
        let log = std::fs::File::create(dir.path().join("perf.log"))
            .context("creating perf's log file")?;
        let child = Command::new("perf")
            .arg("record")
            .args(["-e", "cpu-clock", "-c", &PERIOD_NS.to_string()])
            .args(["--call-graph", &format!("dwarf,{STACK_BYTES}")])
            // No copy of the server binary into ~/.debug on every run.
            .arg("--no-buildid-cache")
            .args(["--max-size", MAX_SIZE])
            .args(["-p", &pid.to_string()])
            .arg("-o")
            .arg(dir.path().join("perf.data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting `perf record`")?;
        let mut recording = Recording {
            child,
            pid,
            started: Instant::now(),
            dir,
        };
        tokio::time::sleep(ATTACH_CHECK).await;
        if let Some(status) = recording
            .child
            .try_wait()
            .context("watching `perf record`")?
        {
            bail!(
                "`perf record -p {pid}` could not attach ({status}): {}",
                recording.log()
            );
        }
        Ok(recording)
    }

    /// Stops recording (SIGINT, as Ctrl-C would) and waits for perf to
    /// write its data.
    pub(crate) async fn stop(mut self) -> anyhow::Result<Recorded> {
        let span = self.started.elapsed();
        let pid = rustix::process::Pid::from_child(&self.child);
        // It may have ended already, with the process it watched.
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().context("waiting for `perf record`")? {
                break status;
            }
            if Instant::now() > deadline {
                bail!("`perf record` did not finish writing within {STOP_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let data = self.dir.path().join("perf.data");
        let size = std::fs::metadata(&data).map_or(0, |m| m.len());
        if size == 0 {
            bail!(
                "`perf record -p {}` wrote nothing ({status}): {}",
                self.pid,
                self.log()
            );
        }
        // --max-size stops at the cap less one buffer: near it means capped.
        let capped = size > 500 * 1024 * 1024;
        Ok(Recorded {
            data,
            span,
            capped,
            _recording: self,
        })
    }

    /// The end of what perf printed, on one line.
    fn log(&self) -> String {
        last_words(&self.dir.path().join("perf.log"))
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        // A run that ends early (an error, Ctrl-C) leaves no perf behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `perf script` on `data` and folds what it prints (blocking: run
/// it off the runtime's threads).
pub(crate) fn script(data: &Path) -> anyhow::Result<String> {
    let log_path = data.with_file_name("script.log");
    let log = std::fs::File::create(&log_path).context("creating perf script's log")?;
    let mut child = Command::new("perf")
        .args(["script", "--no-inline", "-i"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .context("starting `perf script`")?;
    let stdout = child
        .stdout
        .take()
        .context("`perf script` has no output pipe")?;
    let folded = super::frames::fold(BufReader::new(stdout));
    let status = child.wait().context("waiting for `perf script`")?;
    let folded = folded.context("reading `perf script` output")?;
    if !status.success() {
        bail!("`perf script` failed ({status}): {}", last_words(&log_path));
    }
    Ok(folded)
}

/// The last few lines of a log, joined on one line.
fn last_words(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
    if tail.is_empty() {
        "(perf printed nothing)".to_string()
    } else {
        tail
    }
}
