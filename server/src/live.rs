//! The live connections of the server, indexed by the token they said
//! hello with, by their user, and by every team their access reaches, so
//! that revoking a token (logout), changing a user's access or removing a
//! team reaches every connection concerned at once, whatever kind of
//! principal holds it (a person by role or grant, a bot, the owner).
//!
//! Invariants:
//! - A connection is listed from just after its hello was accepted until
//!   its [`Registration`] is dropped, when the connection ends; the token
//!   and user indexes always list the same connections.
//! - A connection is listed under exactly the teams of its current access
//!   ([`Registration::reach`], set at hello and again whenever the
//!   connection reloads its access; the registration, which the session
//!   holds, keeps that list to leave those teams when it is dropped), so
//!   closing a team's holders needs no knowledge of how each one came to
//!   hold it.
//! - Closing through the registry only asks the connections to close (see
//!   `Outlet::close`); each removes itself as it ends. A close code that
//!   drops the queue (`outlet::drops_queue`) means no frame queued for the
//!   connection is written after the request.
//! - A revocation and a hello racing each other cannot leave a revoked
//!   connection open: the revoker deletes the token before it closes the
//!   listed connections, and a hello registers before it checks once more
//!   that its token still exists (see `connection::hello`).
//! - Where servers share the store, every close is told to the others
//!   too (see `relay`), which close the connections it concerns on their
//!   side.

use crate::outlet::{ConnId, Outlet};
use crate::relay::{Relay, Whose};
use dashmap::DashMap;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};
use switchboard_protocol::ids::{TeamId, UserId};

/// A token's identity in the registry: the SHA-256 the store keeps.
pub(crate) type TokenHash = [u8; 32];

/// Who is connected, by token and by user.
#[derive(Default)]
pub(crate) struct LiveConnections {
    by_token: DashMap<TokenHash, Vec<Outlet>>,
    by_user: DashMap<UserId, Vec<Outlet>>,
    by_team: DashMap<TeamId, Vec<Outlet>>,
    /// The other servers, told of every close (set once, in a cluster).
    relay: OnceLock<Arc<Relay>>,
}

/// A connection's place in the registry; dropping it removes the connection.
pub(crate) struct Registration {
    live: Arc<LiveConnections>,
    token: TokenHash,
    user: UserId,
    conn: ConnId,
    /// The teams the connection is listed under in `by_team`: kept here,
    /// by the connection, not in a map of the registry's.
    teams: Box<[TeamId]>,
}

impl LiveConnections {
    /// An empty registry.
    pub(crate) fn new() -> Arc<LiveConnections> {
        Arc::new(LiveConnections::default())
    }

    /// Tells every later close to the other servers through `relay`.
    pub(crate) fn relay_to(&self, relay: Arc<Relay>) {
        if self.relay.set(relay).is_err() {
            tracing::warn!("the connections' relay was set twice");
        }
    }

    /// Closes this server's connections of `whose` (a change another
    /// server told); returns how many were asked.
    pub(crate) fn close_here(&self, whose: Whose, code: u16, reason: &str) -> usize {
        match whose {
            Whose::Token(token) => close_all(listed(&self.by_token, &token), code, reason),
            Whose::User(user) => close_all(listed(&self.by_user, &user), code, reason),
            Whose::Team(team) => close_all(listed(&self.by_team, &team), code, reason),
        }
    }

    /// Tells the other servers, if any, to close `whose` connections.
    fn tell(&self, whose: Whose, code: u16, reason: &str) {
        if let Some(relay) = self.relay.get() {
            relay.tell(whose, code, reason);
        }
    }

    /// Lists a connection that said hello with `token` as `user`.
    pub(crate) fn register(
        self: &Arc<Self>,
        token: TokenHash,
        user: UserId,
        outlet: &Outlet,
    ) -> Registration {
        self.by_token.entry(token).or_default().push(outlet.clone());
        self.by_user.entry(user).or_default().push(outlet.clone());
        Registration {
            live: Arc::clone(self),
            token,
            user,
            conn: outlet.conn,
            teams: Box::default(),
        }
    }

