//! The throttles of the password endpoints (login, sign-up, invitation
//! acceptance, password change): one keyed GCRA rate limiter (`governor`)
//! per client address and one per email, so that guessing a password is
//! bounded by the rate, not by Argon2's speed, and one address cannot
//! spend every hashing slot.
//!
//! Invariants:
//! - A refused attempt costs no hashing: the throttles are checked before
//!   any password work, and a refusal says how long to wait
//!   ([`ApiError::TooManyRequests`], answered with `Retry-After`).
//! - The tables are bounded: an email counts by its SHA-256 (32 bytes,
//!   however long the text sent), keys whose state is back to fresh are
//!   dropped by [`Throttle::forget_idle`] (the sweep calls it) and, at most
//!   once a second, when a table reaches [`MAX_KEYS`]; a table still full
//!   refuses every attempt for a second rather than grow.
//! - An IPv6 client counts by its /64 (one host usually holds a whole
//!   /64), an IPv4-mapped IPv6 address as the IPv4 address it is.

use super::error::ApiError;
use crate::config::AuthLimits;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys a table holds before it refuses new ones.
pub(crate) const MAX_KEYS: usize = 100_000;

/// The throttles; `None` where the configured rate is 0 (off).
pub(crate) struct Throttle {
    by_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    by_email: Option<DefaultKeyedRateLimiter<[u8; 32]>>,
    clock: DefaultClock,
    /// The most keys a table holds ([`MAX_KEYS`]).
    max_keys: usize,
    /// When a full table was last pruned: a scan of every key is not
    /// repeated for each attempt while it stays full.
    pruned: Mutex<Option<Instant>>,
}

impl Throttle {
    pub(crate) fn new(limits: &AuthLimits) -> Throttle {
        Throttle {
            by_address: limiter(limits.per_address_per_minute, limits.per_address_burst),
            by_email: limiter(limits.per_email_per_minute, limits.per_email_burst),
            clock: DefaultClock::default(),
            max_keys: MAX_KEYS,
            pruned: Mutex::new(None),
        }
    }

    /// Counts one attempt from `address`; refused past its rate.
    pub(crate) fn address(&self, address: IpAddr) -> Result<(), ApiError> {
        self.check(self.by_address.as_ref(), &client_key(address))
    }

    /// Counts one attempt on `email` (any case); refused past its rate.
    pub(crate) fn email(&self, email: &str) -> Result<(), ApiError> {
        let key = crate::auth::hash(&email.trim().to_lowercase());
        self.check(self.by_email.as_ref(), &key)
    }

    /// Drops the keys whose state is back to fresh.
    pub(crate) fn forget_idle(&self) {
        if let Some(limiter) = &self.by_address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.by_email {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    fn check<K: Hash + Eq + Clone>(
        &self,
        limiter: Option<&DefaultKeyedRateLimiter<K>>,
        key: &K,
    ) -> Result<(), ApiError> {
        let Some(limiter) = limiter else {
            return Ok(());
        };
        if limiter.len() >= self.max_keys {
            if self.may_prune() {
                limiter.retain_recent();
            }
            if limiter.len() >= self.max_keys {
                return Err(ApiError::TooManyRequests(Duration::from_secs(1)));
            }
        }
        limiter.check_key(key).map_err(|not_until| {
            ApiError::TooManyRequests(not_until.wait_time_from(self.clock.now()))
        })
    }
}

impl Throttle {
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
    let quota = Quota::per_minute(per_minute).allow_burst(burst);
    Some(RateLimiter::keyed(quota))
}

/// The key a client address counts under.
pub(crate) fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, burst: u32) -> AuthLimits {
        AuthLimits {
            per_address_per_minute: per_minute,
            per_address_burst: burst,
            per_email_per_minute: per_minute,
            per_email_burst: burst,
            ..AuthLimits::default()
        }
    }

    #[test]
    fn the_burst_passes_then_the_wait_is_said() {
        let throttle = Throttle::new(&limits(6, 2));
        assert!(throttle.email("Ana@acme.test").is_ok());
        assert!(throttle.email("ana@ACME.test ").is_ok());
        match throttle.email("ana@acme.test") {
            Err(ApiError::TooManyRequests(wait)) => {
                assert!(wait > Duration::from_secs(5) && wait <= Duration::from_secs(10));
            }
            other => panic!("{other:?}"),
        }
        assert!(throttle.email("bob@acme.test").is_ok(), "per email");
    }

    #[test]
    fn a_v6_host_counts_by_its_64_and_a_mapped_v4_as_v4() {
        let throttle = Throttle::new(&limits(1, 1));
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        assert!(throttle.address(a).is_ok());
        assert!(throttle.address(b).is_err(), "same /64");
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert!(throttle.address(v4).is_ok());
        assert!(throttle.address(mapped).is_err(), "the same client");
    }

    #[test]
    fn a_full_table_refuses_rather_than_grows() {
        let mut throttle = Throttle::new(&limits(1, 1));
        throttle.max_keys = 3;
        for i in 0..3 {
            assert!(throttle.email(&format!("u{i}@acme.test")).is_ok());
        }
        // Every key is recent: pruning frees nothing, a fourth waits.
        assert!(matches!(
            throttle.email("u3@acme.test"),
            Err(ApiError::TooManyRequests(wait)) if wait == Duration::from_secs(1)
        ));
        assert_eq!(throttle.by_email.as_ref().unwrap().len(), 3);
    }

    #[test]
    fn a_rate_of_zero_is_off() {
        let throttle = Throttle::new(&limits(0, 0));
        for _ in 0..100 {
            assert!(throttle.email("ana@acme.test").is_ok());
        }
    }
}
