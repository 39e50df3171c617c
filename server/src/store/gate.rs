//! A gate on a store's flush, for tests and fault drills: the test holds
//! flushes back (to prove nothing is answered before its flush) or makes
//! them fail (to see how the server behaves on a failing disk), then lets
//! them through again.
//!
//! [`MemoryStore::with_flush_gate`](super::MemoryStore::with_flush_gate)
//! puts one in front of the memory store's flush. A flush blocked at a
//! held gate blocks its caller (the group committer's thread), exactly as
//! a slow disk would.

use super::{StoreError, StoreResult};
use std::sync::{Arc, Condvar, Mutex};

/// What the gate does to a flush now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Open,
    Held,
    Failing,
}

struct Inner {
    mode: Mode,
    attempts: u64,
}

/// A handle on one gate; clones control the same gate.
#[derive(Clone)]
pub struct FlushGate {
    shared: Arc<(Mutex<Inner>, Condvar)>,
}

impl Default for FlushGate {
    fn default() -> Self {
        FlushGate::new()
    }
}

impl FlushGate {
    /// An open gate: flushes pass.
    pub fn new() -> FlushGate {
        FlushGate {
            shared: Arc::new((
                Mutex::new(Inner {
                    mode: Mode::Open,
                    attempts: 0,
                }),
                Condvar::new(),
            )),
        }
    }

    /// From now on, flushes wait at the gate until it is opened.
    pub fn hold(&self) {
        self.set(Mode::Held);
    }

    /// From now on, flushes fail at once (including those waiting).
    pub fn fail(&self) {
        self.set(Mode::Failing);
    }

    /// Lets every flush through again, those waiting first.
    pub fn open(&self) {
        self.set(Mode::Open);
    }

    /// How many flushes have reached the gate so far, passed or not.
    pub fn attempts(&self) -> u64 {
        self.lock().attempts
    }

    /// Called by the store's flush: returns once the gate lets it pass, or
    /// with an error while the gate fails flushes.
    pub fn pass(&self) -> StoreResult<()> {
        let (_, wake) = &*self.shared;
        let mut inner = self.lock();
        inner.attempts += 1;
        loop {
            match inner.mode {
                Mode::Open => return Ok(()),
                Mode::Failing => return Err(StoreError::Io("the flush failed at the gate".into())),
                Mode::Held => inner = wake.wait(inner).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }

    fn set(&self, mode: Mode) {
        self.lock().mode = mode;
        self.shared.1.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Two plain fields: a panic elsewhere cannot leave them half-set.
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_held_flush_waits_for_the_gate_and_a_failing_one_errs() {
        let gate = FlushGate::new();
        assert!(gate.pass().is_ok());
        gate.hold();
        let waiting = {
            let gate = gate.clone();
            std::thread::spawn(move || gate.pass())
        };
        while gate.attempts() < 2 {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(20));
        assert!(!waiting.is_finished(), "held at the gate");
        gate.fail();
        assert!(waiting.join().unwrap().is_err(), "a failing gate fails it");
        gate.open();
        assert!(gate.pass().is_ok());
    }
}
