//! The hub's ephemeral signals: `typing`, `view` and `presence` requests,
//! the expiry of typing and of presence grace windows, the team-level
//! signals sessions hand over (`team_changed`, `members_changed`, once
//! their change is durable), and delivery.
//!
//! Signals bypass the store, the offsets and the group commit: they are
//! answered and delivered at once, and never replayed. Delivery follows the
//! events' filter (a Restricted Member receives `typing` and `viewing` of
//! the conversations it `reads` only, and no `presence` of the team's
//! people) but never closes a connection: a subscriber whose outbox is
//! full simply misses the signal (see `Outlet::offer`).
//!
//! Signals go only to subscribers that opted in with a `presence` request
//! (it answers the current state; the signals then carry the changes), so
//! a client that never heard of signals never receives one. The opt-in
//! lasts as long as the subscription.
//!
//! Presence counts the subscribed connections of the team's people
//! (Managers, Members, bots), not those of Restricted Members. Where
//! servers share the team, each change is told to the others too (see
//! `shared_presence`).

use super::actor::{result_frame, Hub};
use super::shared_presence::Ephemeral;
use crate::access::Principal;
use crate::outlet::{ConnId, Outlet, SharedFrame};
use switchboard_protocol::ids::{ConversationId, RequestId, UserId};
use switchboard_protocol::presence::{PresenceState, Signal, SignalFrame};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ServerFrame;
use tokio::time::Instant;

impl Hub<'_> {
    /// Notes that the principal types in `conversation`, and answers.
    pub(super) fn typing(
        &mut self,
        outlet: Outlet,
        principal: &Principal,
        request: RequestId,
        conversation: ConversationId,
    ) {
        let user = &principal.user;
        let contact = principal.visitor().is_some();
        let signal =
            self.presence
                .typing(conversation, user.id, &user.name, contact, Instant::now());
        outlet.send(&result_frame(request, Reply::Typing { conversation }));
        self.signal(signal);
        self.tell(Ephemeral::Typing {
            conversation,
            user: user.id,
            name: user.name.clone(),
            contact,
        });
    }

    /// Sets the conversation the connection has open, and answers.
    pub(super) fn view(
        &mut self,
        outlet: Outlet,
        principal: &Principal,
        request: Option<RequestId>,
        conversation: Option<ConversationId>,
    ) {
        let user = &principal.user;
        let signals = self
            .presence
            .view(outlet.conn, conversation, user.id, &user.name);
        if let Some(id) = request {
            outlet.send(&result_frame(id, Reply::View { conversation }));
        }
        self.signal(signals);
        self.tell(Ephemeral::View {
            conn: outlet.conn,
            conversation,
            user: user.id,
            name: user.name.clone(),
        });
    }

    /// Answers with the team's presence, filtered like its signals, and
    /// opts a subscribed connection in to the signals.
    pub(super) fn presence(&mut self, outlet: Outlet, principal: &Principal, request: RequestId) {
        let team = self.team;
        let signals = self.subscribers.listen(outlet.conn);
        let mut state = PresenceState {
            team,
            users: self.presence.online(),
            viewing: self.presence.viewing(),
            typing: self.presence.typists(),
            signals,
            contacts: self.visitors.online(),
        };
        if principal.is_restricted_in(team) {
            state.users.clear();
            state
                .contacts
                .retain(|c| principal.reads(team, c.conversation));
            state
                .viewing
                .retain(|v| principal.reads(team, v.conversation));
            state
                .typing
                .retain(|t| principal.reads(team, t.conversation));
        }
        outlet.send(&result_frame(request, Reply::Presence(state)));
    }

    /// A message of `user` in `conversation` ends their typing there.
    pub(super) fn message_sent(&mut self, conversation: ConversationId, user: UserId) {
        // Told only when it ended something: every server's presence
        // holds the same typists, so none holds one this one does not.
        if let Some(signal) = self.presence.sent(conversation, user) {
            self.signal([signal]);
            self.tell(Ephemeral::Sent { conversation, user });
        }
    }

    /// A live subscription of the team's people counts as a device.
    pub(super) fn joined(&mut self, conn: ConnId, principal: &Principal) {
        let signal = self
            .presence
            .join(conn, principal.user.id, &principal.user.name);
        self.signal(signal);
        self.tell(Ephemeral::Join {
            conn,
            user: principal.user.id,
            name: principal.user.name.clone(),
        });
    }

    /// A connection stopped being subscribed: it is no device any more.
    pub(super) fn left(&mut self, conn: ConnId) {
        self.visitor_left(conn);
        let signal = self.presence.leave(conn, Instant::now());
        self.signal(signal);
        self.tell(Ephemeral::Leave { conn });
    }

    /// A connection is gone from the team: no device, no view.
    pub(super) fn gone(&mut self, conn: ConnId) {
        self.left(conn);
        let signals = self.presence.unview(conn);
        self.signal(signals);
        self.tell(Ephemeral::Unview { conn });
    }

    /// Ends the grace windows and typing that have expired.
    pub(super) fn expire(&mut self) {
        let signals = self.presence.expire(Instant::now());
        self.signal(signals);
    }

    /// Delivers signals to the current subscribers that asked for them and
    /// may see them, dropping them for a subscriber that is behind.
    pub(super) fn signal(&self, signals: impl IntoIterator<Item = Signal>) {
        let team = self.team;
        for signal in signals {
            let frame = SharedFrame::new(ServerFrame::Signal(SignalFrame {
                team,
                signal: signal.clone(),
            }));
            for subscriber in self.subscribers.listeners() {
                if let Some(principal) = &subscriber.restricted {
                    // Not the team's people: conversation signals of their
                    // own conversations only, no presence.
                    if !principal.receives_signal(team, &signal) {
                        continue;
                    }
                }
                let outlet = &subscriber.outlet;
                if !outlet.offer(frame.bytes(outlet.encoding)) {
                    tracing::trace!(%team, conn = outlet.conn, "signal dropped: outbox full");
                }
            }
        }
    }
}
