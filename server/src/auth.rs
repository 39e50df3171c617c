//! Tokens: random secrets handed to clients once, stored only as their
//! SHA-256, looked up on every hello.
//!
//! Invariants: the secret itself is never stored nor logged; an expired
//! token authenticates nothing, whether or not its record is still there;
//! a revoked token's record is gone. A bot token authenticates its bot
//! (as a user record of its own, without email or password) while the bot
//! is not revoked.

use crate::store::{Store, StoreResult, TokenKind, TokenRecord, UserRecord};
use crate::time::now;
use sha2::{Digest, Sha256};
use std::time::Duration;
use switchboard_protocol::ids::{Millis, UserId};

/// The prefix of every token, so that a leaked one is recognisable.
const TOKEN_PREFIX: &str = "sb_";

/// Creates a token for `user` and stores its hash. The secret is returned
/// once and kept nowhere.
pub fn issue_token(
    store: &dyn Store,
    user: UserId,
    kind: TokenKind,
    ttl: Option<Duration>,
) -> StoreResult<String> {
    let secret: [u8; 32] = rand::random();
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    let created_at = now();
    let expires_at = ttl.map(|ttl| {
        Millis(
            created_at
                .0
                .saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)),
        )
    });
    store.put_token(
        &hash(&token),
        &TokenRecord {
            user,
            kind,
            created_at,
            expires_at,
        },
    )?;
    Ok(token)
}

/// The user and token record a token stands for, if it is known and unexpired.
pub fn authenticate(
    store: &dyn Store,
    token: &str,
) -> StoreResult<Option<(UserRecord, TokenRecord)>> {
    authenticate_hash(store, &hash(token))
}

/// [`authenticate`], given the token's hash.
pub(crate) fn authenticate_hash(
    store: &dyn Store,
    hash: &[u8; 32],
) -> StoreResult<Option<(UserRecord, TokenRecord)>> {
    let Some(record) = store.token(hash)? else {
        return Ok(None);
    };
    if is_expired(&record) {
        return Ok(None);
    }
    let user = match record.kind {
        TokenKind::Session => store.user(record.user)?,
        TokenKind::Bot => store.bot(record.user)?.filter(|b| !b.revoked).map(|bot| {
            // A bot stands in for a user: its name is what its messages show.
            UserRecord {
                id: bot.id,
                email: String::new(),
                name: bot.name,
                handle: String::new(),
                created_at: bot.created_at,
                password_hash: None,
            }
        }),
        TokenKind::Visitor => visitor_user(store, record.user)?,
    };
    Ok(user.map(|user| (user, record)))
}

/// A web chat visitor standing in for a user: named as its contact is
/// now (the contact of its conversation, which a merge may have changed).
/// None once its team, conversation or contact is gone.
fn visitor_user(store: &dyn Store, id: UserId) -> StoreResult<Option<UserRecord>> {
    let Some(visitor) = store.visitor(id)? else {
        return Ok(None);
    };
    if store.team(visitor.team)?.is_none() {
        return Ok(None);
    }
    let Some(conversation) = store.conversation(visitor.conversation)? else {
        return Ok(None);
    };
    let Some(contact) = store.contact(conversation.contact)? else {
        return Ok(None);
    };
    Ok(Some(UserRecord {
        id,
        email: String::new(),
        name: contact.name,
        handle: String::new(),
        created_at: visitor.created_at,
        password_hash: None,
    }))
}

/// Revokes a token: deletes it and returns what it was, if it was known
/// and unexpired. An expired token's record is deleted too, but counts as
/// unknown.
pub fn revoke(store: &dyn Store, token: &str) -> StoreResult<Option<TokenRecord>> {
    Ok(store
        .delete_token(&hash(token))?
        .filter(|record| !is_expired(record)))
}

fn is_expired(record: &TokenRecord) -> bool {
    record.expires_at.is_some_and(|at| at <= now())
}

/// Tokens read from the store at a time while looking for a user's.
const TOKEN_PAGE: usize = 1000;

/// Deletes every session token of `user` but `kept` (after a password
/// change: the sessions opened with the old password end); returns the
/// hashes deleted, for their live connections to be closed. Walks every
/// token a page at a time: a password change is rare.
pub fn revoke_sessions(
    store: &dyn Store,
    user: UserId,
    kept: Option<&[u8; 32]>,
) -> StoreResult<Vec<[u8; 32]>> {
    let mut revoked = Vec::new();
    let mut after = None;
    loop {
        let page = store.tokens_after(after.as_ref(), TOKEN_PAGE)?;
        let Some((last, _)) = page.last() else {
            return Ok(revoked);
        };
        after = Some(*last);
        for (hash, record) in page {
            let theirs = record.user == user && record.kind == TokenKind::Session;
            if theirs && Some(&hash) != kept && store.delete_token(&hash)?.is_some() {
                revoked.push(hash);
            }
        }
    }
}

/// The SHA-256 of a token: what the store keeps. Tokens carry 256 bits of
/// randomness, so a fast hash is enough (no password-style stretching).
pub(crate) fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The file in the data folder that holds the operator credential: a
/// random secret the server writes at each start, readable by its owner
/// alone, which `switchboard admin backup --server` sends as a bearer
/// token. Whoever can read the data folder is the operator anyway.
pub const OPERATOR_SECRET_FILE: &str = "operator.secret";

/// Writes a fresh operator secret into `data_dir` (mode 0600 on Unix,
/// replacing the previous one whole) and returns it.
pub(crate) fn write_operator_secret(data_dir: &std::path::Path) -> std::io::Result<String> {
    use std::io::Write;
    let secret: [u8; 32] = rand::random();
    let secret = format!("sbo_{}", hex::encode(secret));
    std::fs::create_dir_all(data_dir)?;
    let staging = data_dir.join(format!("{OPERATOR_SECRET_FILE}.new"));
    // A stale file from a crash may carry other permissions: never reuse it.
    match std::fs::remove_file(&staging) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&staging)?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&staging, data_dir.join(OPERATOR_SECRET_FILE))?;
    Ok(secret)
}

/// Whether `presented` is `expected`, in time that does not depend on
/// where they differ (both are hashed first, so lengths do not show).
pub(crate) fn same_secret(presented: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    hash(presented).ct_eq(&hash(expected)).into()
}
