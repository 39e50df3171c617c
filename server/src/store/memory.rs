//! An in-memory [`Store`] for unit tests: the same contract as the sled one,
//! kept in ordered maps behind one mutex. `flush` does nothing (unless a
//! test put a [`FlushGate`] in front of it); nothing survives the process.
//!
//! This file holds the maps and the lock; each of the store's traits is
//! implemented in its own file under `memory/`, like the sled store's.
//! Every operation takes the one lock once, so each is atomic, as the
//! sled store's transactions are.

use super::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use switchboard_protocol::ids::ContactId;

mod blasts;
mod book;
mod bots;
mod directory;
mod grants;
mod keyed;
mod posts;
mod signups;
mod timeline;
mod transfers;
mod visitors;
mod webhooks;

/// A [`Store`] that lives in memory.
#[derive(Default)]
pub struct MemoryStore {
    ids: AtomicU64,
    inner: Mutex<Inner>,
    /// Imports and exports (see `memory/transfers.rs`).
    transfers: Mutex<transfers::TransferMaps>,
    /// Blasts (see `memory/blasts.rs`).
    blasts: Mutex<blasts::BlastMaps>,
    /// Where a test holds flushes back or makes them fail.
    gate: Option<FlushGate>,
}

#[derive(Default)]
struct Inner {
    accounts: HashMap<AccountId, AccountRecord>,
    teams: HashMap<TeamId, TeamRecord>,
    streams: HashMap<TeamId, Epoch>,
    users: HashMap<UserId, UserRecord>,
    memberships: BTreeMap<(UserId, TeamId), Role>,
    tokens: HashMap<[u8; 32], TokenRecord>,
    invitations: HashMap<[u8; 32], InvitationRecord>,
    mails: BTreeMap<u64, MailRecord>,
    usage: HashMap<TeamId, UsageCheckpoint>,
    contacts: HashMap<ContactId, ContactRecord>,
    /// The contact book's phone and email indexes: (team, value) to the
    /// contact written last with it, as the sled store's.
    contact_keys: HashMap<(TeamId, String), ContactId>,
    /// Teams' custom contact fields.
    contact_fields: HashMap<TeamId, Vec<switchboard_protocol::contacts::FieldDef>>,
    conversations: BTreeMap<(TeamId, ConversationId), ConversationRecord>,
    messages: BTreeMap<(ConversationId, Seq), Message>,
    log: BTreeMap<(TeamId, Offset), LogRecord>,
    client_ids: HashMap<(TeamId, UserId, String), KeyUse>,
    markers: HashMap<(ConversationId, UserId), Seq>,
    assignees: HashMap<ConversationId, Vec<UserId>>,
    grants: BTreeMap<(ConversationId, UserId), GrantRecord>,
    /// The grants not revoked, by team (the sled store's `team_grants`).
    team_grants: BTreeSet<(TeamId, ConversationId, UserId)>,
    bots: BTreeMap<UserId, BotRecord>,
    visitors: BTreeMap<UserId, crate::store::VisitorRecord>,
    webhook_bridges: BTreeSet<UserId>,
    dead_letters: BTreeMap<(TeamId, u64), switchboard_protocol::webhook::DeadLetter>,
    handoffs: BTreeMap<(TeamId, ConversationId), HandoffRecord>,
    /// Posts by team then id (the sled store's `team_posts` order).
    posts: BTreeMap<
        (TeamId, switchboard_protocol::ids::PostId),
        switchboard_protocol::content::PostInfo,
    >,
    signups: BTreeMap<[u8; 32], SignupRecord>,
    /// Lowercase email to the hash of its sign-up's token.
    signup_emails: HashMap<String, [u8; 32]>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store whose flushes pass through `gate`: a test holds them
    /// back, or makes them fail, with it.
    pub fn with_flush_gate(gate: FlushGate) -> MemoryStore {
        MemoryStore {
            gate: Some(gate),
            ..MemoryStore::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock would already have failed the test
        // that caused it; the maps themselves stay consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn next_id(&self) -> StoreResult<u64> {
        Ok(self.ids.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn flush(&self) -> StoreResult<()> {
        match &self.gate {
            Some(gate) => gate.pass(),
            None => Ok(()),
        }
    }
}
