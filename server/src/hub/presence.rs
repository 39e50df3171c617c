//! The ephemeral state of a team: who is online (on how many devices), who
//! is typing where, and which connection has which conversation open. A
//! pure state machine: every change returns the signals it causes, and the
//! hub delivers them (see `signals`). Nothing here is stored or replayed.
//!
//! Invariants:
//! - A user is online while at least one of their connections is
//!   subscribed to the team (their devices), and for `grace` after the last
//!   one went; only then is `online: false` signalled. A presence signal is
//!   sent only when the device count differs from the last one signalled,
//!   so a device that leaves and comes back within the grace window causes
//!   no signal at all.
//! - Typing is coalesced per user and conversation: the first `typing`
//!   signals `typing: true`, repeats only push the expiry back; the expiry
//!   or a message of theirs there signals `typing: false`, once.
//! - A connection views at most one conversation; a `viewing` signal is
//!   sent for a conversation exactly when its set of viewing users (each
//!   user once, however many connections) changes.
//! - `next_deadline` is the earliest pending expiry, so the hub wakes for
//!   it and for nothing else; an empty state has none.

use crate::outlet::ConnId;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use switchboard_protocol::ids::{ConversationId, UserId};
use switchboard_protocol::presence::{
    OnlineUser, PresenceChange, Signal, TypingChange, Viewer, Viewers,
};
use tokio::time::Instant;

/// A connection counted as a device: its id, its user and their name.
pub(super) type Device = (ConnId, UserId, String);

/// A connection's open conversation: its id, the conversation, its user
/// and their name.
pub(super) type View = (ConnId, ConversationId, UserId, String);

/// The presence, typing and viewing state of one team.
pub(super) struct Presence {
    grace: Duration,
    expiry: Duration,
    /// The subscribed connections counted as devices, and whose they are.
    devices: HashMap<ConnId, UserId>,
    /// The users online (or within their grace window).
    users: BTreeMap<UserId, Online>,
    /// Who is typing where, until when.
    typing: BTreeMap<(ConversationId, UserId), Typist>,
    /// The conversation each connection has open.
    views: HashMap<ConnId, Look>,
}

struct Online {
    name: String,
    /// Connections subscribed now.
    devices: u32,
    /// The device count last signalled.
    announced: u32,
    /// Set while `devices` is 0: when the user goes offline.
    leaves_at: Option<Instant>,
}

struct Typist {
    name: String,
    until: Instant,
    /// Whether the typist is the conversation's contact (a web chat
    /// visitor).
    contact: bool,
}

struct Look {
    conversation: ConversationId,
    user: UserId,
    name: String,
}

impl Presence {
    pub(super) fn new(grace: Duration, expiry: Duration) -> Presence {
        Presence {
            grace,
            expiry,
            devices: HashMap::new(),
            users: BTreeMap::new(),
            typing: BTreeMap::new(),
            views: HashMap::new(),
        }
    }

