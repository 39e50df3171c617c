//! The matrix's world: account 1 (owner Alice) with team A (Mia Manager,
//! Bob Member) and its sibling team S (Sid Member); account 2 (owner Owen)
//! with team B (Carol Member). Conversations C and D in team A, one in S,
//! one in B; a post of team A. Rachel holds an accepted grant to C, Pete a pending one, Olga
//! an accepted one to D. Beep is a `read_write` bot of team A. Bob also holds an expired token and a logged-out
//! one; a hello with an empty token stands for "no token".

use super::table::{Subject, Team};
use crate::api_client::log_out;
use crate::restricted::outsider;
use crate::util::*;
use sha2::{Digest, Sha256};
use std::time::Duration;
use switchboard_client::{PostDraft, PostStatus};
use switchboard_protocol::ids::{AccountId, ConversationId, PostId, TeamId, UserId};
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::model::Role;
use switchboard_server::admin::{self, NewUser};
use switchboard_server::store::VisitorRecord;
use switchboard_server::store::{Store, TokenKind};
use switchboard_server::GrantState;
use switchboard_server::{auth, bots};

/// The seeded world, and a token for every subject.
pub struct MatrixWorld {
    pub account_1: AccountId,
    pub team_a: TeamId,
    pub team_s: TeamId,
    pub team_b: TeamId,
    pub c: ConversationId,
    pub d: ConversationId,
    pub s1: ConversationId,
    pub b1: ConversationId,
    /// A post of team A.
    pub post: PostId,
    pub owner: Login,
    pub manager: Login,
    pub member: Login,
    pub restricted_c: Login,
    pub pending_c: Login,
    pub restricted_other: Login,
    pub sibling: Login,
    pub other_account: Login,
    pub bot: Login,
    /// A web chat visitor whose conversation is C.
    pub visitor: Login,
    pub owen: Login,
    pub expired: String,
    pub revoked: String,
}

fn new_user(email: &str, name: &str) -> NewUser {
    NewUser {
        email: email.into(),
        name: name.into(),
        handle: None,
    }
}

/// A user with a role in `team`, and a session token.
fn member_of(store: &dyn Store, team: TeamId, email: &str, role: Role) -> Login {
    let name = email.split('@').next().unwrap_or(email);
    let login = outsider(store, email, name);
    admin::add_member(store, team, login.user, role).unwrap();
    login
}

/// A web chat visitor of `conversation`, written as the HTTP endpoint
/// writes one (its record, then its token).
fn visitor_of(store: &dyn Store, team: TeamId, conversation: ConversationId) -> Login {
    let id = UserId(store.next_id().unwrap());
    let token = auth::issue_token(store, id, TokenKind::Visitor, None).unwrap();
    let contact = store.conversation(conversation).unwrap().unwrap().contact;
    let record = VisitorRecord {
        id,
        team,
        contact,
        conversation,
        created_at: switchboard_server::time::now(),
        token_hash: Sha256::digest(token.as_bytes()).into(),
        address: "127.0.0.1".into(),
    };
    store.put_visitor(&record).unwrap();
    Login { user: id, token }
}

/// Sets a grant the way the server under test does (closing the
/// grantee's connections), or straight in the store where none are open.
pub type Grant<'a> = &'a dyn Fn(ConversationId, UserId, GrantState, UserId);

impl MatrixWorld {
    /// Seeds the world into a running server.
    pub async fn seed(server: &TestServer) -> MatrixWorld {
        let grant = |conversation, user, state, by| {
            server
                .server
                .set_grant(conversation, user, state, by)
                .unwrap();
        };
        let store = server.server.store();
        Self::seed_on(store.as_ref(), &server.url(), server.addr, &grant).await
    }

