//! The visitors' throttles: messages per visitor (over all its
//! connections), visitors created per client address, and visitor
//! connections held open per client address.
//!
//! Invariant: every table is bounded. The rate tables are `governor`'s
//! keyed limiters, pruned of keys back to fresh by the sweep and, at most
//! once a second, when one reaches [`MAX_KEYS`] (still full, it refuses
//! for a second rather than grow); the connection counts hold only
//! addresses with a connection open, each gone with its last.

use crate::config::VisitorLimits;
use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_protocol::ids::UserId;

/// The most keys a rate table holds.
const MAX_KEYS: usize = 100_000;

/// The visitors' throttles.
pub(crate) struct VisitorGate {
    sends: Option<DefaultKeyedRateLimiter<UserId>>,
    creations: Option<DefaultKeyedRateLimiter<IpAddr>>,
    connections: Arc<DashMap<IpAddr, usize>>,
    max_connections: usize,
    clock: DefaultClock,
    pruned: Mutex<Option<Instant>>,
}

/// A visitor connection counted against its address; dropping it gives
/// the place back.
pub(crate) struct AddressSlot {
    connections: Arc<DashMap<IpAddr, usize>>,
    address: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        if let Some(mut count) = self.connections.get_mut(&self.address) {
            *count = count.saturating_sub(1);
        }
        self.connections.remove_if(&self.address, |_, n| *n == 0);
    }
}

impl VisitorGate {
    pub(crate) fn new(limits: &VisitorLimits) -> VisitorGate {
        VisitorGate {
            sends: limiter(limits.messages_per_minute, limits.message_burst),
            creations: limiter(limits.creations_per_minute, limits.creations_per_minute),
            connections: Arc::default(),
            max_connections: limits.connections_per_address,
            clock: DefaultClock::default(),
            pruned: Mutex::new(None),
        }
    }

    /// Counts one message of `visitor`; `Err(wait)` past its rate.
    pub(crate) fn send(&self, visitor: UserId) -> Result<(), Duration> {
        self.check(self.sends.as_ref(), &visitor)
    }

    /// Counts one visitor created from `address`; `Err(wait)` past its rate.
    pub(crate) fn create(&self, address: IpAddr) -> Result<(), Duration> {
        self.check(self.creations.as_ref(), &address)
    }

    /// Takes a connection place for `address`; None when it holds the
    /// most visitor connections it may.
    pub(crate) fn connect(&self, address: IpAddr) -> Option<AddressSlot> {
        let mut count = self.connections.entry(address).or_insert(0);
        if *count >= self.max_connections {
            return None;
        }
        *count += 1;
        drop(count);
        Some(AddressSlot {
            connections: Arc::clone(&self.connections),
            address,
        })
    }

    /// Drops the rate keys back to fresh (the sweep calls it).
    pub(crate) fn forget_idle(&self) {
        if let Some(limiter) = &self.sends {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.creations {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    fn check<K: Hash + Eq + Clone>(
        &self,
        limiter: Option<&DefaultKeyedRateLimiter<K>>,
        key: &K,
    ) -> Result<(), Duration> {
        let Some(limiter) = limiter else {
            return Ok(());
        };
        if limiter.len() >= MAX_KEYS {
            if self.may_prune() {
                limiter.retain_recent();
            }
            if limiter.len() >= MAX_KEYS {
                return Err(Duration::from_secs(1));
            }
        }
        limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Whether a full table may be pruned now (at most once a second).
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

/// A limiter allowing `per_minute` sustained and `burst` at once; `None`
/// for a rate of 0.
fn limiter<K: Hash + Eq + Clone>(
    per_minute: u32,
    burst: u32,
) -> Option<DefaultKeyedRateLimiter<K>> {
    let per_minute = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Some(RateLimiter::keyed(
        Quota::per_minute(per_minute).allow_burst(burst),
    ))
}
