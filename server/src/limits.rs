//! Rate and connection limits: a token bucket per connection and one per
//! user shared by all the user's connections, and counts of open
//! connections per user and overall.
//!
//! Invariants:
//! - A user has an entry in [`Admission`]'s map exactly while at least one
//!   of their connections holds a [`Slot`]: the entry is created by the
//!   first slot and removed with the last one, so the map is bounded by
//!   the connections open, not by the users ever seen.
//! - The overall count equals the number of live slots.
//! - A request refused for rate does nothing else: the caller answers it
//!   with `rate_limited` and does not hand it to the session.
//! - Where servers share the teams, a user's connections on the others
//!   count against `max_connections_per_user` too, and their rate is
//!   shared out between the servers they are on (see `shared_limits`).

use crate::config::LimitsConfig;
use crate::shared_limits::{Elsewhere, SharedLimits};
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use switchboard_protocol::ids::UserId;
use tokio::time::Instant;

/// A token bucket: `rate` tokens a second, holding at most `burst`, or
/// their `1/share` where `share` servers share them.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    share: f64,
}

impl TokenBucket {
    /// A full bucket. A rate of 0 means no limit.
    pub(crate) fn new(rate: u32, burst: u32) -> TokenBucket {
        let burst = f64::from(burst.max(1));
        TokenBucket {
            rate: f64::from(rate),
            burst,
            tokens: burst,
            last: Instant::now(),
            share: 1.0,
        }
    }

    /// Shares the bucket out between `servers` (at least one).
    pub(crate) fn share(&mut self, servers: usize) {
        self.share = servers.max(1) as f64;
        self.tokens = self.tokens.min(self.burst / self.share);
    }

    /// Takes one token if there is one.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        if self.rate == 0.0 {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate / self.share).min(self.burst / self.share);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn lock(bucket: &Mutex<TokenBucket>) -> std::sync::MutexGuard<'_, TokenBucket> {
    // The bucket is a few numbers updated at once: a panic elsewhere
    // cannot leave it half-written.
    bucket.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why a hello was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The user has `max_connections_per_user` open already.
    PerUser(usize),
    /// The server holds `max_connections` already.
    Overall(usize),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::PerUser(n) => write!(f, "too many connections for this user (max {n})"),
            Refused::Overall(n) => write!(f, "too many connections to this server (max {n})"),
        }
    }
}

struct UserEntry {
    connections: usize,
    bucket: Arc<Mutex<TokenBucket>>,
}

/// Who may connect: open connections per user and overall, and each
/// connected user's shared rate bucket.
pub(crate) struct Admission {
    limits: LimitsConfig,
    users: DashMap<UserId, UserEntry>,
    total: AtomicUsize,
    /// The users' connections on the other servers, if any share the teams.
    elsewhere: Elsewhere,
    /// Where this server's counts are told, if others share the teams.
    shared: OnceLock<Arc<SharedLimits>>,
}

/// A connection's admission; dropping it gives the place back.
pub(crate) struct Slot {
    admission: Arc<Admission>,
    user: UserId,
    bucket: Arc<Mutex<TokenBucket>>,
}

impl Admission {
    /// No one connected yet.
    pub(crate) fn new(limits: LimitsConfig) -> Arc<Admission> {
        Arc::new(Admission {
            limits,
            users: DashMap::new(),
            total: AtomicUsize::new(0),
            elsewhere: Elsewhere::default(),
            shared: OnceLock::new(),
        })
    }

    /// Tells every later change of a user's count through `shared`.
    pub(crate) fn share_with(&self, shared: Arc<SharedLimits>) {
        if self.shared.set(shared).is_err() {
            tracing::warn!("the admission's counts were shared twice");
        }
    }

    /// The users' connections on the other servers.
    pub(crate) fn elsewhere(&self) -> &Elsewhere {
        &self.elsewhere
    }

    /// Every user with connections here, and how many.
    pub(crate) fn counts(&self) -> Vec<(UserId, usize)> {
        self.users
            .iter()
            .map(|entry| (*entry.key(), entry.connections))
            .collect()
    }

    /// Shares out the rate of `users` (those connected here) again, after
    /// their counts elsewhere changed.
    pub(crate) fn reshare(&self, users: impl IntoIterator<Item = UserId>) {
        for user in users {
            if let Some(entry) = self.users.get(&user) {
                let servers = 1 + self.elsewhere.of(user).1;
                lock(&entry.bucket).share(servers);
            }
        }
    }

    fn told(&self, user: UserId, connections: usize) {
        if let Some(shared) = self.shared.get() {
            shared.changed(user, connections);
        }
    }

