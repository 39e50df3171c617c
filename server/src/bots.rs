//! Bots: automated clients of one team, each with a token of its own
//! (`TokenKind::Bot`). A bot is no user: it has no email, password or
//! membership; its record names its team and scope, and its principal (see
//! `access::load`) reaches that team only, as far as the scope allows.
//!
//! Invariants: the token is shown once, by [`create`], and only its hash is
//! kept (in the token and in the bot's record). Revoking deletes the token
//! first and marks the bot revoked; the caller then closes the token's live
//! connections with 4001, so no connection outlives its token (see `live`).

use crate::admin::AdminError;
use crate::auth::{self, issue_token};
use crate::store::{BotRecord, Receipt, Store, TokenKind};
use crate::time::now;
use switchboard_protocol::ids::{TeamId, UserId};
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::server::{BotCreated, Reply};

/// Creates a bot of `team` and its token (which never expires); returns the
/// record and the token, which is kept nowhere.
pub fn create(
    store: &dyn Store,
    team: TeamId,
    name: &str,
    scope: BotScope,
    created_by: UserId,
) -> Result<(BotRecord, String), AdminError> {
    create_with_key(store, team, name, scope, created_by, None)
}

/// [`create`], with the idempotency key `created_by` sent the request
/// with, if any: the bot is written with the key's receipt in one atomic
/// write. The receipt holds the bot without its token (never stored): a
/// retry gets the bot back with an empty `token`.
pub(crate) fn create_with_key(
    store: &dyn Store,
    team: TeamId,
    name: &str,
    scope: BotScope,
    created_by: UserId,
    key: Option<&str>,
) -> Result<(BotRecord, String), AdminError> {
    store
        .team(team)?
        .ok_or_else(|| AdminError::NotFound(format!("team {team}")))?;
    let id = UserId(store.next_id()?);
    let token = issue_token(store, id, TokenKind::Bot, None)?;
    // The token is stored before its bot: until the bot is, a hello with it
    // finds no bot and is refused, and nobody has the token yet anyway.
    let bot = BotRecord {
        id,
        team,
        name: name.to_string(),
        scope,
        created_by,
        created_at: now(),
        revoked: false,
        token_hash: auth::hash(&token),
        webhook: None,
    };
    let kept = Reply::Bot(BotCreated {
        bot: bot.info(),
        token: String::new(),
    });
    let receipt = key.map(|key| Receipt {
        user: created_by,
        key,
        reply: &kept,
    });
    store.create_bot(&bot, receipt)?;
    Ok((bot, token))
}

/// Revokes a bot of `team`: deletes its token and marks it revoked. Returns
/// the record as revoked, or `NotFound` if `team` has no such bot. Does not
/// touch live connections: the caller closes them.
pub fn revoke(store: &dyn Store, team: TeamId, bot: UserId) -> Result<BotRecord, AdminError> {
    let mut record = store
        .bot(bot)?
        .filter(|b| b.team == team)
        .ok_or_else(|| AdminError::NotFound(format!("bot {bot} in team {team}")))?;
    store.delete_token(&record.token_hash)?;
    record.revoked = true;
    store.put_bot(&record)?;
    Ok(record)
}
