//! Group commit: one flush of the store serves every write made before it
//! started.
//!
//! A hub writes an entry, then calls [`Committer::request`], which returns
//! the generation of the next flush to start. When the watch from
//! [`Committer::watch`] shows that generation (or a later one), the write is
//! on disk and the hub may acknowledge it. Flushes never overlap, and a write
//! requested while a flush runs waits for the following one, so no
//! acknowledgement ever precedes the flush that covers its write.
//!
//! Flushes run on a thread of their own: a flush blocks, and handing it to
//! the async runtime's pool would put its completion behind whatever else
//! the runtime is busy with (thousands of socket writes after a large
//! fan-out), which shows up directly in every acknowledgement's latency.

use crate::store::Store;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The group committer shared by every hub.
pub(crate) struct Committer {
    state: Mutex<State>,
    wake: Condvar,
    flushed: watch::Sender<u64>,
}

struct State {
    /// The generation the next flush will carry.
    next: u64,
    /// Whether a write is waiting for that flush.
    requested: bool,
    /// Whether the flusher should stop once nothing is requested.
    stopping: bool,
}

/// The flusher thread; [`Flusher::stop`] ends it after a last flush.
pub(crate) struct Flusher {
    committer: Arc<Committer>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    /// A committer with nothing flushed yet (generation 0), and its
    /// flusher thread, flushing `store`.
    pub(crate) fn start(store: Arc<dyn Store>) -> std::io::Result<(Arc<Committer>, Flusher)> {
        let committer = Arc::new(Committer {
            state: Mutex::new(State {
                next: 1,
                requested: false,
                stopping: false,
            }),
            wake: Condvar::new(),
            flushed: watch::Sender::new(0),
        });
        let runner = Arc::clone(&committer);
        let thread = std::thread::Builder::new()
            .name("switchboard-flush".into())
            .spawn(move || runner.run(store.as_ref()))?;
        let flusher = Flusher {
            committer: Arc::clone(&committer),
            thread: Some(thread),
        };
        Ok((committer, flusher))
    }

    /// Asks for a flush covering every write made so far; returns the
    /// generation that will mark it done.
    pub(crate) fn request(&self) -> u64 {
        let generation = {
            let mut state = self.lock();
            state.requested = true;
            state.next
        };
        self.wake.notify_one();
        generation
    }

    /// Waits until every write made so far is on disk.
    pub(crate) async fn flushed(&self) {
        let generation = self.request();
        // The sender lives in `self`: the watch cannot close while we wait.
        let _ = self.watch().wait_for(|done| *done >= generation).await;
    }

    /// The generation of the newest completed flush, live.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.flushed.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain fields updated together; a panic elsewhere
        // cannot leave them half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The flusher thread: flushes while writes wait, until stopped.
    fn run(&self, store: &dyn Store) {
        loop {
            let generation = {
                let mut state = self.lock();
                while !state.requested && !state.stopping {
                    state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
                }
                if !state.requested {
                    return;
                }
                state.requested = false;
                state.next += 1;
                state.next - 1
            };
            let started = Instant::now();
            // An acknowledgement must never go out for a write that is not
            // on disk: a failed flush is retried until it succeeds.
            while let Err(e) = store.flush() {
                tracing::error!(error = %e, "store flush failed; acknowledgements wait for a retry");
                std::thread::sleep(Duration::from_millis(100));
            }
            crate::metrics::get()
                .flush_seconds
                .observe(started.elapsed().as_secs_f64());
            tracing::trace!(generation, elapsed = ?started.elapsed(), "flushed");
            self.flushed.send_replace(generation);
        }
    }
}

impl Flusher {
    /// Stops the thread after it has flushed whatever was requested.
    pub(crate) async fn stop(mut self) {
        self.committer.lock().stopping = true;
        self.committer.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            match tokio::task::spawn_blocking(move || thread.join()).await {
                Ok(Ok(())) => {}
                _ => tracing::error!("the flusher thread panicked"),
            }
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        // Not stopped explicitly (a test's runtime ending, say): let the
        // thread finish on its own.
        self.committer.lock().stopping = true;
        self.committer.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn a_request_is_marked_done_by_a_later_flush() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (committer, flusher) = Committer::start(store).unwrap();
        let mut watch = committer.watch();
        let first = committer.request();
        watch.wait_for(|g| *g >= first).await.unwrap();
        let second = committer.request();
        assert!(second > first, "a new request waits for a new flush");
        watch.wait_for(|g| *g >= second).await.unwrap();
        flusher.stop().await;
    }
}
