//! Seeding a fresh data folder before the server starts: one account, its
//! teams, users with tokens, conversations, and (for the history scenario)
//! a long conversation.
//!
//! Users, memberships and tokens go through `switchboard_server::admin` and
//! `auth::issue_token`, so the same rules hold as for data the admin
//! commands create. Conversations and messages are written with
//! `Timeline::commit` at the offsets a hub would have given them (the stream
//! head plus one, in order): the bench is the only writer while the server
//! is down, and the server reads its heads back from the log on start.
//!
//! Many connections share a user: seeding a user costs a few store writes,
//! and tens of thousands would dominate a short run. The store is flushed
//! and closed before the server starts (sled allows one process per folder).
//! A cluster is seeded the same way through a member of the bench's own
//! ([`seed_store`] on its store, see `crate::cluster`): its writes go
//! through the stream like any node's.

use anyhow::Context;
use std::path::Path;
use switchboard_protocol::ids::{ContactId, ConversationId, Millis, Offset, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, Role, Sender, SenderKind};
use switchboard_server::admin::{self, NewUser};
use switchboard_server::auth::issue_token;
use switchboard_server::store::{
    self as store, ContactRecord, ConversationRecord, Entry, Store, TokenKind,
};
use switchboard_server::time::now;

/// The email domain of every seeded user.
const DOMAIN: &str = "bench.switchboard.test";
/// Messages written between two progress updates while seeding history.
const HISTORY_CHUNK: usize = 5_000;

/// What to seed.
#[derive(Debug, Clone)]
pub(crate) struct SeedPlan {
    /// Teams in the account.
    pub(crate) teams: usize,
    /// Distinct users (each with a token) per team; connections share them.
    pub(crate) users_per_team: usize,
    /// Users who belong to every team, for the sending connections.
    pub(crate) senders: usize,
    /// Conversations started in each team.
    pub(crate) conversations_per_team: usize,
    /// Messages written into the first conversation of the first team.
    pub(crate) history: usize,
    /// More conversations in the first team, each with a contact's message
    /// and an agent's answer: a long-lived team's archive, for reports.
    pub(crate) archive: usize,
}

/// What a seeded (or given) server holds for a run.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The teams, in order.
    pub(crate) teams: Vec<TeamSeat>,
    /// Tokens of users who belong to every team.
    pub(crate) sender_tokens: Vec<String>,
    /// A token of the account's owner (a Manager of every team), when
    /// known: what reports need.
    pub(crate) owner_token: Option<String>,
}

/// One team of the layout.
#[derive(Debug, Clone)]
pub(crate) struct TeamSeat {
    /// The team.
    pub(crate) id: TeamId,
    /// Its conversations.
    pub(crate) conversations: Vec<ConversationId>,
    /// Tokens of its members (not the senders).
    pub(crate) tokens: Vec<String>,
}

impl Layout {
    /// The token for the `n`th connection to team `team` (tokens are shared
    /// round robin).
    pub(crate) fn member_token(&self, team: usize, n: usize) -> &str {
        let tokens = &self.teams[team % self.teams.len()].tokens;
        &tokens[n % tokens.len()]
    }

    /// The first conversation of every team, in team order: where the
    /// senders write each team's stream.
    pub(crate) fn first_conversations(&self) -> Vec<ConversationId> {
        self.teams.iter().map(|t| t.conversations[0]).collect()
    }

    /// The token of sender `n`.
    pub(crate) fn sender_token(&self, n: usize) -> &str {
        &self.sender_tokens[n % self.sender_tokens.len()]
    }
}

/// Seeds `dir` as `plan` says, calling `progress` with a short status now
/// and then, then closes the store.
pub(crate) fn seed(dir: &Path, plan: &SeedPlan, progress: &dyn Fn(&str)) -> anyhow::Result<Layout> {
    let opened =
        store::open(dir).with_context(|| format!("cannot open a store in {}", dir.display()))?;
    let layout = seed_store(opened.as_ref(), plan, progress)?;
    // Dropping the store closes it and releases the folder's lock.
    drop(opened);
    Ok(layout)
}

/// Seeds `store` (a folder's, or a cluster's) as `plan` says, then flushes it.
pub(crate) fn seed_store(
    store: &dyn Store,
    plan: &SeedPlan,
    progress: &dyn Fn(&str),
) -> anyhow::Result<Layout> {
    let owner = NewUser {
        email: format!("owner@{DOMAIN}"),
        name: "Bench Owner".into(),
        handle: Some("bench-owner".into()),
    };
    let (account, owner) = admin::create_account(store, "Bench Co", &owner)?;
    let mut teams = Vec::with_capacity(plan.teams);
    for t in 0..plan.teams.max(1) {
        let team = admin::create_team(
            store,
            account.id,
            &format!("Bench {t}"),
            &format!("bench-{t}"),
            &format!("+1 555 01{t:04}"),
        )?;
        let mut tokens = Vec::with_capacity(plan.users_per_team);
        for u in 0..plan.users_per_team.max(1) {
            let user = user(store, &format!("member-{t}-{u}"))?;
            admin::add_member(store, team.id, user, Role::Member)?;
            tokens.push(token(store, user)?);
        }
        let conversations = (0..plan.conversations_per_team.max(1))
            .map(|c| start_conversation(store, team.id, t, c))
            .collect::<anyhow::Result<Vec<_>>>()?;
        teams.push(TeamSeat {
            id: team.id,
            conversations,
            tokens,
        });
        if t % 10 == 0 {
            progress(&format!("team {} of {}", t + 1, plan.teams));
        }
    }
    let mut sender_tokens = Vec::with_capacity(plan.senders);
    for s in 0..plan.senders.max(1) {
        let user = user(store, &format!("sender-{s}"))?;
        for team in &teams {
            admin::add_member(store, team.id, user, Role::Member)?;
        }
        sender_tokens.push(token(store, user)?);
    }
    if plan.archive > 0 {
        write_archive(store, teams[0].id, owner.id, plan.archive, progress)?;
    }
    let owner_token = Some(token(store, owner.id)?);
    if plan.history > 0 {
        let team = teams[0].id;
        let conversation = teams[0].conversations[0];
        write_history(store, team, conversation, owner.id, plan.history, progress)?;
    }
    progress("flushing");
    store.flush().context("flushing the seeded store")?;
    Ok(Layout {
        teams,
        sender_tokens,
        owner_token,
    })
}

