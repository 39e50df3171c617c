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
//! - The tables are bounded ([`KeyedRate`]): an email counts by its
//!   SHA-256 (32 bytes, however long the text sent).
//! - An IPv6 client counts by its /64 (one host usually holds a whole
//!   /64), an IPv4-mapped IPv6 address as the IPv4 address it is.

use super::error::ApiError;
use crate::config::AuthLimits;
use crate::keyed_rate::KeyedRate;
use std::net::{IpAddr, Ipv6Addr};

/// The throttles (a rate of 0 is off).
pub(crate) struct Throttle {
    by_address: KeyedRate<IpAddr>,
    by_email: KeyedRate<[u8; 32]>,
}

impl Throttle {
    pub(crate) fn new(limits: &AuthLimits) -> Throttle {
        Throttle {
            by_address: KeyedRate::new(limits.per_address_per_minute, limits.per_address_burst),
            by_email: KeyedRate::new(limits.per_email_per_minute, limits.per_email_burst),
        }
    }

    /// Counts one attempt from `address`; refused past its rate.
    pub(crate) fn address(&self, address: IpAddr) -> Result<(), ApiError> {
        (self.by_address.check(&client_key(address))).map_err(ApiError::TooManyRequests)
    }

    /// Counts one attempt on `email` (any case); refused past its rate.
    pub(crate) fn email(&self, email: &str) -> Result<(), ApiError> {
        let key = crate::auth::hash(&email.trim().to_lowercase());
        self.by_email.check(&key).map_err(ApiError::TooManyRequests)
    }

    /// Drops the keys whose state is back to fresh.
    pub(crate) fn forget_idle(&self) {
        self.by_address.forget_idle();
        self.by_email.forget_idle();
    }
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
    use std::time::Duration;

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
        throttle.by_email.max_keys = 3;
        for i in 0..3 {
            assert!(throttle.email(&format!("u{i}@acme.test")).is_ok());
        }
        // Every key is recent: pruning frees nothing, a fourth waits.
        assert!(matches!(
            throttle.email("u3@acme.test"),
            Err(ApiError::TooManyRequests(wait)) if wait == Duration::from_secs(1)
        ));
        assert_eq!(throttle.by_email.len(), 3);
    }

    #[test]
    fn a_rate_of_zero_is_off() {
        let throttle = Throttle::new(&limits(0, 0));
        for _ in 0..100 {
            assert!(throttle.email("ana@acme.test").is_ok());
        }
    }
}
