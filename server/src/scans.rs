//! Scans of whole logs (reports, usage counts): they run on the blocking
//! pool, never on a thread that serves connections, and only a few at once.
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

    /// Runs `scan` on the blocking pool once a permit is free.
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
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            scan()
        })
        .await
        .map_err(|e| ScanError::Failed(e.to_string()))
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
}
