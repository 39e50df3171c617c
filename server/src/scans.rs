//! Scans of whole logs (reports, usage counts): they run on threads of
//! their own at the lowest CPU priority (`SCHED_IDLE` on Linux), never on
//! a thread that serves connections, and only a few at once. A busy
//! machine serves its connections first; a scan takes the CPU time left
//! over. A scan also paces itself ([`Pacer`]): it rests as long as it
//! works, which keeps it from crowding the store and the caches that the
//! threads serving connections share with it.
//!
//! Invariants:
//! - at most `running` scans run at a time (a semaphore's permits, each
//!   held by its scan's blocking task until the scan ends, even if the
//!   requester has gone);
//! - at most `waiting` more wait for a permit; past that a scan is refused
//!   at once with [`ScanError::Busy`], which callers answer as the
//!   retryable `unavailable`. The waiting count is released by a guard, so
//!   a requester that gives up frees its place.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use thread_priority::ThreadPriority;
use tokio::sync::Semaphore;

/// Why a scan did not produce its result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanError {
    /// Too many scans run and wait already; retry later.
    #[error("too many reports are being computed; retry shortly")]
    Busy,
    /// The scan's task panicked.
    #[error("the scan failed: {0}")]
    Failed(String),
}

/// The gate every scan passes.
pub(crate) struct Scans {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// Counts a scan as waiting until dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Scans {
    /// At most `running` scans at once, and `waiting` more queued.
    pub(crate) fn new(running: usize, waiting: usize) -> Scans {
        Scans {
            permits: Arc::new(Semaphore::new(running.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: waiting,
        }
    }

    /// Runs `scan` on a low-priority thread of its own once a permit is free.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        scan: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ScanError> {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(ScanError::Busy);
                }
                let _waiting = Waiting(&self.waiting);
                Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    // The semaphore is never closed.
                    .map_err(|e| ScanError::Failed(e.to_string()))?
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("switchboard-scan".to_string())
            .spawn(move || {
                let _permit = permit;
                lower_priority();
                let _ = done.send(scan());
            })
            .map_err(|e| ScanError::Failed(e.to_string()))?;
        // A scan that panicked drops its sender.
        result
            .await
            .map_err(|_| ScanError::Failed("the scan ended without a result".to_string()))
    }
}

/// Paces a scan: at every `step`, it rests as long as it worked since the
/// last one, so that a scan takes at most half of a core and leaves the
/// store's locks and the caches to the threads serving connections half
/// of the time.
pub(crate) struct Pacer {
    since: std::time::Instant,
}

impl Pacer {
    /// A pacer starting now.
    pub(crate) fn new() -> Pacer {
        Pacer {
            since: std::time::Instant::now(),
        }
    }

    /// Rests as long as the work since the last step took.
    pub(crate) fn step(&mut self) {
        let worked = self.since.elapsed();
        std::thread::sleep(worked);
        self.since = std::time::Instant::now();
    }
}

/// Makes the calling thread run only on CPU time nothing else wants:
/// `SCHED_IDLE` on Linux, the lowest priority of its policy elsewhere.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    let lowered = {
        use thread_priority::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadSchedulePolicy,
        };
        let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
        set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle)
            .or_else(|_| ThreadPriority::Min.set_for_current())
    };
    #[cfg(not(target_os = "linux"))]
    let lowered = ThreadPriority::Min.set_for_current();
    if let Err(e) = lowered {
        tracing::debug!(error = ?e, "cannot lower a scan thread's priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn past_the_running_and_waiting_bounds_a_scan_is_refused_as_busy() {
        let scans = Arc::new(Scans::new(1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let scans = Arc::clone(&scans);
            async move { scans.run(move || hold.recv().is_ok()).await }
        });
        // The first holds the only permit; the second waits for it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn({
            let scans = Arc::clone(&scans);
            async move { scans.run(|| 2).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(matches!(scans.run(|| 3).await, Err(ScanError::Busy)));
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert_eq!(second.await.unwrap().unwrap(), 2);
        // Room again.
        assert_eq!(scans.run(|| 4).await.unwrap(), 4);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_scan_runs_only_on_cpu_time_nothing_else_wants() {
        // The scheduling policy, the 41st field of the thread's stat.
        let policy = || {
            let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
            let after = &stat[stat.rfind(')').unwrap() + 2..];
            after.split(' ').nth(38).unwrap().parse::<i32>().unwrap()
        };
        const SCHED_IDLE: i32 = 5;
        let scans = Scans::new(1, 0);
        assert_eq!(scans.run(policy).await.unwrap(), SCHED_IDLE);
        assert_ne!(
            policy(),
            SCHED_IDLE,
            "the server's own threads are not idle"
        );
    }
}