fn user(store: &dyn Store, name: &str) -> anyhow::Result<UserId> {
    let user = admin::create_user(
        store,
        &NewUser {
            email: format!("{name}@{DOMAIN}"),
            name: format!("Bench {name}"),
            handle: Some(name.to_string()),
        },
    )?;
    Ok(user.id)
}

fn token(store: &dyn Store, user: UserId) -> anyhow::Result<String> {
    // The folder is deleted after the run: the token need not expire.
    Ok(issue_token(store, user, TokenKind::Session, None)?)
}

/// Starts a conversation with a new contact at the team's next offset.
fn start_conversation(
    store: &dyn Store,
    team: TeamId,
    t: usize,
    c: usize,
) -> anyhow::Result<ConversationId> {
    let head = store.stream_head(team)?;
    let created_at = now();
    let contact = ContactRecord::new(
        ContactId(store.next_id()?),
        team,
        format!("Contact {t}-{c}"),
        Some(format!("contact-{t}-{c}@{DOMAIN}")),
        None,
        created_at,
    );
    let conversation = ConversationRecord::new(
        ConversationId(store.next_id()?),
        team,
        contact.id,
        created_at,
    );
    let entry = Entry::ConversationStarted {
        contact: &contact,
        conversation: &conversation,
    };
    store.commit(team, Offset(head.last.0 + 1), entry)?;
    Ok(conversation.id)
}

/// Starts `count` conversations in `team`, each with a contact's message
/// and `author`'s answer a second later, in time order.
fn write_archive(
    store: &dyn Store,
    team: TeamId,
    author: UserId,
    count: usize,
    progress: &dyn Fn(&str),
) -> anyhow::Result<()> {
    let mut offset = store.stream_head(team)?.last;
    let start = now().0.saturating_sub(2_000 * count as u64);
    for i in 0..count as u64 {
        let at = Millis(start + 2_000 * i);
        let contact = ContactRecord::new(
            ContactId(store.next_id()?),
            team,
            format!("Archived {i}"),
            None,
            None,
            at,
        );
        let conversation =
            ConversationRecord::new(ConversationId(store.next_id()?), team, contact.id, at);
        offset = offset.next();
        let entry = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        store.commit(team, offset, entry)?;
        let said = [
            (SenderKind::Contact, contact.id.0, at),
            (SenderKind::Agent, author.0, Millis(at.0 + 1_000)),
        ];
        for (seq, (kind, id, at)) in said.into_iter().enumerate() {
            offset = offset.next();
            let message = Message {
                conversation: conversation.id,
                seq: Seq(seq as u64 + 1),
                offset,
                sender: Sender {
                    kind,
                    id,
                    name: format!("{kind:?}"),
                },
                body: format!("archived message {seq} of conversation {i}"),
                client_msg_id: None,
                at,
                status: None,
                post: None,
                delivery: None,
            };
            let entry = Entry::Message {
                message: &message,
                idempotency: None,
            };
            store.commit(team, offset, entry)?;
        }
        if i as usize % HISTORY_CHUNK == 0 {
            progress(&format!("archive {i} of {count}"));
        }
    }
    Ok(())
}

/// Appends `count` messages of about 200 bytes to `conversation`.
fn write_history(
    store: &dyn Store,
    team: TeamId,
    conversation: ConversationId,
    author: UserId,
    count: usize,
    progress: &dyn Fn(&str),
) -> anyhow::Result<()> {
    let head = store.stream_head(team)?;
    let first_seq = store.last_seq(conversation)?.0 + 1;
    let at = now();
    for i in 0..count as u64 {
        let mut body = format!("history message {} of {count}: ", first_seq + i);
        body.extend(std::iter::repeat_n(
            '.',
            200usize.saturating_sub(body.len()),
        ));
        let message = Message {
            conversation,
            seq: Seq(first_seq + i),
            offset: Offset(head.last.0 + 1 + i),
            sender: Sender {
                kind: SenderKind::Agent,
                id: author.0,
                name: "Bench Owner".into(),
            },
            body,
            client_msg_id: None,
            at,
            status: None,
            post: None,
            delivery: None,
        };
        let entry = Entry::Message {
            message: &message,
            idempotency: None,
        };
        store.commit(team, message.offset, entry)?;
        if i as usize % HISTORY_CHUNK == 0 {
            progress(&format!("history {i} of {count}"));
        }
    }
    Ok(())
}
