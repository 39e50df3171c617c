//! The bound on what a hub holds waiting for the store's flush.
//!
//! Every write (and every reply that must reflect only durable state)
//! waits in the hub's `pending` queue until the group commit covering it
//! completes. When flushes are slow or failing, that queue would grow with
//! every command taken. So a hub refuses a command that would wait there
//! once `limits.pending_writes` entries or `limits.pending_write_bytes`
//! bytes already do, with `unavailable` (retry later): nothing of it is
//! stored, and what already waits is answered once the flush succeeds.
//!
//! Bytes are counted cheaply, without encoding: each entry's message (or
//! post) body (the only large part of an event) plus a fixed
//! [`ENTRY_OVERHEAD`]. A
//! command is checked before it is carried out, so the queue exceeds the
//! bound by at most one command's entries (a delivery makes three).
//!
//! Commands that finish a change already made are never refused: a system
//! message recording an accepted command (its other writes are stored),
//! and the import of handoffs (their delivery is durable in the other
//! team; they stay in the store until imported).

use super::actor::Hub;
use super::request::Answerer;
use super::HubCommand;
use switchboard_protocol::server::Event;
use switchboard_protocol::ServerFrame;

/// What an entry counts for beyond its message body: the reply and the
/// event's fixed fields, encoded.
pub(super) const ENTRY_OVERHEAD: usize = 256;

/// The bytes an answer and an event waiting for the flush count for.
pub(super) fn entry_bytes(reply: &Option<(Answerer, ServerFrame)>, event: Option<&Event>) -> usize {
    let body = match event {
        Some(Event::Message(message)) => message.body.len(),
        // A post's text is as large as a message's.
        Some(Event::PostChanged(post)) => post.body.len(),
        _ => 0,
    };
    let replies = usize::from(reply.is_some()) + usize::from(event.is_some());
    ENTRY_OVERHEAD * replies.max(1) + body
}

/// Whether carrying `command` out queues something behind the flush that
/// the bound may refuse.
fn bounded(command: &HubCommand) -> bool {
    match command {
        HubCommand::Send { .. }
        | HubCommand::StartConversation { .. }
        | HubCommand::MarkRead { .. }
        | HubCommand::UpdateContact { .. }
        | HubCommand::Book(_)
        | HubCommand::Assign { .. }
        | HubCommand::Deliver { .. }
        | HubCommand::SavePost { .. }
        | HubCommand::Relay(_)
        | HubCommand::Receipt(_)
        | HubCommand::Dashboard { .. }
        | HubCommand::Next { .. }
        | HubCommand::ImportBatch { .. }
        | HubCommand::BlastProgress(_) => true,
        // Finishing changes already made: see the module docs.
        HubCommand::SystemMessage { .. } | HubCommand::ImportHandoffs => false,
        // Ephemeral, never written.
        HubCommand::Signal(_) | HubCommand::Told { .. } => false,
        // Answered at once, never queued behind a flush.
        HubCommand::Subscribe { .. }
        | HubCommand::Unsubscribe
        | HubCommand::Typing { .. }
        | HubCommand::View { .. }
        | HubCommand::Presence { .. } => false,
        // The hub's own work, sent to itself: refusing a board page would
        // lose it, and a catch-up chunk reads what is already durable.
        HubCommand::BoardPage { .. } | HubCommand::CatchUp { .. } => false,
        // Ends the team's writes, so it never waits behind them.
        HubCommand::RemoveTeam { .. } => false,
    }
}

impl Hub<'_> {
    /// Why `command` must be refused now, if it must: the entries waiting
    /// for the flush have reached the bound.
    pub(super) fn backlogged(&self, command: &HubCommand) -> Option<&'static str> {
        let limits = &self.registry.context.config.limits;
        let (items, bytes) = self.pending_load();
        let full = items >= limits.pending_writes || bytes >= limits.pending_write_bytes;
        (full && bounded(command)).then_some("the store is not keeping up; retry later")
    }
}