    /// Whether nothing is tracked: no device, no grace window, no typing,
    /// no view. Only then may the hub stop.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.users.is_empty() && self.typing.is_empty() && self.views.is_empty()
    }

    /// Whether nothing is tracked of this server's own connections (those
    /// below `remote`, see `told`): no device, no view, no grace window
    /// nor typing of anyone.
    pub(super) fn is_empty_below(&self, remote: ConnId) -> bool {
        self.devices.keys().all(|conn| *conn >= remote)
            && self.views.keys().all(|conn| *conn >= remote)
            && self.typing.is_empty()
            && self.users.values().all(|online| online.leaves_at.is_none())
    }

    /// Whether a connection counts as a device or views a conversation.
    pub(super) fn holds(&self, conn: ConnId) -> bool {
        self.devices.contains_key(&conn) || self.views.contains_key(&conn)
    }

    /// The devices and views of the connections below `remote` (this
    /// server's own), with their users' names.
    pub(super) fn own_below(&self, remote: ConnId) -> (Vec<Device>, Vec<View>) {
        let name = |user: &UserId| {
            self.users
                .get(user)
                .map(|online| online.name.clone())
                .unwrap_or_default()
        };
        let devices = self
            .devices
            .iter()
            .filter(|(conn, _)| **conn < remote)
            .map(|(conn, user)| (*conn, *user, name(user)))
            .collect();
        let views = self
            .views
            .iter()
            .filter(|(conn, _)| **conn < remote)
            .map(|(conn, look)| (*conn, look.conversation, look.user, look.name.clone()))
            .collect();
        (devices, views)
    }

    /// A subscribed connection of `user` counts as one of their devices.
    /// Counting the same connection twice changes nothing.
    pub(super) fn join(&mut self, conn: ConnId, user: UserId, name: &str) -> Option<Signal> {
        if self.devices.insert(conn, user).is_some() {
            return None;
        }
        let online = self.users.entry(user).or_insert_with(|| Online {
            name: name.to_string(),
            devices: 0,
            announced: 0,
            leaves_at: None,
        });
        online.devices += 1;
        online.leaves_at = None;
        announce(user, online)
    }

    /// A connection stops counting as a device (unsubscribed or gone). The
    /// user's last device starts the grace window instead of a signal.
    pub(super) fn leave(&mut self, conn: ConnId, now: Instant) -> Option<Signal> {
        let user = self.devices.remove(&conn)?;
        let online = self.users.get_mut(&user)?;
        online.devices = online.devices.saturating_sub(1);
        if online.devices == 0 {
            online.leaves_at = Some(now + self.grace);
            return None;
        }
        announce(user, online)
    }

    /// `user` is typing in `conversation`: `typing: true` the first time,
    /// nothing but a later expiry on a repeat. `contact` when the typist is
    /// the conversation's contact (a web chat visitor).
    pub(super) fn typing(
        &mut self,
        conversation: ConversationId,
        user: UserId,
        name: &str,
        contact: bool,
        now: Instant,
    ) -> Option<Signal> {
        let until = now + self.expiry;
        if let Some(typist) = self.typing.get_mut(&(conversation, user)) {
            typist.until = until;
            return None;
        }
        let name = name.to_string();
        self.typing.insert(
            (conversation, user),
            Typist {
                name: name.clone(),
                until,
                contact,
            },
        );
        Some(typing_signal(conversation, user, name, contact, true))
    }

    /// `user` sent a message in `conversation`: their typing there ends now.
    pub(super) fn sent(&mut self, conversation: ConversationId, user: UserId) -> Option<Signal> {
        let typist = self.typing.remove(&(conversation, user))?;
        Some(typing_signal(
            conversation,
            user,
            typist.name,
            typist.contact,
            false,
        ))
    }

    /// The conversation `conn` has open becomes `conversation` (or none);
    /// returns a `viewing` signal for each conversation whose viewers
    /// changed.
    pub(super) fn view(
        &mut self,
        conn: ConnId,
        conversation: Option<ConversationId>,
        user: UserId,
        name: &str,
    ) -> Vec<Signal> {
        let old = self.views.get(&conn).map(|look| look.conversation);
        if old == conversation {
            return Vec::new();
        }
        let touched: Vec<ConversationId> = old.into_iter().chain(conversation).collect();
        let before: Vec<Vec<Viewer>> = touched.iter().map(|c| self.viewers(*c)).collect();
        match conversation {
            Some(conversation) => {
                let look = Look {
                    conversation,
                    user,
                    name: name.to_string(),
                };
                self.views.insert(conn, look);
            }
            None => {
                self.views.remove(&conn);
            }
        }
        self.changed_views(&touched, before)
    }

    /// `conn` is gone: it no longer views anything.
    pub(super) fn unview(&mut self, conn: ConnId) -> Vec<Signal> {
        let Some(conversation) = self.views.get(&conn).map(|look| look.conversation) else {
            return Vec::new();
        };
        let before = vec![self.viewers(conversation)];
        self.views.remove(&conn);
        self.changed_views(&[conversation], before)
    }

    /// Ends what has expired by `now`: grace windows (`online: false`) and
    /// typing (`typing: false`).
    pub(super) fn expire(&mut self, now: Instant) -> Vec<Signal> {
        let mut signals = Vec::new();
        let gone: Vec<UserId> = self
            .users
            .iter()
            .filter(|(_, online)| online.leaves_at.is_some_and(|at| at <= now))
            .map(|(user, _)| *user)
            .collect();
        for user in gone {
            if let Some(online) = self.users.remove(&user) {
                signals.push(Signal::Presence(PresenceChange {
                    user,
                    name: online.name,
                    online: false,
                    devices: 0,
                }));
            }
        }
        let stopped: Vec<(ConversationId, UserId)> = self
            .typing
            .iter()
            .filter(|(_, typist)| typist.until <= now)
            .map(|(key, _)| *key)
            .collect();
        for (conversation, user) in stopped {
            if let Some(typist) = self.typing.remove(&(conversation, user)) {
                signals.push(typing_signal(
                    conversation,
                    user,
                    typist.name,
                    typist.contact,
                    false,
                ));
            }
        }
        signals
    }

    /// The earliest moment something expires, if anything will.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let leaving = self.users.values().filter_map(|online| online.leaves_at);
        let typing = self.typing.values().map(|typist| typist.until);
        leaving.chain(typing).min()
    }

    /// Who is online, by user id.
    pub(super) fn online(&self) -> Vec<OnlineUser> {
        self.users
            .iter()
            .map(|(user, online)| OnlineUser {
                user: *user,
                name: online.name.clone(),
                devices: online.devices,
            })
            .collect()
    }

    /// The viewers of every conversation somebody has open, by
    /// conversation id.
    pub(super) fn viewing(&self) -> Vec<Viewers> {
        let mut conversations: Vec<ConversationId> =
            self.views.values().map(|look| look.conversation).collect();
        conversations.sort();
        conversations.dedup();
        conversations
            .into_iter()
            .map(|conversation| Viewers {
                conversation,
                users: self.viewers(conversation),
            })
            .collect()
    }

    /// Who is typing where, by conversation then user.
    pub(super) fn typists(&self) -> Vec<TypingChange> {
        self.typing
            .iter()
            .map(|((conversation, user), typist)| TypingChange {
                conversation: *conversation,
                user: *user,
                name: typist.name.clone(),
                typing: true,
                contact: typist.contact,
            })
            .collect()
    }

    /// The users viewing a conversation, each once, by user id.
    fn viewers(&self, conversation: ConversationId) -> Vec<Viewer> {
        let users: BTreeMap<UserId, &str> = self
            .views
            .values()
            .filter(|look| look.conversation == conversation)
            .map(|look| (look.user, look.name.as_str()))
            .collect();
        users
            .into_iter()
            .map(|(user, name)| Viewer {
                user,
                name: name.to_string(),
            })
            .collect()
    }

    /// A `viewing` signal for each of `touched` whose viewers differ from
    /// `before`.
    fn changed_views(&self, touched: &[ConversationId], before: Vec<Vec<Viewer>>) -> Vec<Signal> {
        touched
            .iter()
            .zip(before)
            .filter_map(|(conversation, before)| {
                let users = self.viewers(*conversation);
                (users != before).then_some(Signal::Viewing(Viewers {
                    conversation: *conversation,
                    users,
                }))
            })
            .collect()
    }
}

