//! The teams this client is subscribed to and how far it has read each.
//!
//! Invariants:
//! - a team's position only moves forward within an epoch; it is reset only
//!   when the server says the old position means nothing now
//!   (`epoch_changed`, `offset_ahead`) or when the application names a
//!   position itself with `subscribe_from`;
//! - an event is admitted (delivered to the application) only if its offset
//!   is above the team's position, and the position moves to it only after
//!   delivery, so a drop between the two replays the event instead of losing
//!   it;
//! - after a `subscribed` reply announcing `replayed` events, the position
//!   jumps to the reply's `offset` once that many events have arrived: the
//!   server may skip offsets this user may not read, and the reply says the
//!   client is up to date through `offset` anyway.
//!
//! A team is remembered from its first `subscribed` reply until its
//! `unsubscribed` reply; the driver re-subscribes every remembered team
//! after a reconnect. Whether the application opted in to the team's
//! signals (a `presence` answered `signals: true`) is remembered with it,
//! and forgotten with it: the server ends the opt-in with the
//! subscription, and keeps it when a subscribed connection subscribes
//! again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use switchboard_protocol::model::Position;
use switchboard_protocol::server::{Resume, Subscribed};
use switchboard_protocol::{Offset, TeamId};

/// The positions, readable by every [`Client`](crate::Client) handle while
/// the driver updates them. Held only for a map operation, never across an
/// `.await`.
#[derive(Debug, Clone, Default)]
pub(crate) struct PositionBoard(Arc<Mutex<HashMap<TeamId, Position>>>);

impl PositionBoard {
    pub(crate) fn get(&self, team: TeamId) -> Option<Position> {
        self.lock().get(&team).copied()
    }

    fn set(&self, team: TeamId, position: Position) {
        self.lock().insert(team, position);
    }