    /// Asks every connection whose access reaches `team` to close, but
    /// `spared` (the connection that made the change, which answers it and
    /// reloads its own access); returns how many were asked.
    pub(crate) fn close_team_except(
        &self,
        team: TeamId,
        spared: ConnId,
        code: u16,
        reason: &str,
    ) -> usize {
        let mut outlets = listed(&self.by_team, &team);
        outlets.retain(|outlet| outlet.conn != spared);
        self.tell(Whose::Team(team), code, reason);
        close_all(outlets, code, reason)
    }

    /// Asks every connection of a token to close; returns how many there were.
    pub(crate) fn close_token(&self, token: &TokenHash, code: u16, reason: &str) -> usize {
        self.tell(Whose::Token(*token), code, reason);
        self.close_here(Whose::Token(*token), code, reason)
    }

    /// Asks every connection of a user to close; returns how many there were.
    pub(crate) fn close_user(&self, user: UserId, code: u16, reason: &str) -> usize {
        self.tell(Whose::User(user), code, reason);
        self.close_here(Whose::User(user), code, reason)
    }

    /// Asks every connection of a user but one to close; returns how many
    /// there were. The one spared is the connection that made the change:
    /// it answers the request and refreshes its own access instead.
    pub(crate) fn close_user_except(
        &self,
        user: UserId,
        spared: ConnId,
        code: u16,
        reason: &str,
    ) -> usize {
        let mut outlets = listed(&self.by_user, &user);
        outlets.retain(|outlet| outlet.conn != spared);
        self.tell(Whose::User(user), code, reason);
        close_all(outlets, code, reason)
    }

    /// How many connections a user has open.
    #[allow(dead_code, reason = "for presence and tests")]
    pub(crate) fn count_user(&self, user: UserId) -> usize {
        self.by_user.get(&user).map_or(0, |outlets| outlets.len())
    }
}

impl Registration {
    /// Lists the connection (`outlet`, the one registered) under exactly
    /// `teams` (its access's teams), in place of the teams it was listed
    /// under before.
    pub(crate) fn reach(&mut self, outlet: &Outlet, teams: impl IntoIterator<Item = TeamId>) {
        let mut teams: Vec<TeamId> = teams.into_iter().collect();
        teams.sort_unstable();
        teams.dedup();
        let by_team = &self.live.by_team;
        for team in self.teams.iter().filter(|team| !teams.contains(team)) {
            unlist(by_team, team, self.conn);
        }
        for team in teams.iter().filter(|team| !self.teams.contains(team)) {
            by_team.entry(*team).or_default().push(outlet.clone());
        }
        self.teams = teams.into_boxed_slice();
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        unlist(&self.live.by_token, &self.token, self.conn);
        unlist(&self.live.by_user, &self.user, self.conn);
        for team in self.teams.iter() {
            unlist(&self.live.by_team, team, self.conn);
        }
    }
}

/// A copy of the outlets under `key`, so that no map lock is held while
/// they are closed.
fn listed<K: Eq + Hash>(map: &DashMap<K, Vec<Outlet>>, key: &K) -> Vec<Outlet> {
    map.get(key)
        .map(|outlets| outlets.clone())
        .unwrap_or_default()
}

fn close_all(outlets: Vec<Outlet>, code: u16, reason: &str) -> usize {
    for outlet in &outlets {
        outlet.close(code, reason);
    }
    outlets.len()
}

