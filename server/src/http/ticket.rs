//! WebSocket tickets: a browser cannot set headers on a WebSocket, and its
//! session token is in an HttpOnly cookie that page scripts cannot read.
//! So the app asks `POST /api/ws-ticket` (authenticated by the cookie) for
//! a ticket, and its hello carries the ticket as its `token`.
//!
//! Invariants:
//! - A ticket is random (`sbt_` and 64 hex digits), kept in memory only as
//!   its SHA-256 with the hash of the session token it stands for, works
//!   once (the hello that presents it removes it) and not after its time to
//!   live. A restart forgets every ticket: the app asks for another.
//! - A connection opened with a ticket is the session's: it is listed
//!   under the session token, so a logout or password change closes it,
//!   and a ticket of a session revoked meanwhile opens nothing.
//! - Bounded: at most [`MAX_TICKETS`] waiting at once, [`PER_SESSION`] per
//!   session token; past either the request is refused, not queued.

use crate::auth;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The prefix of every ticket, which is how a hello's token is told apart.
pub(crate) const PREFIX: &str = "sbt_";
/// The most tickets waiting for their hello at once.
pub(crate) const MAX_TICKETS: usize = 10_000;
/// The most tickets one session token may have waiting at once.
pub(crate) const PER_SESSION: usize = 16;

type Hash = [u8; 32];

/// Why no ticket was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// This session already has [`PER_SESSION`] waiting.
    SessionFull,
    /// The server has [`MAX_TICKETS`] waiting.
    Full,
}

/// The tickets waiting for their hello.
pub(crate) struct Tickets {
    ttl: Duration,
    waiting: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    /// Ticket hash to (session token hash, expiry).
    tickets: HashMap<Hash, (Hash, Instant)>,
    /// Tickets waiting per session token hash; no zero entries.
    per_session: HashMap<Hash, usize>,
}

impl Waiting {
    fn remove(&mut self, ticket: &Hash) -> Option<(Hash, Instant)> {
        let removed = self.tickets.remove(ticket)?;
        if let Some(count) = self.per_session.get_mut(&removed.0) {
            *count -= 1;
            if *count == 0 {
                self.per_session.remove(&removed.0);
            }
        }
        Some(removed)
    }

    fn forget_expired(&mut self, now: Instant) {
        let expired: Vec<Hash> = (self.tickets.iter())
            .filter(|(_, (_, expires))| *expires <= now)
            .map(|(ticket, _)| *ticket)
            .collect();
        for ticket in &expired {
            self.remove(ticket);
        }
    }
}

impl Tickets {
    /// Tickets that work for `ttl` after they are issued.
    pub(crate) fn new(ttl: Duration) -> Tickets {
        Tickets {
            ttl,
            waiting: Mutex::default(),
        }
    }

    /// How long a ticket works.
    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues a ticket for the session token whose hash is `session`.
    pub(crate) fn issue(&self, session: Hash) -> Result<String, Refused> {
        let secret: [u8; 32] = rand::random();
        let ticket = format!("{PREFIX}{}", hex::encode(secret));
        let now = Instant::now();
        let mut waiting = self.lock();
        if waiting.tickets.len() >= MAX_TICKETS
            || waiting.per_session.get(&session) >= Some(&PER_SESSION)
        {
            // Full, perhaps of expired ones: those go first.
            waiting.forget_expired(now);
        }
        if waiting.per_session.get(&session) >= Some(&PER_SESSION) {
            return Err(Refused::SessionFull);
        }
        if waiting.tickets.len() >= MAX_TICKETS {
            return Err(Refused::Full);
        }
        (waiting.tickets).insert(auth::hash(&ticket), (session, now + self.ttl));
        *waiting.per_session.entry(session).or_default() += 1;
        Ok(ticket)
    }

    /// Uses up a ticket: the hash of its session token, if the ticket was
    /// waiting and unexpired. An expired one is removed too.
    pub(crate) fn redeem(&self, ticket: &str) -> Option<Hash> {
        let (session, expires) = self.lock().remove(&auth::hash(ticket))?;
        (expires > Instant::now()).then_some(session)
    }

    /// Removes the tickets whose time has passed.
    pub(crate) fn forget_expired(&self) {
        self.lock().forget_expired(Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        // A panic while holding the lock leaves the maps consistent (every
        // update is a single insert or remove pair): keep using them.
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Long enough to pass in a test, short enough to wait out.
    const SHORT: Duration = Duration::from_millis(50);

    #[test]
    fn a_ticket_works_once_for_its_session() {
        let tickets = Tickets::new(Duration::from_secs(30));
        let ticket = tickets.issue([7; 32]).unwrap();
        assert!(ticket.starts_with(PREFIX) && ticket.len() == PREFIX.len() + 64);
        assert_eq!(tickets.redeem(&ticket), Some([7; 32]));
        assert_eq!(tickets.redeem(&ticket), None);
        assert!(tickets.lock().per_session.is_empty());
    }

    #[test]
    fn an_expired_ticket_works_no_more_and_is_forgotten() {
        let tickets = Tickets::new(SHORT);
        let late = tickets.issue([1; 32]).unwrap();
        let swept = tickets.issue([1; 32]).unwrap();
        std::thread::sleep(SHORT * 2);
        assert_eq!(tickets.redeem(&late), None);
        tickets.forget_expired();
        assert!(tickets.lock().tickets.is_empty());
        assert!(tickets.lock().per_session.is_empty());
        assert_eq!(tickets.redeem(&swept), None);
    }

    #[test]
    fn a_session_holds_a_bounded_number_until_they_expire() {
        let tickets = Tickets::new(SHORT);
        for _ in 0..PER_SESSION {
            tickets.issue([2; 32]).unwrap();
        }
        assert_eq!(tickets.issue([2; 32]), Err(Refused::SessionFull));
        assert!(
            tickets.issue([3; 32]).is_ok(),
            "other sessions are not held up"
        );
        std::thread::sleep(SHORT * 2);
        assert!(tickets.issue([2; 32]).is_ok(), "expired ones make room");
    }
}
