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
//! A flush that fails is retried until it succeeds, and the writes it
//! covers stay unacknowledged meanwhile. [`Committer::trouble`] says when
//! the store cannot flush (the last attempt failed, or one has run too
//! long), so that readiness can report it and hubs can stop taking writes
//! they could not acknowledge.
//!
//! Flushes run on a thread of their own: a flush blocks, and handing it to
//! the async runtime's pool would put its completion behind whatever else
//! the runtime is busy with (thousands of socket writes after a large
//! fan-out), which shows up directly in every acknowledgement's latency.
//!
//! A flush asked for while another ran starts only after the flusher has
//! yielded its core once. Each flush costs more than the few writes it
//! covers on a busy core (sled hands the write to its IO threads and wakes
//! all seven, one after the other, to find it): going again at once, each
//! flush covered the writes that came in during the last one. Yielding
//! lets the hubs woken by the last flush answer and take in their next
//! sends first. With the bench on one core and the server on the other,
//! durable sends went from 13,883 to 24,439 acks/s, p99 46.0 to 26.2 ms;
//! sharing both cores, 33,858 to 36,405, p99 19.3 to 15.8 ms. The price is
//! on a core saturated by a fan-out, where the yield puts the next flush
//! behind the writers: p50 1.24x at 400 msg/s to 1,000 subscribers (12.4
//! against 10.0 ms), unchanged at 200 (see benches/RESULTS.md). An idle
//! core makes the yield return at once.

use crate::store::Store;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long the flusher waits before it retries a failed flush.
const RETRY: Duration = Duration::from_millis(100);

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
    /// Whether the flusher is asleep on `wake`. Only then does a request
    /// need to wake it: a flusher that is flushing looks at `requested`
    /// before it sleeps again. Waking it on every write cost a futex call
    /// per write on the hubs' threads.
    sleeping: bool,
    /// Whether the flusher should stop once nothing is requested.
    stopping: bool,
    /// When the flush under way started (None between flushes).
    flushing_since: Option<Instant>,
    /// Why the last attempt failed, until an attempt succeeds.
    failure: Option<String>,
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
                sleeping: false,
                stopping: false,
                flushing_since: None,
                failure: None,
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
        let (generation, asleep) = {
            let mut state = self.lock();
            // Asleep with a request already made: that request woke it.
            let asleep = state.sleeping && !state.requested;
            state.requested = true;
            (state.next, asleep)
        };
        if asleep {
            self.wake.notify_one();
        }
        generation
    }

    /// Waits until every write made so far is on disk.
    pub(crate) async fn flushed(&self) {
        let generation = self.request();
        // The sender lives in `self`: the watch cannot close while we wait.
        let _ = self.watch().wait_for(|done| *done >= generation).await;
    }

    /// Why the store cannot flush now, if it cannot: the last attempt
    /// failed (it is being retried), or the flush under way has run longer
    /// than `patience`.
    pub(crate) fn trouble(&self, patience: Duration) -> Option<String> {
        let state = self.lock();
        if let Some(failure) = &state.failure {
            return Some(format!("the store cannot flush: {failure}"));
        }
        let since = state.flushing_since?;
        let elapsed = since.elapsed();
        (elapsed > patience).then(|| format!("a flush of the store has run for {elapsed:.1?}"))
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
                if state.requested {
                    // Back to back: writes came in during the last flush.
                    // Let whatever waits for this core run first, so the
                    // hubs that flush woke answer and take in their next
                    // writes, and one flush covers them all.
                    drop(state);
                    std::thread::yield_now();
                    state = self.lock();
                }
                while !state.requested && !state.stopping {
                    state.sleeping = true;
                    state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
                    state.sleeping = false;
                }
                if !state.requested {
                    return;
                }
                state.requested = false;
                state.next += 1;
                state.flushing_since = Some(Instant::now());
                state.next - 1
            };
            let started = Instant::now();
            // An acknowledgement must never go out for a write that is not
            // on disk: a failed flush is retried until it succeeds.
            while let Err(e) = store.flush() {
                tracing::error!(error = %e, "store flush failed; acknowledgements wait for a retry");
                crate::metrics::get().flush_failures.inc();
                self.lock().failure = Some(e.to_string());
                std::thread::sleep(RETRY);
            }
            {
                let mut state = self.lock();
                state.flushing_since = None;
                state.failure = None;
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

    /// A committer over a store whose flushes pass `gate`.
    fn gated() -> (crate::store::FlushGate, Arc<Committer>, Flusher) {
        let gate = crate::store::FlushGate::new();
        let store: Arc<dyn Store> = Arc::new(MemoryStore::with_flush_gate(gate.clone()));
        let (committer, flusher) = Committer::start(store).unwrap();
        (gate, committer, flusher)
    }

    /// A gated committer whose first flush, asked for with the generation
    /// returned, is under way and held at the gate.
    async fn held() -> (crate::store::FlushGate, Arc<Committer>, Flusher, u64) {
        let (gate, committer, flusher) = gated();
        gate.hold();
        let generation = committer.request();
        reached(&gate, 1).await;
        (gate, committer, flusher, generation)
    }

    /// Waits until `attempts` flushes have reached the gate; fails after
    /// 10 s (a request that never started a flush).
    async fn reached(gate: &crate::store::FlushGate, attempts: u64) {
        let wait = async {
            while gate.attempts() < attempts {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .unwrap_or_else(|_| panic!("{attempts} flush(es) never reached the gate"));
    }

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

    #[tokio::test]
    async fn a_request_made_during_a_flush_gets_the_next_one_without_a_wake_up() {
        let (gate, committer, flusher, first) = held().await;
        // The flusher is flushing, not asleep: this request only marks itself.
        let second = committer.request();
        assert!(second > first);
        gate.open();
        tokio::time::timeout(
            Duration::from_secs(10),
            committer.watch().wait_for(|g| *g >= second),
        )
        .await
        .expect("the flusher saw the request when its flush ended")
        .unwrap();
        flusher.stop().await;
    }

    #[tokio::test]
    async fn a_failing_flush_is_retried_and_reported_until_it_succeeds() {
        let (gate, committer, flusher) = gated();
        let patience = Duration::from_secs(60);
        assert_eq!(committer.trouble(patience), None);
        gate.fail();
        let mut watch = committer.watch();
        let generation = committer.request();
        reached(&gate, 2).await;
        let trouble = committer
            .trouble(patience)
            .expect("a failing flush is reported");
        assert!(trouble.contains("cannot flush"), "{trouble}");
        assert!(
            *watch.borrow_and_update() < generation,
            "nothing marked done"
        );
        gate.open();
        watch.wait_for(|g| *g >= generation).await.unwrap();
        assert_eq!(committer.trouble(patience), None, "healthy again");
        flusher.stop().await;
    }

    #[tokio::test]
    async fn a_flush_running_past_its_patience_is_reported() {
        let (gate, committer, flusher, generation) = held().await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(committer.trouble(Duration::from_millis(10)).is_some());
        assert_eq!(committer.trouble(Duration::from_secs(60)), None);
        gate.open();
        committer
            .watch()
            .wait_for(|g| *g >= generation)
            .await
            .unwrap();
        assert_eq!(committer.trouble(Duration::from_millis(10)), None);
        flusher.stop().await;
    }
}
