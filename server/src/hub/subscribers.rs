//! A hub's live subscriptions, and which of them listen for the team's
//! ephemeral signals.
//!
//! Every subscription joining or leaving is a presence change, and a
//! signal goes to the listeners only (see `signals`). Finding them by
//! walking every subscription made each join cost a pass over the whole
//! team: with 19,000 clients over ten teams resuming at once (`storm`),
//! 2.8 % of the server's CPU went to those passes, in the hub's thread
//! that answers the subscribes. So the listeners are kept apart, and a
//! signal costs a pass over them alone.
//!
//! Invariants: `listening` holds the connections of `all` that opted in,
//! and only those: a subscription inserted, removed or cleared updates
//! both, and its opt-in lives and ends with it.

use super::actor::Subscriber;
use crate::outlet::ConnId;
use std::collections::{HashMap, HashSet};

/// The live subscriptions by connection, and the listeners among them.
#[derive(Default)]
pub(super) struct Subscribers {
    all: HashMap<ConnId, Subscriber>,
    listening: HashSet<ConnId>,
}

impl Subscribers {
    /// Adds (or replaces) `conn`'s subscription, listening for signals or
    /// not.
    pub(super) fn insert(&mut self, conn: ConnId, subscriber: Subscriber, listens: bool) {
        self.all.insert(conn, subscriber);
        if listens {
            self.listening.insert(conn);
        } else {
            self.listening.remove(&conn);
        }
    }

    /// Ends `conn`'s subscription, and its opt-in with it.
    pub(super) fn remove(&mut self, conn: ConnId) -> Option<Subscriber> {
        self.listening.remove(&conn);
        self.all.remove(&conn)
    }

    /// Ends every subscription.
    pub(super) fn clear(&mut self) {
        self.all.clear();
        self.listening.clear();
    }

    /// Opts `conn` in to signals; false when it is not subscribed.
    pub(super) fn listen(&mut self, conn: ConnId) -> bool {
        if !self.all.contains_key(&conn) {
            return false;
        }
        self.listening.insert(conn);
        true
    }

    /// Whether `conn` is subscribed and listens for signals.
    pub(super) fn listens(&self, conn: ConnId) -> bool {
        self.listening.contains(&conn)
    }

    /// The subscriptions that listen for signals.
    pub(super) fn listeners(&self) -> impl Iterator<Item = &Subscriber> {
        self.listening.iter().filter_map(|conn| self.all.get(conn))
    }

    pub(super) fn get(&self, conn: ConnId) -> Option<&Subscriber> {
        self.all.get(&conn)
    }

    pub(super) fn get_mut(&mut self, conn: ConnId) -> Option<&mut Subscriber> {
        self.all.get_mut(&conn)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Every subscribed connection.
    pub(super) fn conns(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.all.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outlet::Outlet;
    use switchboard_protocol::codec::Encoding;

    fn subscriber(conn: ConnId) -> Subscriber {
        let (outlet, _outbox) = Outlet::new(conn, Encoding::MsgPack, 4);
        Subscriber {
            outlet,
            restricted: None,
            behind: None,
        }
    }

    fn listeners(subscribers: &Subscribers) -> Vec<ConnId> {
        let mut conns: Vec<ConnId> = subscribers.listeners().map(|s| s.outlet.conn).collect();
        conns.sort_unstable();
        conns
    }

    #[test]
    fn only_the_subscriptions_that_opted_in_are_listeners() {
        let mut subscribers = Subscribers::default();
        subscribers.insert(1, subscriber(1), false);
        subscribers.insert(2, subscriber(2), true);
        subscribers.insert(3, subscriber(3), false);
        assert!(subscribers.listen(3));
        assert_eq!(listeners(&subscribers), [2, 3]);
        assert!(!subscribers.listens(1));
        assert!(
            !subscribers.listen(4),
            "an unsubscribed connection cannot listen"
        );
        assert_eq!(listeners(&subscribers), [2, 3]);
    }

    #[test]
    fn an_opt_in_ends_with_its_subscription() {
        let mut subscribers = Subscribers::default();
        subscribers.insert(1, subscriber(1), true);
        subscribers.insert(2, subscriber(2), true);
        assert!(subscribers.remove(1).is_some());
        assert!(!subscribers.listens(1));
        // Subscribed again, without asking: no signals.
        subscribers.insert(1, subscriber(1), false);
        assert_eq!(listeners(&subscribers), [2]);
        // Replaced without the opt-in: it ends too.
        subscribers.insert(2, subscriber(2), false);
        assert!(listeners(&subscribers).is_empty());
        subscribers.insert(3, subscriber(3), true);
        subscribers.clear();
        assert!(subscribers.is_empty());
        assert!(!subscribers.listens(3));
        assert_eq!(subscribers.conns().count(), 0);
    }
}
