//! Administrative operations on a store: creating accounts, teams, users,
//! memberships and tokens. The `switchboard admin` commands, the demo seed
//! and the tests all go through these, so the rules (unique emails and
//! handles, owners managing their teams) hold whichever way data arrives.

use crate::auth::issue_token;
use crate::store::{AccountRecord, Store, StoreError, TeamRecord, TokenKind, UserRecord};
use crate::time::now;
use std::time::Duration;
use switchboard_protocol::command::{is_email, is_handle};
use switchboard_protocol::ids::{AccountId, TeamId, UserId};
use switchboard_protocol::model::Role;

/// The outcome statuses a new team offers to `^deliver`.
pub const DEFAULT_STATUSES: [&str; 4] = ["hired", "qualified", "not-qualified", "no-response"];

/// Why an administrative operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A named thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// An argument is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

/// A new user's details.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Handle for `^assign @handle`; derived from the email when absent.
    pub handle: Option<String>,
}

/// Creates a user without a password (they cannot log in over HTTP until
/// one is set).
pub fn create_user(store: &dyn Store, new: &NewUser) -> Result<UserRecord, AdminError> {
    create_user_with_password(store, new, None)
}

/// Creates a user with the Argon2id PHC string of their password (see
/// `password::hash`), or none.
pub fn create_user_with_password(
    store: &dyn Store,
    new: &NewUser,
    password_hash: Option<String>,
) -> Result<UserRecord, AdminError> {
    let user = user_record(store, new, password_hash)?;
    store.put_user(&user)?;
    Ok(user)
}

/// A new user's record, checked and given an id, not yet stored.
pub(crate) fn user_record(
    store: &dyn Store,
    new: &NewUser,
    password_hash: Option<String>,
) -> Result<UserRecord, AdminError> {
    if !is_email(&new.email) {
        return Err(AdminError::Invalid(format!(
            "{:?} is not an email address",
            new.email
        )));
    }
    let handle = match &new.handle {
        Some(h) => h.clone(),
        None => handle_from_email(&new.email),
    };
    if !is_handle(&handle) {
        return Err(AdminError::Invalid(format!(
            "{handle:?} is not a valid handle"
        )));
    }
    if new.name.trim().is_empty() {
        return Err(AdminError::Invalid("a user needs a name".into()));
    }
    Ok(UserRecord {
        id: UserId(store.next_id()?),
        email: new.email.clone(),
        name: new.name.trim().to_string(),
        handle,
        created_at: now(),
        password_hash,
    })
}

/// A handle made of the email's local part: characters a handle may not
/// hold become `_`, and it starts with a letter or digit.
fn handle_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let handle: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .take(64)
        .collect();
    if handle.is_empty() {
        "user".to_string()
    } else {
        handle
    }
}

/// Creates an account owned by a new user.
pub fn create_account(
    store: &dyn Store,
    name: &str,
    owner: &NewUser,
) -> Result<(AccountRecord, UserRecord), AdminError> {
    create_account_with_password(store, name, owner, None)
}

/// Creates an account owned by a new user with this password hash.
pub fn create_account_with_password(
    store: &dyn Store,
    name: &str,
    owner: &NewUser,
    password_hash: Option<String>,
) -> Result<(AccountRecord, UserRecord), AdminError> {
    if name.trim().is_empty() {
        return Err(AdminError::Invalid("an account needs a name".into()));
    }
    let owner = create_user_with_password(store, owner, password_hash)?;
    let account = account_record(store, name, owner.id)?;
    store.put_account(&account)?;
    Ok((account, owner))
}

/// A new account's record, given an id, not yet stored.
pub(crate) fn account_record(
    store: &dyn Store,
    name: &str,
    owner: UserId,
) -> Result<AccountRecord, AdminError> {
    if name.trim().is_empty() {
        return Err(AdminError::Invalid("an account needs a name".into()));
    }
    Ok(AccountRecord {
        id: AccountId(store.next_id()?),
        name: name.trim().to_string(),
        owner,
        created_at: now(),
    })
}

/// Sets (or replaces) the password of the user with this email, given the
/// PHC string of its hash. Tokens already issued stay valid.
pub fn set_password(
    store: &dyn Store,
    email: &str,
    password_hash: String,
) -> Result<UserRecord, AdminError> {
    let mut user = store
        .user_by_email(email)?
        .ok_or_else(|| AdminError::NotFound(format!("user {email}")))?;
    user.password_hash = Some(password_hash);
    store.put_user(&user)?;
    Ok(user)
}

/// Creates a team in an account; the account's owner becomes its Manager
/// (both in one atomic write).
pub fn create_team(
    store: &dyn Store,
    account: AccountId,
    name: &str,
    handle: &str,
    identity: &str,
) -> Result<TeamRecord, AdminError> {
    let (team, owner) = new_team(store, account, name, handle, identity)?;
    store.create_team(&team, owner, None)?;
    Ok(team)
}

/// A new team of an account, with a fresh id, and the account's owner,
/// its Manager-to-be; nothing is written yet (see
/// [`KeyedWrites::create_team`]).
///
/// [`KeyedWrites::create_team`]: crate::store::KeyedWrites::create_team
pub fn new_team(
    store: &dyn Store,
    account: AccountId,
    name: &str,
    handle: &str,
    identity: &str,
) -> Result<(TeamRecord, UserId), AdminError> {
    let account = store
        .account(account)?
        .ok_or_else(|| AdminError::NotFound(format!("account {account}")))?;
    if !is_handle(handle) {
        return Err(AdminError::Invalid(format!(
            "{handle:?} is not a valid handle"
        )));
    }
    let team = TeamRecord {
        id: TeamId(store.next_id()?),
        account: account.id,
        name: name.to_string(),
        handle: handle.to_string(),
        identity: identity.to_string(),
        statuses: DEFAULT_STATUSES.iter().map(|s| s.to_string()).collect(),
        max_members: None,
        created_at: now(),
        blast_rate: None,
        widget: Default::default(),
    };
    Ok((team, account.owner))
}

/// Gives a user a role in a team.
pub fn add_member(
    store: &dyn Store,
    team: TeamId,
    user: UserId,
    role: Role,
) -> Result<(), AdminError> {
    store
        .team(team)?
        .ok_or_else(|| AdminError::NotFound(format!("team {team}")))?;
    store
        .user(user)?
        .ok_or_else(|| AdminError::NotFound(format!("user {user}")))?;
    store.put_membership(team, user, role)?;
    Ok(())
}

/// Issues a token for the user with this email.
pub fn token_for_email(
    store: &dyn Store,
    email: &str,
    kind: TokenKind,
    ttl: Option<Duration>,
) -> Result<(UserRecord, String), AdminError> {
    let user = store
        .user_by_email(email)?
        .ok_or_else(|| AdminError::NotFound(format!("user {email}")))?;
    let token = issue_token(store, user.id, kind, ttl)?;
    Ok((user, token))
}
