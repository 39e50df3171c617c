//! The visitors' throttles: messages per visitor (over all its
//! connections), visitors created per client address, and visitor
//! connections held open per client address.
//!
//! Invariant: every table is bounded. The rate tables are
//! [`KeyedRate`]s; the connection counts hold only addresses with a
//! connection open, each gone with its last.

use crate::config::VisitorLimits;
use crate::keyed_rate::KeyedRate;
use dashmap::DashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::UserId;

/// The visitors' throttles.
pub(crate) struct VisitorGate {
    sends: KeyedRate<UserId>,
    creations: KeyedRate<IpAddr>,
    connections: Arc<DashMap<IpAddr, usize>>,
    max_connections: usize,
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
            sends: KeyedRate::new(limits.messages_per_minute, limits.message_burst),
            creations: KeyedRate::new(limits.creations_per_minute, limits.creations_per_minute),
            connections: Arc::default(),
            max_connections: limits.connections_per_address,
        }
    }

    /// Counts one message of `visitor`; `Err(wait)` past its rate.
    pub(crate) fn send(&self, visitor: UserId) -> Result<(), Duration> {
        self.sends.check(&visitor)
    }

    /// Counts one visitor created from `address`; `Err(wait)` past its rate.
    pub(crate) fn create(&self, address: IpAddr) -> Result<(), Duration> {
        self.creations.check(&address)
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
        self.sends.forget_idle();
        self.creations.forget_idle();
    }
}
