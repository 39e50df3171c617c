//! Seeding a fresh data folder for a run: one account, one team, one user
//! and one token per connection, written through `switchboard_server::admin`
//! so that the same rules hold as for data created by the admin commands.
//!
//! The store is opened, seeded, flushed and closed before the server starts
//! (sled allows one process per folder). The conversation the senders write
//! to is started afterwards through the protocol, by the SDK, so that the
//! server's hub assigns its offset like for any other conversation.

use anyhow::Context;
use std::path::Path;
use std::time::Duration;
use switchboard_client::{Client, ClientConfig, NewContact};
use switchboard_protocol::ids::{ConversationId, TeamId};
use switchboard_protocol::model::Role;
use switchboard_server::admin::{self, NewUser};
use switchboard_server::auth::issue_token;
use switchboard_server::store::{SledStore, Store, TokenKind};

/// The email domain of every seeded user.
const DOMAIN: &str = "bench.switchboard.test";

/// What a seeded folder holds for the run.
pub(crate) struct Seeded {
    /// The team every connection works in.
    pub(crate) team: TeamId,
    /// One token per sender, each for its own user.
    pub(crate) sender_tokens: Vec<String>,
    /// One token per subscriber, each for its own user.
    pub(crate) subscriber_tokens: Vec<String>,
}

/// Seeds `dir` for `senders` senders and `subscribers` subscribers, then
/// closes the store.
pub(crate) fn seed(dir: &Path, senders: usize, subscribers: usize) -> anyhow::Result<Seeded> {
    let store = SledStore::open(dir)
        .with_context(|| format!("cannot open a store in {}", dir.display()))?;
    let owner = NewUser {
        email: format!("owner@{DOMAIN}"),
        name: "Bench Owner".into(),
        handle: Some("bench-owner".into()),
    };
    let (account, _) = admin::create_account(&store, "Bench Co", &owner)?;
    let team = admin::create_team(&store, account.id, "Bench", "bench", "+1 555 0199")?;
    let member = |role: &str, i: usize| -> anyhow::Result<String> {
        let user = admin::create_user(
            &store,
            &NewUser {
                email: format!("{role}-{i}@{DOMAIN}"),
                name: format!("Bench {role} {i}"),
                handle: Some(format!("{role}-{i}")),
            },
        )?;
        admin::add_member(&store, team.id, user.id, Role::Member)?;
        // The folder is deleted after the run: the token need not expire.
        Ok(issue_token(&store, user.id, TokenKind::Session, None)?)
    };
    let sender_tokens = (0..senders)
        .map(|i| member("sender", i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let subscriber_tokens = (0..subscribers)
        .map(|i| member("subscriber", i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    store.flush().context("flushing the seeded store")?;
    // Dropping the store closes it and releases the folder's lock.
    drop(store);
    Ok(Seeded {
        team: team.id,
        sender_tokens,
        subscriber_tokens,
    })
}

/// Starts the conversation the senders write to, through the SDK.
pub(crate) async fn start_conversation(
    url: &str,
    token: &str,
    team: TeamId,
) -> anyhow::Result<ConversationId> {
    let mut config = ClientConfig::new(url, token);
    config.request_timeout = Duration::from_secs(10);
    config.keepalive = None;
    let (client, _events) = Client::connect(config)
        .await
        .context("connecting to start the bench conversation")?;
    let contact = NewContact {
        name: "Bench Contact".into(),
        email: Some(format!("contact@{DOMAIN}")),
        phone: None,
    };
    let started = client.start_conversation(team, contact).await;
    client.close().await;
    Ok(started.context("starting the bench conversation")?.id)
}
