//! Wake-ups of a big fan-out's writers, a few at a time, so that another
//! team's writers are not queued behind all of them.
//!
//! A hub hands out a flush's events from its own thread (see
//! `hub::threads`), and every writer it wakes from there lands at the back
//! of the connections' runtime's shared queue. A team of a thousand
//! subscribers puts a thousand writers in that queue at once; a small
//! team's message flushed a moment later wakes its ten writers behind all
//! of them, and waits for a thousand socket writes before its own. So a
//! hub wakes at most [`PACE`] writers at once from its thread; past that,
//! the wake-ups go to the server's [`Pacer`], a task on the connections'
//! runtime which wakes `PACE` of them and then yields. The runtime runs a
//! yielded task again only once it has run what was ready meanwhile (the
//! writers just woken, then whatever waits in its shared queue, such as a
//! small team's writers, and the sockets' readiness), so another team's
//! writers wait behind at most `PACE` of the big team's writes.
//!
//! One pacer for every hub, not one each: big fan-outs then keep their
//! order among themselves (the first team's writers, then the second's),
//! and only the small ones overtake. With a pacer per hub, ten teams of
//! 1,900 took turns a chunk at a time, each finishing as late as the last,
//! and a 19,000-client storm took 4.94 s against 4.33 for the build
//! before; with one, 4.00 against 4.36 (pinned, three runs each).
//!
//! Invariants: a writer whose outbox took frames with no wake-up is on the
//! pacer's list (`State::paced` in the outbox says so), and stays there
//! until the pacer wakes it, so no frame waits for a wake-up that never
//! comes; an outbox is on the list at most once, so the list holds at most
//! one entry per connection; a pacer whose task is dropped without running
//! (the runtime is shutting down) wakes everyone left on its list at once.

use super::Outbox;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::runtime::Handle;

/// The most writers woken at once: from the hub's thread when a turn of a
/// fan-out wakes no more than this, from the pacer otherwise.
///
/// Well under the 61 polls after which tokio's worker checks the sockets
/// and wakes yielded tasks whatever else is ready: with a chunk longer
/// than that, the pacer is woken again before its chunk has run, the
/// queue ahead of another team's writers never drains, and the pacing
/// is lost. Measured pinned against the build before (`fanout --mixed`,
/// three rounds each): the small teams' p99 was 13.0 ms with 128 and 256,
/// 6.05-7.83 with 64, 5.01 with 32, 4.56 with 16 and 4.57 with 8.
pub(crate) const PACE: usize = 16;

/// The writers a turn of a fan-out queued frames for and did not wake yet.
#[derive(Default)]
pub(crate) struct Wakes(Vec<Arc<Outbox>>);

impl Wakes {
    pub(super) fn push(&mut self, outbox: Arc<Outbox>) {
        self.0.push(outbox);
    }
}

/// The server's pacer: the writers waiting to be woken, and whether its
/// task runs on the connections' runtime.
pub(crate) struct Pacer {
    /// The connections' runtime, where the writers run.
    runtime: Handle,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<Arc<Outbox>>,
    /// The task is spawned and has not ended.
    running: bool,
}

impl Pacer {
    /// A pacer whose task runs on `runtime`, the connections' runtime.
    pub(crate) fn new(runtime: Handle) -> Arc<Pacer> {
        Arc::new(Pacer {
            runtime,
            state: Mutex::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A queue and a flag, each updated in one step.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the writers of `wakes`: at once when they are no more than
    /// [`PACE`], else `PACE` at a time from the pacer's task.
    pub(crate) fn wake(self: &Arc<Self>, wakes: Wakes) {
        if wakes.0.len() <= PACE {
            for outbox in wakes.0 {
                outbox.wake_paced();
            }
            return;
        }
        let mut state = self.lock();
        state.waiting.extend(wakes.0);
        if !std::mem::replace(&mut state.running, true) {
            drop(state);
            let running = Running(Arc::clone(self));
            self.runtime.spawn(async move { running.pace().await });
        }
    }
}

/// The pacer's task; when it ends or is dropped unrun, the pacer may start
/// another, and whoever is still waiting is woken.
struct Running(Arc<Pacer>);

impl Running {
    async fn pace(&self) {
        let mut chunk = Vec::with_capacity(PACE);
        loop {
            {
                let mut state = self.0.lock();
                let n = state.waiting.len().min(PACE);
                if n == 0 {
                    return;
                }
                chunk.extend(state.waiting.drain(..n));
            }
            for outbox in chunk.drain(..) {
                outbox.wake_paced();
            }
            tokio::task::yield_now().await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let left = {
            let mut state = self.0.lock();
            state.running = false;
            std::mem::take(&mut state.waiting)
        };
        for outbox in left {
            outbox.wake_paced();
        }
    }
}