/// A presence signal if the device count differs from the one last sent.
fn announce(user: UserId, online: &mut Online) -> Option<Signal> {
    if online.devices == online.announced {
        return None;
    }
    online.announced = online.devices;
    Some(Signal::Presence(PresenceChange {
        user,
        name: online.name.clone(),
        online: true,
        devices: online.devices,
    }))
}

fn typing_signal(
    conversation: ConversationId,
    user: UserId,
    name: String,
    contact: bool,
    typing: bool,
) -> Signal {
    Signal::Typing(TypingChange {
        conversation,
        user,
        name,
        typing,
        contact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const ANN: UserId = UserId(1);
    const BEN: UserId = UserId(2);
    const C: ConversationId = ConversationId(10);
    const D: ConversationId = ConversationId(11);

    fn presence() -> Presence {
        Presence::new(5 * SECOND, 6 * SECOND)
    }

    fn devices(signal: Option<Signal>) -> Option<(bool, u32)> {
        match signal {
            Some(Signal::Presence(p)) => Some((p.online, p.devices)),
            None => None,
            Some(other) => panic!("expected presence, got {other:?}"),
        }
    }

    #[test]
    fn devices_count_and_the_last_one_leaves_only_after_the_grace_window() {
        let mut state = presence();
        let t0 = Instant::now();
        assert_eq!(devices(state.join(1, ANN, "Ann")), Some((true, 1)));
        assert_eq!(devices(state.join(1, ANN, "Ann")), None, "same connection");
        assert_eq!(devices(state.join(2, ANN, "Ann")), Some((true, 2)));
        assert_eq!(devices(state.leave(1, t0)), Some((true, 1)));
        assert_eq!(devices(state.leave(2, t0)), None, "grace, no signal");
        assert_eq!(state.next_deadline(), Some(t0 + 5 * SECOND));
        assert!(state.expire(t0 + 4 * SECOND).is_empty());
        let gone = state.expire(t0 + 5 * SECOND);
        assert!(matches!(&gone[..], [Signal::Presence(p)] if !p.online && p.devices == 0));
        assert!(state.is_empty());
        assert_eq!(state.next_deadline(), None);
    }

    #[test]
    fn a_device_back_within_the_grace_window_signals_nothing() {
        let mut state = presence();
        let t0 = Instant::now();
        state.join(1, ANN, "Ann");
        state.leave(1, t0);
        assert_eq!(state.online()[0].devices, 0, "still listed, no device");
        assert_eq!(devices(state.join(3, ANN, "Ann")), None);
        assert_eq!(state.next_deadline(), None, "the grace window is over");
        assert!(state.expire(t0 + 60 * SECOND).is_empty());
    }

    #[test]
    fn typing_is_coalesced_and_ends_by_expiry_or_by_a_message() {
        let mut state = presence();
        let t0 = Instant::now();
        assert!(state.typing(C, ANN, "Ann", false, t0).is_some());
        assert!(state
            .typing(C, ANN, "Ann", false, t0 + 3 * SECOND)
            .is_none());
        assert!(
            state.expire(t0 + 6 * SECOND).is_empty(),
            "the repeat extended it"
        );
        let ended = state.expire(t0 + 9 * SECOND);
        assert!(matches!(&ended[..], [Signal::Typing(t)] if !t.typing && t.user == ANN));
        assert!(state.typing(C, BEN, "Ben", false, t0).is_some());
        assert!(matches!(state.sent(C, BEN), Some(Signal::Typing(t)) if !t.typing));
        assert!(state.sent(C, BEN).is_none(), "ended once");
        assert!(state.sent(D, ANN).is_none(), "was not typing");
    }

    #[test]
    fn viewing_signals_each_conversation_whose_viewers_change() {
        let mut state = presence();
        let users = |signal: &Signal| match signal {
            Signal::Viewing(v) => (v.conversation, v.users.iter().map(|u| u.user).collect()),
            other => panic!("expected viewing, got {other:?}"),
        };
        let changed = state.view(1, Some(C), ANN, "Ann");
        assert_eq!(
            changed.iter().map(users).collect::<Vec<_>>(),
            [(C, vec![ANN])]
        );
        assert!(
            state.view(2, Some(C), ANN, "Ann").is_empty(),
            "same user twice"
        );
        let changed = state.view(3, Some(C), BEN, "Ben");
        assert_eq!(users(&changed[0]), (C, vec![ANN, BEN]));
        let changed = state.view(3, Some(D), BEN, "Ben");
        assert_eq!(
            changed.iter().map(users).collect::<Vec<_>>(),
            [(C, vec![ANN]), (D, vec![BEN])]
        );
        assert!(state.unview(1).is_empty(), "Ann still views on conn 2");
        let changed = state.unview(2);
        assert_eq!(users(&changed[0]), (C, vec![]));
        assert_eq!(state.viewing().len(), 1);
    }
}