/// Removes one connection from `key`'s list, and the list once empty.
fn unlist<K: Eq + Hash>(map: &DashMap<K, Vec<Outlet>>, key: &K, conn: ConnId) {
    let now_empty = match map.get_mut(key) {
        Some(mut outlets) => {
            outlets.retain(|outlet| outlet.conn != conn);
            outlets.is_empty()
        }
        None => false,
    };
    // The guard above is dropped: removing takes the shard's lock again.
    if now_empty {
        map.remove_if(key, |_, outlets| outlets.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outlet::{Outbox, Work};
    use switchboard_protocol::codec::Encoding;
    use switchboard_protocol::server::ServerFrame;
    use switchboard_protocol::{close, RequestId};

    fn outlet(conn: ConnId) -> (Outlet, Arc<Outbox>) {
        Outlet::new(conn, Encoding::MsgPack, 16)
    }

    fn pong() -> ServerFrame {
        ServerFrame::Result(switchboard_protocol::server::ResultFrame {
            id: RequestId(1),
            result: switchboard_protocol::server::Reply::Pong,
            duplicate: false,
        })
    }

    #[tokio::test]
    async fn closing_a_token_closes_its_connections_only_and_drops_their_queue() {
        let live = LiveConnections::new();
        let (a, a_box) = outlet(1);
        let (b, b_box) = outlet(2);
        let (c, c_box) = outlet(3);
        let _a = live.register([1; 32], UserId(7), &a);
        let _b = live.register([1; 32], UserId(7), &b);
        let _c = live.register([2; 32], UserId(7), &c);
        assert!(a.send(&pong()));
        assert_eq!(
            live.close_token(&[1; 32], close::UNAUTHORIZED, "logged out"),
            2
        );
        assert!(!a.send(&pong()), "nothing is queued after the close");
        match a_box.work().await {
            Work::Close(frames, code, _) => {
                assert!(frames.is_empty(), "the queued frame is dropped");
                assert_eq!(code, close::UNAUTHORIZED);
            }
            Work::Write(_) | Work::Ping => panic!("expected a close"),
        }
        assert_eq!(b_box.closed().await, close::UNAUTHORIZED);
        assert!(c.send(&pong()), "another token's connection stays open");
        assert!(matches!(c_box.work().await, Work::Write(f) if f.len() == 1));
        assert_eq!(live.count_user(UserId(7)), 3, "closing does not unlist");
    }

    #[tokio::test]
    async fn closing_a_user_reaches_every_token_and_ended_connections_unlist() {
        let live = LiveConnections::new();
        let (a, _a_box) = outlet(1);
        let (b, b_box) = outlet(2);
        let (c, _c_box) = outlet(3);
        let ra = live.register([1; 32], UserId(7), &a);
        let _rb = live.register([2; 32], UserId(7), &b);
        let _rc = live.register([3; 32], UserId(8), &c);
        drop(ra);
        assert_eq!(live.count_user(UserId(7)), 1);
        assert_eq!(live.close_token(&[1; 32], close::UNAUTHORIZED, ""), 0);
        assert!(!live.by_token.contains_key(&[1; 32]), "empty lists go");
        assert_eq!(live.close_user(UserId(7), close::ACCESS_CHANGED, "role"), 1);
        assert_eq!(b_box.closed().await, close::ACCESS_CHANGED);
        assert!(c.send(&pong()), "another user's connection stays open");
    }

    #[tokio::test]
    async fn closing_a_team_reaches_whoever_holds_it_now_and_no_one_else() {
        let live = LiveConnections::new();
        let (a, a_box) = outlet(1);
        let (b, _b_box) = outlet(2);
        let (c, _c_box) = outlet(3);
        let (d, _d_box) = outlet(4);
        let mut ra = live.register([1; 32], UserId(7), &a);
        let mut rb = live.register([2; 32], UserId(8), &b);
        let mut rc = live.register([3; 32], UserId(9), &c);
        let mut rd = live.register([4; 32], UserId(10), &d);
        ra.reach(&a, [TeamId(1), TeamId(2)]);
        rb.reach(&b, [TeamId(1)]);
        rc.reach(&c, [TeamId(1)]);
        rd.reach(&d, [TeamId(1)]);
        // b's access no longer reaches team 1; c's connection ended.
        rb.reach(&b, [TeamId(2)]);
        drop(rc);
        assert_eq!(
            live.close_team_except(TeamId(1), d.conn, close::ACCESS_CHANGED, "removed"),
            1
        );
        assert_eq!(a_box.closed().await, close::ACCESS_CHANGED);
        assert!(
            b.send(&pong()),
            "a connection that lost the team stays open"
        );
        assert!(d.send(&pong()), "the spared connection stays open");
        assert!(c.send(&pong()), "an ended connection is not reached");
        drop((ra, rb, rd));
        assert!(live.by_team.is_empty());
    }
}
