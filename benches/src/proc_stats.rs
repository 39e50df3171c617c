//! What the kernel says about a process: CPU time (`utime + stime` from
//! `/proc/PID/stat`), resident memory (`VmRSS` from `/proc/PID/status`),
//! bytes sent to the disk (`write_bytes` from `/proc/PID/io`), open file
//! descriptors, and this process's own limit on them.
//!
//! Invariant: nothing here fails a run. A process that cannot be read (gone,
//! or another user's) yields `None`, and the report shows a dash.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Clock ticks per second when the auxiliary vector does not say (Linux's
/// USER_HZ is 100 on every common architecture).
const DEFAULT_CLOCK_TICKS: u64 = 100;
/// `AT_CLKTCK` in the auxiliary vector: the kernel's USER_HZ.
const AT_CLKTCK: u64 = 17;

/// One reading of a process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProcSample {
    /// When it was taken.
    pub(crate) at: Instant,
    /// User plus system CPU time since the process started.
    pub(crate) cpu: Duration,
    /// Resident set size, in KiB.
    pub(crate) rss_kib: u64,
    /// Bytes the process caused to be written to storage, when readable.
    pub(crate) disk_write_bytes: Option<u64>,
}

impl ProcSample {
    /// CPU use between `earlier` and `self`, in percent of one core.
    pub(crate) fn cpu_percent_since(&self, earlier: &ProcSample) -> f64 {
        let wall = self.at.saturating_duration_since(earlier.at).as_secs_f64();
        if wall <= 0.0 {
            return 0.0;
        }
        let cpu = self.cpu.saturating_sub(earlier.cpu).as_secs_f64();
        100.0 * cpu / wall
    }
}

/// Reads a process; `None` if it cannot be read.
pub(crate) fn sample(pid: u32) -> Option<ProcSample> {
    let at = Instant::now();
    let stat = std::fs::read_to_string(proc_path(pid, "stat")).ok()?;
    let status = std::fs::read_to_string(proc_path(pid, "status")).ok()?;
    let io = std::fs::read_to_string(proc_path(pid, "io")).unwrap_or_default();
    Some(ProcSample {
        at,
        cpu: cpu_time(&stat, clock_ticks())?,
        rss_kib: status_kib(&status, "VmRSS:")?,
        disk_write_bytes: io_field(&io, "write_bytes:"),
    })
}

/// This bench's own process.
pub(crate) fn sample_self() -> Option<ProcSample> {
    sample(std::process::id())
}

/// How many file descriptors a process has open.
pub(crate) fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(proc_path(pid, "fd")).ok()?.count())
}

/// The soft limit on open files of this process (`ulimit -n`), from
/// `/proc/self/limits`.
pub(crate) fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_files_limit(&limits)
}

fn parse_open_files_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    // "Max open files            20000                20000                files"
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    match soft {
        "unlimited" => Some(u64::MAX),
        n => n.parse().ok(),
    }
}

fn proc_path(pid: u32, file: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/{file}"))
}

/// `utime + stime` of a `/proc/PID/stat` line. The command name (field 2)
/// may hold spaces and parentheses, so fields are counted from its last `)`.
fn cpu_time(stat: &str, ticks_per_second: u64) -> Option<Duration> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After the name: state (3), ppid (4) ... utime is field 14, stime 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime + stime;
    let per = ticks_per_second.max(1);
    Some(
        Duration::from_secs(ticks / per)
            + Duration::from_nanos((ticks % per) * 1_000_000_000 / per),
    )
}

/// A `key: 123` line of `/proc/PID/io`.
fn io_field(io: &str, key: &str) -> Option<u64> {
    let line = io.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].trim().parse().ok()
}

/// A `Key:   123 kB` line of `/proc/PID/status`, in KiB.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The kernel's clock ticks per second, from this process's auxiliary
/// vector (native-endian pairs of words) rather than libc's `sysconf`.
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        let Ok(auxv) = std::fs::read("/proc/self/auxv") else {
            return DEFAULT_CLOCK_TICKS;
        };
        auxv.chunks_exact(16)
            .find_map(|pair| {
                let (key, value) = pair.split_at(8);
                // `chunks_exact(16)` split at 8 gives two 8-byte halves.
                let key = u64::from_ne_bytes(key.try_into().ok()?);
                let value = u64::from_ne_bytes(value.try_into().ok()?);
                (key == AT_CLKTCK && value > 0).then_some(value)
            })
            .unwrap_or(DEFAULT_CLOCK_TICKS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_time_past_a_name_with_spaces() {
        let stat = "1234 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 4 0";
        assert_eq!(cpu_time(stat, 100), Some(Duration::from_secs(3)));
    }

    #[test]
    fn reads_rss_and_the_fd_limit() {
        let status = "Name:\tswitchboard\nVmRSS:\t   20480 kB\nThreads:\t3\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(20480));
        let io = "rchar: 1\nwrite_bytes: 4096\ncancelled_write_bytes: 0\n";
        assert_eq!(io_field(io, "write_bytes:"), Some(4096));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            20000                20000                files\n";
        assert_eq!(parse_open_files_limit(limits), Some(20000));
    }

    #[test]
    fn this_process_can_be_read() {
        let s = sample_self().expect("/proc/self is readable");
        assert!(s.rss_kib > 0);
        assert!(clock_ticks() > 0);
    }
}