    fn remove(&self, team: TeamId) {
        self.lock().remove(&team);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<TeamId, Position>> {
        // A panic while holding this lock cannot leave the map half-updated
        // (each operation is a single insert/remove), so poison is harmless.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug, Clone, Copy)]
struct Subscription {
    position: Position,
    /// Replayed events announced by the last reply and not yet received.
    replay_left: u32,
    /// Where the position goes once `replay_left` reaches zero.
    caught_up_to: Offset,
    /// The application opted in to the team's signals: the driver asks for
    /// them again after a reconnect.
    signals: bool,
}

/// The driver's record of subscribed teams and their positions.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    teams: HashMap<TeamId, Subscription>,
    board: PositionBoard,
}

impl Subscriptions {
    pub(crate) fn new(board: PositionBoard) -> Self {
        Subscriptions {
            teams: HashMap::new(),
            board,
        }
    }

    /// The position to resume a team from, if the team is remembered.
    pub(crate) fn resume_point(&self, team: TeamId) -> Option<Position> {
        self.teams.get(&team).map(|sub| sub.position)
    }

    /// Every remembered team with its position, by team id.
    pub(crate) fn remembered(&self) -> Vec<(TeamId, Position)> {
        let mut teams: Vec<_> = self
            .teams
            .iter()
            .map(|(team, sub)| (*team, sub.position))
            .collect();
        teams.sort_by_key(|(team, _)| *team);
        teams
    }

    /// Applies a `subscribed` reply to a subscribe sent with `after`;
    /// `explicit` when the application chose `after` itself. Returns the
    /// resume outcome when the server could not resume from `after`.
    pub(crate) fn subscribed(
        &mut self,
        reply: &Subscribed,
        after: Option<Position>,
        explicit: bool,
    ) -> Option<Resume> {
        let existing = self.teams.get(&reply.team).map(|sub| sub.position);
        let signals = self.opted_in(reply.team);
        let base = match reply.resume {
            // Nothing was replayed: the client is up to date through the
            // reply's offset, in the reply's epoch.
            Resume::Fresh | Resume::EpochChanged | Resume::OffsetAhead => reply.offset,
            Resume::Recovered => match (existing, after) {
                (Some(existing), _) if !explicit && existing.epoch == reply.epoch => {
                    existing.offset
                }
                (_, Some(after)) => after.offset,
                // Recovered without an `after` breaks the protocol; the
                // reply's offset is the only position left to trust.
                (_, None) => reply.offset,
            },
        };
        let mut sub = Subscription {
            position: Position {
                epoch: reply.epoch,
                offset: base,
            },
            replay_left: reply.replayed,
            caught_up_to: reply.offset,
            signals,
        };
        if sub.replay_left == 0 {
            sub.position.offset = sub.position.offset.max(sub.caught_up_to);
        }
        self.teams.insert(reply.team, sub);
        self.board.set(reply.team, sub.position);
        match reply.resume {
            Resume::EpochChanged | Resume::OffsetAhead if after.is_some() => Some(reply.resume),
            _ => None,
        }
    }

    /// Whether an incoming event of `team` at `offset` is new to the
    /// application. Counts it against an announced replay either way.
    pub(crate) fn admit(&mut self, team: TeamId, offset: Offset) -> bool {
        let Some(sub) = self.teams.get_mut(&team) else {
            // Not subscribed (a late event after `unsubscribed`): drop it.
            return false;
        };
        sub.replay_left = sub.replay_left.saturating_sub(1);
        if offset > sub.position.offset {
            return true;
        }
        if sub.replay_left == 0 && sub.caught_up_to > sub.position.offset {
            sub.position.offset = sub.caught_up_to;
            self.board.set(team, sub.position);
        }
        false
    }

    /// Records that an admitted event reached the application.
    pub(crate) fn delivered(&mut self, team: TeamId, offset: Offset) {
        if let Some(sub) = self.teams.get_mut(&team) {
            sub.position.offset = sub.position.offset.max(offset);
            if sub.replay_left == 0 {
                sub.position.offset = sub.position.offset.max(sub.caught_up_to);
            }
            self.board.set(team, sub.position);
        }
    }

    /// Records that a `presence` reply opted this connection in to a team's
    /// signals. Ignored for a team not remembered (a reply that crossed its
    /// `unsubscribed`), so only subscribed teams are ever kept.
    pub(crate) fn opt_in(&mut self, team: TeamId) {
        if let Some(sub) = self.teams.get_mut(&team) {
            sub.signals = true;
        }
    }

    /// Whether the application opted in to the team's signals.
    pub(crate) fn opted_in(&self, team: TeamId) -> bool {
        self.teams.get(&team).is_some_and(|sub| sub.signals)
    }

    /// Forgets a team, and the opt-in to its signals: it is no longer
    /// re-subscribed after a reconnect.
    pub(crate) fn forget(&mut self, team: TeamId) {
        self.teams.remove(&team);
        self.board.remove(team);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::Epoch;

    const TEAM: TeamId = TeamId(7);

    fn reply(epoch: u64, offset: u64, replayed: u32, resume: Resume) -> Subscribed {
        Subscribed {
            team: TEAM,
            epoch: Epoch(epoch),
            offset: Offset(offset),
            head: Offset(offset),
            replayed,
            live: true,
            resume,
        }
    }

    fn at(epoch: u64, offset: u64) -> Position {
        Position {
            epoch: Epoch(epoch),
            offset: Offset(offset),
        }
    }

    #[test]
    fn fresh_starts_at_the_reply_offset_and_drops_old_events() {
        let mut subs = Subscriptions::default();
        assert_eq!(
            subs.subscribed(&reply(1, 5, 0, Resume::Fresh), None, false),
            None
        );
        assert_eq!(subs.board.get(TEAM), Some(at(1, 5)));
        assert!(!subs.admit(TEAM, Offset(5)));
        assert!(subs.admit(TEAM, Offset(6)));
        subs.delivered(TEAM, Offset(6));
        assert!(!subs.admit(TEAM, Offset(6)));
        assert_eq!(subs.resume_point(TEAM), Some(at(1, 6)));
    }

    #[test]
    fn replay_moves_the_position_only_as_events_arrive() {
        let mut subs = Subscriptions::default();
        subs.subscribed(&reply(1, 10, 0, Resume::Fresh), None, false);
        // Reconnected: the server replays 2 events and is current through 14
        // (offsets 11 and 13 are not readable by this user).
        let resumed = subs.subscribed(&reply(1, 14, 2, Resume::Recovered), Some(at(1, 10)), false);
        assert_eq!(resumed, None);
        assert_eq!(subs.resume_point(TEAM), Some(at(1, 10)));
        assert!(subs.admit(TEAM, Offset(12)));
        subs.delivered(TEAM, Offset(12));
        assert_eq!(subs.resume_point(TEAM), Some(at(1, 12)));
        assert!(subs.admit(TEAM, Offset(14)));
        subs.delivered(TEAM, Offset(14));
        assert_eq!(subs.resume_point(TEAM), Some(at(1, 14)));
    }

    #[test]
    fn a_duplicate_last_replayed_event_still_completes_the_replay() {
        let mut subs = Subscriptions::default();
        subs.subscribed(&reply(1, 3, 0, Resume::Fresh), None, false);
        subs.subscribed(&reply(1, 5, 1, Resume::Recovered), Some(at(1, 2)), true);
        assert!(!subs.admit(TEAM, Offset(2)));
        assert_eq!(subs.resume_point(TEAM), Some(at(1, 5)));
    }

    #[test]
    fn epoch_change_resets_the_position_and_reports_it() {
        let mut subs = Subscriptions::default();
        subs.subscribed(&reply(1, 50, 0, Resume::Fresh), None, false);
        let resumed = subs.subscribed(
            &reply(2, 3, 0, Resume::EpochChanged),
            Some(at(1, 50)),
            false,
        );
        assert_eq!(resumed, Some(Resume::EpochChanged));
        assert_eq!(subs.resume_point(TEAM), Some(at(2, 3)));
        assert!(subs.admit(TEAM, Offset(4)));
    }

    #[test]
    fn explicit_after_overrides_the_remembered_position() {
        let mut subs = Subscriptions::default();
        subs.subscribed(&reply(1, 9, 0, Resume::Fresh), None, false);
        subs.subscribed(&reply(1, 9, 3, Resume::Recovered), Some(at(1, 6)), true);
        assert!(subs.admit(TEAM, Offset(7)));
    }

    #[test]
    fn the_opt_in_survives_a_resubscribe_but_not_forget() {
        let mut subs = Subscriptions::default();
        subs.opt_in(TEAM);
        assert!(!subs.opted_in(TEAM), "not subscribed: nothing to opt in to");
        subs.subscribed(&reply(1, 4, 0, Resume::Fresh), None, false);
        subs.opt_in(TEAM);
        subs.subscribed(&reply(1, 6, 2, Resume::Recovered), Some(at(1, 4)), false);
        assert!(subs.opted_in(TEAM));
        subs.forget(TEAM);
        subs.subscribed(&reply(1, 6, 0, Resume::Fresh), None, false);
        assert!(!subs.opted_in(TEAM), "unsubscribing ended the opt-in");
    }

    #[test]
    fn forgotten_teams_admit_nothing() {
        let mut subs = Subscriptions::default();
        subs.subscribed(&reply(1, 0, 0, Resume::Fresh), None, false);
        subs.forget(TEAM);
        assert!(!subs.admit(TEAM, Offset(1)));
        assert_eq!(subs.board.get(TEAM), None);
        assert!(subs.remembered().is_empty());
    }
}
