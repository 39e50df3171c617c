//! The demo seed: an account with two teams, a Manager and two Members,
//! contacts, a few conversations and job posts, so that a fresh server has something
//! to log in to and look at. Seeding happens once per data folder; every
//! start with `--demo` issues fresh tokens for the demo users, and gives
//! [`DEMO_PASSWORD`] to any demo user without a password, so that the
//! browser app can log in as them. The password is public: demo data only.

use crate::admin::{
    add_member, create_account, create_team, create_user, set_password, token_for_email,
    AdminError, NewUser,
};
use crate::password::{self, Password};
use crate::store::{ContactRecord, ConversationRecord, Entry, Store, TokenKind};
use crate::time::now;
use std::time::Duration;
use switchboard_protocol::content::{PostInfo, PostStatus, DEFAULT_KIND};
use switchboard_protocol::ids::{ContactId, ConversationId, PostId, Seq, TeamId, UserId};
use switchboard_protocol::model::{Message, Role, Sender, SenderKind};

/// The demo users: (email, name, handle, role in the demo teams).
pub const DEMO_USERS: [(&str, &str, &str, Role); 3] = [
    (
        "maya@demo.switchboard.test",
        "Maya Manager",
        "maya",
        Role::Manager,
    ),
    (
        "sam@demo.switchboard.test",
        "Sam Member",
        "sam",
        Role::Member,
    ),
    (
        "riley@demo.switchboard.test",
        "Riley Member",
        "riley",
        Role::Member,
    ),
];

/// The password of every demo user. Printed at start and written in the
/// README: it protects nothing, and must never be a real user's.
pub const DEMO_PASSWORD: &str = "switchboard-demo";

/// How long demo tokens last.
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// A demo login: who, and the token to say hello with.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// The user's email.
    pub email: String,
    /// Their role in the demo teams.
    pub role: Role,
    /// A fresh token.
    pub token: String,
}

/// Seeds the demo data unless it is there, sets the demo password where
/// none is set, then issues a token per demo user.
/// Must run before the server starts on this store: it writes team streams
/// directly, as their only writer at that moment.
pub fn seed(store: &dyn Store) -> Result<Vec<DemoLogin>, AdminError> {
    if store.user_by_email(DEMO_USERS[0].0)?.is_none() {
        seed_data(store)?;
    }
    for (email, ..) in DEMO_USERS {
        let has_password = store
            .user_by_email(email)?
            .is_some_and(|user| user.password_hash.is_some());
        if !has_password {
            let hash = password::hash(&Password::new(DEMO_PASSWORD))
                .map_err(|e| AdminError::Invalid(e.to_string()))?;
            set_password(store, email, hash)?;
        }
    }
    DEMO_USERS
        .iter()
        .map(|(email, _, _, role)| {
            let (_, token) =
                token_for_email(store, email, TokenKind::Session, Some(DEMO_TOKEN_TTL))?;
            Ok(DemoLogin {
                email: email.to_string(),
                role: *role,
                token,
            })
        })
        .collect()
}

fn seed_data(store: &dyn Store) -> Result<(), AdminError> {
    let (maya_email, maya_name, maya_handle, _) = DEMO_USERS[0];
    let (account, maya) = create_account(
        store,
        "Demo Staffing Co",
        &NewUser {
            email: maya_email.into(),
            name: maya_name.into(),
            handle: Some(maya_handle.into()),
        },
    )?;
    let recruiting = create_team(store, account.id, "Recruiting", "recruiting", "+1 555 0100")?;
    let support = create_team(
        store,
        account.id,
        "Candidate Support",
        "support",
        "+1 555 0101",
    )?;
    for (email, name, handle, role) in &DEMO_USERS[1..] {
        let user = create_user(
            store,
            &NewUser {
                email: email.to_string(),
                name: name.to_string(),
                handle: Some(handle.to_string()),
            },
        )?;
        add_member(store, recruiting.id, user.id, *role)?;
        add_member(store, support.id, user.id, *role)?;
    }
    let conversations: [(TeamId, &str, &str, &[&str]); 3] = [
        (
            recruiting.id,
            "Jordan Lee",
            "+1 555 0142",
            &[
                "Hi! I saw the warehouse associate posting. Is it still open?",
                "I can start next week.",
            ],
        ),
        (
            recruiting.id,
            "Priya Raman",
            "+1 555 0177",
            &["Hello, what are the shift hours for the forklift role?"],
        ),
        (
            support.id,
            "Alex Kim",
            "+1 555 0199",
            &["I need to reschedule my interview on Thursday."],
        ),
    ];
    seed_posts(store, recruiting.id, maya.id)?;
    for (team, name, phone, lines) in conversations {
        seed_conversation(store, team, name, phone, lines)?;
    }
    Ok(())
}

/// Two open job posts and a closed one in `team`, by `by`.
fn seed_posts(store: &dyn Store, team: TeamId, by: UserId) -> Result<(), AdminError> {
    let posts = [
        ("Warehouse associate", "Reno, NV", PostStatus::Open),
        ("Forklift operator (nights)", "Sparks, NV", PostStatus::Open),
        ("Seasonal picker", "Reno, NV", PostStatus::Closed),
    ];
    for (title, location, status) in posts {
        let at = now();
        let post = PostInfo {
            id: PostId(store.next_id()?),
            team,
            kind: DEFAULT_KIND.to_string(),
            title: title.to_string(),
            body: format!("{title}: full-time, paid weekly, training provided."),
            link: Some("https://jobs.demo.switchboard.test/apply".to_string()),
            location: Some(location.to_string()),
            status,
            created_by: by,
            created_at: at,
            updated_at: at,
        };
        let offset = store.stream_head(team)?.last.next();
        let entry = Entry::PostSaved {
            post: &post,
            receipt: None,
        };
        store.commit(team, offset, entry)?;
    }
    Ok(())
}

fn seed_conversation(
    store: &dyn Store,
    team: TeamId,
    name: &str,
    phone: &str,
    lines: &[&str],
) -> Result<(), AdminError> {
    let at = now();
    let contact = ContactRecord::new(
        ContactId(store.next_id()?),
        team,
        name.to_string(),
        None,
        Some(phone.to_string()),
        at,
    );
    let conversation =
        ConversationRecord::new(ConversationId(store.next_id()?), team, contact.id, at);
    let mut offset = store.stream_head(team)?.last.next();
    store.commit(
        team,
        offset,
        Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        },
    )?;
    for (i, line) in lines.iter().enumerate() {
        offset = offset.next();
        let message = Message {
            conversation: conversation.id,
            seq: Seq(i as u64 + 1),
            offset,
            sender: Sender {
                kind: SenderKind::Contact,
                id: contact.id.0,
                name: contact.name.clone(),
            },
            body: line.to_string(),
            client_msg_id: None,
            at,
            status: None,
            post: None,
            delivery: None,
        };
        store.commit(
            team,
            offset,
            Entry::Message {
                message: &message,
                idempotency: None,
            },
        )?;
    }
    store.flush()?;
    Ok(())
}
