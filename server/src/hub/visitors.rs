//! Which web chat visitors are online in the team: a visitor's subscribed
//! connections, by conversation. Agents are told with a `contact_presence`
//! signal when a visitor's first connection subscribes and when its last
//! one goes (no grace window: a contact's page is open or it is not).
//!
//! Ephemeral like the rest of presence, and this server's alone: on a
//! cluster, an agent on another node learns a visitor's presence from a
//! `presence` request there only for visitors connected there.

use super::actor::Hub;
use crate::access::Principal;
use crate::outlet::ConnId;
use std::collections::HashMap;
use switchboard_protocol::presence::Signal;
use switchboard_protocol::widget::ContactPresence;

/// The visitors' subscribed connections, each with whom it shows online.
#[derive(Default)]
pub(super) struct VisitorsOnline {
    connections: HashMap<ConnId, ContactPresence>,
}

impl VisitorsOnline {
    /// Whether a connection of `conversation` other than `except` is online.
    fn any(&self, conversation: switchboard_protocol::ids::ConversationId, except: ConnId) -> bool {
        self.connections
            .iter()
            .any(|(conn, c)| *conn != except && c.conversation == conversation)
    }

    /// The contacts online, one per conversation, by conversation.
    pub(super) fn online(&self) -> Vec<ContactPresence> {
        let mut online: Vec<ContactPresence> = self.connections.values().cloned().collect();
        online.sort_by_key(|c| c.conversation);
        online.dedup_by_key(|c| c.conversation);
        online
    }
}

impl Hub<'_> {
    /// A visitor's connection subscribed: its contact is online, signalled
    /// to agents when it is the visitor's first.
    pub(super) fn visitor_joined(&mut self, conn: ConnId, principal: &Principal) {
        let Some(visitor) = principal.visitor() else {
            return;
        };
        let presence = ContactPresence {
            conversation: visitor.conversation,
            contact: visitor.contact,
            online: true,
        };
        let first = !self.visitors.any(visitor.conversation, conn);
        let new = self
            .visitors
            .connections
            .insert(conn, presence.clone())
            .is_none();
        if first && new {
            self.signal([Signal::ContactPresence(presence)]);
        }
    }

    /// A connection stopped being subscribed: if it was a visitor's last,
    /// its contact is offline.
    pub(super) fn visitor_left(&mut self, conn: ConnId) {
        let Some(mut presence) = self.visitors.connections.remove(&conn) else {
            return;
        };
        if !self.visitors.any(presence.conversation, conn) {
            presence.online = false;
            self.signal([Signal::ContactPresence(presence)]);
        }
    }
}
