//! A rate per key with a bounded table: `governor`'s keyed GCRA limiter,
//! shared by the password endpoints' throttles (per client address, per
//! email) and the web chat's (per visitor, per address).
//!
//! Invariant: the table is bounded. Keys whose state is back to fresh are
//! dropped by [`KeyedRate::forget_idle`] (the sweep calls it) and, at most
//! once a second, when the table reaches its most keys; a table still full
//! refuses every new attempt for a second rather than grow.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys a table holds before it refuses new ones.
pub(crate) const MAX_KEYS: usize = 100_000;

/// `per_minute` sustained and `burst` at once, per key; a rate of 0 is
/// off (every attempt passes).
pub(crate) struct KeyedRate<K: Hash + Eq + Clone> {
    limiter: Option<DefaultKeyedRateLimiter<K>>,
    clock: DefaultClock,
    /// The most keys the table holds ([`MAX_KEYS`]).
    pub(crate) max_keys: usize,
    /// When the full table was last pruned: a scan of every key is not
    /// repeated for each attempt while it stays full.
    pruned: Mutex<Option<Instant>>,
}

impl<K: Hash + Eq + Clone> KeyedRate<K> {
    pub(crate) fn new(per_minute: u32, burst: u32) -> KeyedRate<K> {
        let limiter = NonZeroU32::new(per_minute).map(|per_minute| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
        });
        KeyedRate {
            limiter,
            clock: DefaultClock::default(),
            max_keys: MAX_KEYS,
            pruned: Mutex::new(None),
        }
    }

    /// Counts one attempt under `key`; `Err(wait)` past its rate, or for a
    /// second while the table is full.
    pub(crate) fn check(&self, key: &K) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() >= self.max_keys {
            if self.may_prune() {
                limiter.retain_recent();
            }
            if limiter.len() >= self.max_keys {
                return Err(Duration::from_secs(1));
            }
        }
        limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Drops the keys whose state is back to fresh.
    pub(crate) fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many keys the table holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }

    /// Whether the full table may be pruned now (at most once a second).
    fn may_prune(&self) -> bool {
        // Only ever replaced whole: a poisoned lock still holds a valid time.
        let mut pruned = self.pruned.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if pruned.is_some_and(|at| now.duration_since(at) < Duration::from_secs(1)) {
            return false;
        }
        *pruned = Some(now);
        true
    }
}
