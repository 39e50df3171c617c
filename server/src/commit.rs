//! Group commit: one flush of the store serves every write made before it
//! started.
//!
//! A hub writes an entry, then calls [`Committer::request`], which returns
//! the generation of the next flush to start. When the watch from
//! [`Committer::watch`] shows that generation (or a later one), the write is
//! on disk and the hub may acknowledge it. Flushes never overlap, and a write
//! requested while a flush runs waits for the following one, so no
//! acknowledgement ever precedes the flush that covers its write.

use crate::store::Store;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// The group committer shared by every hub.
pub(crate) struct Committer {
    state: Mutex<State>,
    wake: Notify,
    flushed: watch::Sender<u64>,
}

struct State {
    /// The generation the next flush will carry.
    next: u64,
    /// Whether a write is waiting for that flush.
    requested: bool,
}

impl Committer {
    /// A committer with nothing flushed yet (generation 0).
    pub(crate) fn new() -> Arc<Committer> {
        Arc::new(Committer {
            state: Mutex::new(State {
                next: 1,
                requested: false,
            }),
            wake: Notify::new(),
            flushed: watch::Sender::new(0),
        })
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

    /// The generation of the newest completed flush, live.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.flushed.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two plain fields updated together; a panic elsewhere
        // cannot leave them half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs flushes until `stop` fires, then one last flush.
    pub(crate) async fn run(
        self: Arc<Committer>,
        store: Arc<dyn Store>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
            self.flush_pending(&store).await;
        }
        // Hubs finish their last writes before the server stops them; a
        // final flush covers anything requested meanwhile.
        self.lock().requested = true;
        self.flush_pending(&store).await;
    }

    /// Flushes while writes are waiting, retrying failed flushes: an
    /// acknowledgement must never go out for a write that is not on disk.
    async fn flush_pending(&self, store: &Arc<dyn Store>) {
        loop {
            let generation = {
                let mut state = self.lock();
                if !state.requested {
                    return;
                }
                state.requested = false;
                state.next += 1;
                state.next - 1
            };
            let started = Instant::now();
            let store = Arc::clone(store);
            match tokio::task::spawn_blocking(move || store.flush()).await {
                Ok(Ok(())) => {
                    tracing::trace!(generation, elapsed = ?started.elapsed(), "flushed");
                    self.flushed.send_replace(generation);
                }
                failed => {
                    tracing::error!(
                        ?failed,
                        "store flush failed; acknowledgements wait for a retry"
                    );
                    self.lock().requested = true;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn a_request_is_marked_done_by_a_later_flush() {
        let committer = Committer::new();
        let (stop_tx, stop) = watch::channel(false);
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let task = tokio::spawn(Arc::clone(&committer).run(store, stop));
        let mut watch = committer.watch();
        let first = committer.request();
        watch.wait_for(|g| *g >= first).await.unwrap();
        let second = committer.request();
        assert!(second > first, "a new request waits for a new flush");
        watch.wait_for(|g| *g >= second).await.unwrap();
        stop_tx.send(true).unwrap();
        task.await.unwrap();
    }
}
