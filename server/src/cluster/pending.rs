//! What this node's writers appended that the projection does not hold
//! yet: the idempotency keys and messages of entries queued or in flight.
//!
//! The embedded log writes an entry to the store as it is appended, and
//! the hub relies on it: a retry of a send arriving before the original
//! is committed finds the original's key and is answered as a duplicate,
//! behind the original's commit. Over NATS an entry reaches the
//! projection only once acknowledged and applied; until then the store
//! finds it here.
//!
//! Invariants:
//! - An entry's keys and messages are listed before its append returns,
//!   and leave only once the projection holds them (`settle`, after the
//!   commit) or once they will never be written (`forget`, on a refusal).
//! - Bounded by what the hubs keep pending.

use crate::store::{Entry, KeyUse};
use dashmap::DashMap;
use switchboard_protocol::ids::{ConversationId, Seq, TeamId, UserId};
use switchboard_protocol::model::Message;

type Key = (TeamId, UserId, String);

/// The entries appended on this node and not yet in its projection.
#[derive(Default)]
pub(crate) struct Pending {
    /// By key: the team's ticket of the entry, and what the key was used for.
    keys: DashMap<Key, (u64, KeyUse)>,
    /// By conversation and seq: the team and ticket, and the message.
    messages: DashMap<(ConversationId, Seq), (TeamId, u64, Message)>,
}

impl Pending {
    /// Lists what `entry`, appended to `team` under `ticket`, will write.
    pub(crate) fn add(&self, team: TeamId, ticket: u64, entry: &Entry<'_>) {
        let message = |m: &Message| {
            let value = (team, ticket, m.clone());
            self.messages.insert((m.conversation, m.seq), value);
        };
        let mut receipt = None;
        match entry {
            Entry::Message {
                message: m,
                idempotency,
            } => {
                message(m);
                if let Some((user, key)) = idempotency {
                    let used = KeyUse::Message {
                        conversation: m.conversation,
                        seq: m.seq,
                    };
                    self.keys
                        .insert((team, *user, (*key).to_owned()), (ticket, used));
                }
            }
            Entry::Command {
                message: m,
                receipt: r,
            } => {
                message(m);
                receipt = Some(*r);
            }
            Entry::Assignees {
                message: m,
                receipt: r,
                ..
            }
            | Entry::Delivered {
                message: m,
                receipt: r,
                ..
            } => {
                message(m);
                receipt = *r;
            }
            Entry::HandoffImported { messages, .. } => messages.iter().for_each(message),
            Entry::Delivery { message: m, .. } => message(m),
            Entry::PostSaved { receipt: r, .. } => receipt = *r,
            Entry::ContactBook { receipt: r, .. } => receipt = *r,
            Entry::ConversationStarted { .. }
            | Entry::Read(_)
            | Entry::ContactUpdated { .. }
            | Entry::ContactsImported { .. } => {}
        }
        if let Some(r) = receipt {
            let used = KeyUse::Reply(Box::new(r.reply.clone()));
            self.keys
                .insert((team, r.user, r.key.to_owned()), (ticket, used));
        }
    }

    /// What a key of `team` was used for by an entry not yet applied.
    pub(crate) fn key(&self, team: TeamId, user: UserId, key: &str) -> Option<KeyUse> {
        let found = self.keys.get(&(team, user, key.to_owned()))?;
        Some(found.1.clone())
    }

    /// A message of an entry not yet applied.
    pub(crate) fn message(&self, conversation: ConversationId, seq: Seq) -> Option<Message> {
        Some(self.messages.get(&(conversation, seq))?.2.clone())
    }

    /// Forgets `team`'s entries up to `ticket`: the projection holds them.
    pub(crate) fn settle(&self, team: TeamId, ticket: u64) {
        self.keys.retain(|k, (t, _)| k.0 != team || *t > ticket);
        self.messages
            .retain(|_, (tm, t, _)| *tm != team || *t > ticket);
    }

    /// Forgets `team`'s entries after `ticket`: they will not be written.
    pub(crate) fn forget(&self, team: TeamId, ticket: u64) {
        self.keys.retain(|k, (t, _)| k.0 != team || *t <= ticket);
        self.messages
            .retain(|_, (tm, t, _)| *tm != team || *t <= ticket);
    }
}