    /// Admits one more connection of `user`, or says why not.
    pub(crate) fn admit(self: &Arc<Self>, user: UserId) -> Result<Slot, Refused> {
        let max_total = self.limits.max_connections;
        let taken = self
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max_total).then_some(n + 1)
            });
        if taken.is_err() {
            return Err(Refused::Overall(max_total));
        }
        let max_user = self.limits.max_connections_per_user;
        let (others, servers) = self.elsewhere.of(user);
        let mut entry = self.users.entry(user).or_insert_with(|| {
            let mut bucket =
                TokenBucket::new(self.limits.rate_per_user, self.limits.burst_per_user);
            bucket.share(1 + servers);
            UserEntry {
                connections: 0,
                bucket: Arc::new(Mutex::new(bucket)),
            }
        });
        if entry.connections + others >= max_user {
            let empty = entry.connections == 0;
            drop(entry);
            if empty {
                self.users.remove_if(&user, |_, e| e.connections == 0);
            }
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refused::PerUser(max_user));
        }
        entry.connections += 1;
        let bucket = Arc::clone(&entry.bucket);
        let connections = entry.connections;
        drop(entry);
        self.told(user, connections);
        Ok(Slot {
            admission: Arc::clone(self),
            user,
            bucket,
        })
    }

    /// How many users have a connection open (their entries in the map).
    pub(crate) fn users(&self) -> usize {
        self.users.len()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Entry::Occupied(mut entry) = self.admission.users.entry(self.user) {
            entry.get_mut().connections -= 1;
            let connections = entry.get().connections;
            if connections == 0 {
                entry.remove();
            }
            self.admission.told(self.user, connections);
        }
        self.admission.total.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What to do with a request, as far as rate goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Handle it.
    Allow,
    /// Refuse it with `rate_limited`.
    Refuse,
    /// Refuse it and close the connection with 4029: it kept flooding.
    Close,
}

/// One connection's rate state: its own bucket, its user's, and its
/// recent refusals. How many refusals, within what window, close the
/// connection is read from the limits at each refusal, not kept: every
/// idle connection holds this for its whole life.
pub(crate) struct RateLimiter {
    slot: Slot,
    own: TokenBucket,
    refusals: VecDeque<Instant>,
}

impl RateLimiter {
    /// The rate state of a connection admitted with `slot`.
    pub(crate) fn new(slot: Slot, limits: &LimitsConfig) -> RateLimiter {
        RateLimiter {
            slot,
            own: TokenBucket::new(limits.rate_per_connection, limits.burst_per_connection),
            refusals: VecDeque::new(),
        }
    }

    /// Counts one request and judges it, under `limits` (those it was
    /// created with).
    pub(crate) fn check(&mut self, limits: &LimitsConfig) -> Verdict {
        let now = Instant::now();
        let allowed = self.own.take(now) && { lock(&self.slot.bucket).take(now) };
        if allowed {
            return Verdict::Allow;
        }
        while let Some(first) = self.refusals.front() {
            if now.saturating_duration_since(*first) > limits.rate_window {
                self.refusals.pop_front();
            } else {
                break;
            }
        }
        self.refusals.push_back(now);
        if self.refusals.len() > limits.rate_refusals_to_close {
            Verdict::Close
        } else {
            Verdict::Refuse
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits() -> LimitsConfig {
        LimitsConfig {
            max_connections_per_user: 2,
            max_connections: 3,
            rate_per_connection: 1,
            burst_per_connection: 3,
            rate_per_user: 1,
            burst_per_user: 4,
            rate_refusals_to_close: 2,
            ..LimitsConfig::default()
        }
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refuses() {
        let mut bucket = TokenBucket::new(1, 3);
        let now = Instant::now();
        assert!((0..3).all(|_| bucket.take(now)));
        assert!(!bucket.take(now));
        assert!(bucket.take(now + Duration::from_millis(1100)));
    }

    #[test]
    fn a_bucket_shared_by_two_servers_allows_half_its_burst_and_rate_on_each() {
        let mut bucket = TokenBucket::new(2, 4);
        bucket.share(2);
        let now = Instant::now();
        assert!((0..2).all(|_| bucket.take(now)));
        assert!(!bucket.take(now), "half the burst");
        assert!(
            !bucket.take(now + Duration::from_millis(900)),
            "half the rate"
        );
        assert!(bucket.take(now + Duration::from_millis(1100)));
    }

    #[tokio::test]
    async fn connections_elsewhere_count_against_the_user_s_limit() {
        let admission = Admission::new(limits());
        admission.elsewhere().apply_for_test("other", UserId(1), 1);
        let _a1 = admission.admit(UserId(1)).unwrap();
        assert_eq!(admission.admit(UserId(1)).err(), Some(Refused::PerUser(2)));
        assert!(
            admission.admit(UserId(2)).is_ok(),
            "another user is not held"
        );
    }

    #[tokio::test]
    async fn connections_are_counted_per_user_and_overall_and_given_back() {
        let admission = Admission::new(limits());
        let a1 = admission.admit(UserId(1)).unwrap();
        let _a2 = admission.admit(UserId(1)).unwrap();
        assert_eq!(admission.admit(UserId(1)).err(), Some(Refused::PerUser(2)));
        let _b1 = admission.admit(UserId(2)).unwrap();
        assert_eq!(admission.admit(UserId(3)).err(), Some(Refused::Overall(3)));
        assert_eq!(admission.users(), 2);
        drop(a1);
        let _c = admission.admit(UserId(3)).unwrap();
        assert_eq!(admission.users(), 3);
    }

    #[tokio::test]
    async fn the_user_bucket_is_shared_and_floods_close() {
        let admission = Admission::new(limits());
        let mut one = RateLimiter::new(admission.admit(UserId(1)).unwrap(), &limits());
        let mut two = RateLimiter::new(admission.admit(UserId(1)).unwrap(), &limits());
        // Four from the user's bucket in all, three at most from one connection.
        let allowed = (0..3)
            .filter(|_| one.check(&limits()) == Verdict::Allow)
            .count()
            + (0..3)
                .filter(|_| two.check(&limits()) == Verdict::Allow)
                .count();
        assert_eq!(allowed, 4);
        assert_eq!(two.check(&limits()), Verdict::Close);
        drop((one, two));
        assert_eq!(admission.users(), 0);
    }
}
