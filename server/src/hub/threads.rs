//! The hubs' own threads: a runtime apart from the connections'.
//!
//! A flush's fan-out wakes a writer per subscriber, and on the
//! connections' runtime every one of them would be queued ahead of the
//! hub's next wake-up (the next flush done, the next command): the hub
//! would wait its turn behind a thousand socket writes before it could
//! hand out the next events. On threads of their own, a woken hub waits
//! for the kernel to give it a core, beside the writers' threads, not
//! behind the writers in one run queue; and its work per event is small
//! (append, then a push per subscriber). In the fan-out bench (1 team ×
//! 1,000 subscribers) that took the median latency to 0.65-0.77x of the
//! build before (see README, Performance).
//!
//! The price: a command and its answer now cross between two runtimes
//! (the reader's command to the hub, the hub's answer to the writer),
//! each a wake-up of another thread, where they used to be woken on the
//! same worker. Durable sends keep their throughput, and their p99 rose
//! by about a fifth in two of three comparisons.
//!
//! One thread per core, so that several busy teams still write in
//! parallel: with one thread for all hubs, durable sends over four teams
//! fell to 0.80x.
//!
//! Whatever a hub spawns (a wait for a subscriber's room, a page of the
//! board read from the store) runs here too; channels and timers work
//! across runtimes, so sessions and hubs talk as before.

use tokio::runtime::{Builder, Handle, Runtime};

/// The runtime the hubs run on. Dropping it stops whatever still runs on
/// it without waiting (a server that stopped has no hub left by then).
pub(crate) struct HubThreads {
    /// Taken only when dropped.
    runtime: Option<Runtime>,
    handle: Handle,
}

impl HubThreads {
    /// Starts one thread per core.
    pub(crate) fn start() -> std::io::Result<HubThreads> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let runtime = Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("switchboard-hub")
            .enable_all()
            .build()?;
        Ok(HubThreads {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }

    /// Where hubs are spawned.
    pub(crate) fn handle(&self) -> Handle {
        self.handle.clone()
    }
}

impl Drop for HubThreads {
    fn drop(&mut self) {
        // Not a plain drop, which blocks on the runtime's blocking tasks
        // and panics when it happens on an async task (a server dropped in
        // a test, say).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