    /// Seeds the world into `store`, read by the server at `url` (its
    /// WebSocket) and `addr` (its HTTP): the cluster tests seed a cluster
    /// this way and spread the subjects over its nodes.
    pub async fn seed_on(
        store: &dyn Store,
        url: &str,
        addr: std::net::SocketAddr,
        grant: Grant<'_>,
    ) -> MatrixWorld {
        let (account_1, alice) =
            admin::create_account(store, "One", &new_user("alice@one.test", "Alice")).unwrap();
        let team_a = admin::create_team(store, account_1.id, "Team A", "team-a", "").unwrap();
        let team_s = admin::create_team(store, account_1.id, "Team S", "team-s", "").unwrap();
        let (account_2, owen) =
            admin::create_account(store, "Two", &new_user("owen@two.test", "Owen")).unwrap();
        let team_b = admin::create_team(store, account_2.id, "Team B", "team-b", "").unwrap();
        let session = |email: &str, ttl: Option<Duration>| {
            admin::token_for_email(store, email, TokenKind::Session, ttl)
                .unwrap()
                .1
        };
        let owner = Login {
            user: alice.id,
            token: session("alice@one.test", None),
        };
        let owen = Login {
            user: owen.id,
            token: session("owen@two.test", None),
        };
        let manager = member_of(store, team_a.id, "mia@one.test", Role::Manager);
        let member = member_of(store, team_a.id, "bob@one.test", Role::Member);
        let sibling = member_of(store, team_s.id, "sid@one.test", Role::Member);
        let other_account = member_of(store, team_b.id, "carol@two.test", Role::Member);
        let restricted_c = outsider(store, "rachel@guest.test", "Rachel");
        let pending_c = outsider(store, "pete@guest.test", "Pete");
        let restricted_other = outsider(store, "olga@guest.test", "Olga");
        let (bot, bot_token) =
            bots::create(store, team_a.id, "Beep", BotScope::ReadWrite, alice.id).unwrap();
        let bot = Login {
            user: bot.id,
            token: bot_token,
        };
        let expired = session("bob@one.test", Some(Duration::from_millis(1)));
        let revoked = session("bob@one.test", None);
        assert_eq!(log_out(addr, &revoked).await.status, 204);
        store.flush().unwrap();

        let (alice_client, _alice_events) = connect(url, &owner.token).await;
        let c = start_conversation(&alice_client, team_a.id, "Casey").await;
        let d = start_conversation(&alice_client, team_a.id, "Dana").await;
        let s1 = start_conversation(&alice_client, team_s.id, "Sasha").await;
        alice_client.send(c, "first in C").await.unwrap();
        let draft = PostDraft {
            kind: "job".into(),
            title: "Forklift driver".into(),
            body: String::new(),
            link: None,
            location: None,
            status: PostStatus::Open,
        };
        let post = alice_client.create_post(team_a.id, draft).await.unwrap().id;
        alice_client.close().await;
        let (owen_client, _owen_events) = connect(url, &owen.token).await;
        let b1 = start_conversation(&owen_client, team_b.id, "Blair").await;
        owen_client.close().await;

        let visitor = visitor_of(store, team_a.id, c);
        grant(c, restricted_c.user, GrantState::Accepted, alice.id);
        grant(c, pending_c.user, GrantState::Pending, alice.id);
        grant(d, restricted_other.user, GrantState::Accepted, alice.id);
        MatrixWorld {
            account_1: account_1.id,
            team_a: team_a.id,
            team_s: team_s.id,
            team_b: team_b.id,
            c,
            d,
            s1,
            b1,
            post,
            owner,
            manager,
            member,
            restricted_c,
            pending_c,
            restricted_other,
            sibling,
            other_account,
            bot,
            visitor,
            owen,
            expired,
            revoked,
        }
    }

    /// The token a subject says hello with.
    pub fn token(&self, subject: Subject) -> &str {
        match subject {
            Subject::Owner => &self.owner.token,
            Subject::Manager => &self.manager.token,
            Subject::Member => &self.member.token,
            Subject::RestrictedC => &self.restricted_c.token,
            Subject::PendingC => &self.pending_c.token,
            Subject::RestrictedOther => &self.restricted_other.token,
            Subject::Sibling => &self.sibling.token,
            Subject::OtherAccount => &self.other_account.token,
            Subject::Bot => &self.bot.token,
            Subject::Visitor => &self.visitor.token,
            Subject::Expired => &self.expired,
            Subject::Revoked => &self.revoked,
            Subject::NoToken => "",
        }
    }

    /// A team's id.
    pub fn team(&self, team: Team) -> TeamId {
        match team {
            Team::A => self.team_a,
            Team::S => self.team_s,
            Team::B => self.team_b,
        }
    }

    /// A new team of account 1 whose roles copy team A's, to be removed.
    pub fn throwaway_team(&self, store: &dyn Store, n: usize) -> TeamId {
        let handle = format!("throwaway-{n}");
        let team = admin::create_team(store, self.account_1, "Throwaway", &handle, "").unwrap();
        admin::add_member(store, team.id, self.manager.user, Role::Manager).unwrap();
        admin::add_member(store, team.id, self.member.user, Role::Member).unwrap();
        team.id
    }

    /// A new bot of team A, to be revoked.
    pub fn throwaway_bot(&self, store: &dyn Store, n: usize) -> UserId {
        let name = format!("throwaway bot {n}");
        let scope = BotScope::Read;
        bots::create(store, self.team_a, &name, scope, self.owner.user)
            .unwrap()
            .0
            .id
    }

    /// A new dead letter of team A (C's first message), on a new webhook
    /// bridge posting to `gateway`.
    pub fn throwaway_dead_letter(&self, store: &dyn Store, gateway: &str) -> u64 {
        let bridge = UserId(store.next_id().unwrap());
        store
            .put_bot(&switchboard_server::store::BotRecord {
                id: bridge,
                team: self.team_a,
                name: "throwaway bridge".into(),
                scope: BotScope::Bridge,
                created_by: self.owner.user,
                created_at: switchboard_protocol::ids::Millis(1),
                revoked: false,
                token_hash: [0; 32],
                webhook: Some(switchboard_server::store::Webhook {
                    outbound_url: gateway.into(),
                    secret: "s".into(),
                }),
            })
            .unwrap();
        let letter = switchboard_protocol::webhook::DeadLetter {
            id: store.next_id().unwrap(),
            bridge,
            conversation: self.c,
            seq: switchboard_protocol::ids::Seq(1),
            to: "+14155550123".into(),
            body: "first in C".into(),
            attempts: 1,
            last_error: "HTTP 500".into(),
            failed_at: switchboard_protocol::ids::Millis(1),
        };
        store.put_dead_letter(self.team_a, &letter).unwrap();
        letter.id
    }

    /// A new Member of team A, to be removed or promoted.
    pub fn throwaway_member(&self, store: &dyn Store, n: usize) -> UserId {
        let email = format!("throwaway-member-{n}@one.test");
        member_of(store, self.team_a, &email, Role::Member).user
    }
}
