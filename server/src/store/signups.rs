//! Sign-ups awaiting their confirmation: the [`Signups`] part of the
//! storage contract and its records.
//!
//! A pending sign-up is kept under the SHA-256 of its one-time
//! confirmation token (never the token), like tokens and invitations, so
//! that a restart keeps the mailed link working.
//!
//! Invariants every implementation keeps:
//! - At most one sign-up per email (case-insensitive): a newer one
//!   replaces the older, whose token then confirms nothing.
//! - [`Signups::confirm_signup`] is atomic and works once: the user, their
//!   account and the sign-up marked confirmed are written together or not
//!   at all, so a retried or concurrent confirmation never creates a
//!   second account.
//! - A confirmed sign-up keeps no password hash; it stays until its
//!   expiry only to tell a retry that it was already confirmed.

use super::{AccountRecord, StoreResult, UserRecord};
use serde::{Deserialize, Serialize};
use switchboard_protocol::ids::{AccountId, Millis, UserId};

/// A sign-up, stored under the SHA-256 of its confirmation token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupRecord {
    /// The address the confirmation was mailed to, as the signer typed it.
    pub email: String,
    /// The signer's name.
    pub name: String,
    /// The name of the account to create.
    pub account_name: String,
    /// The Argon2id PHC string of the chosen password; `None` once
    /// confirmed (the user record holds it then).
    pub password_hash: Option<String>,
    /// When it was asked for.
    pub created_at: Millis,
    /// When its token stops working.
    pub expires_at: Millis,
    /// What its confirmation created, once confirmed.
    #[serde(default)]
    pub confirmed: Option<SignupConfirmed>,
}

impl std::fmt::Debug for SignupRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash stays out of logs, like a user's.
        f.debug_struct("SignupRecord")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("account_name", &self.account_name)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("confirmed", &self.confirmed)
            .finish_non_exhaustive()
    }
}

impl SignupRecord {
    /// Whether its token has stopped working at `now`.
    pub fn expired(&self, now: Millis) -> bool {
        self.expires_at <= now
    }
}

/// What a confirmation created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupConfirmed {
    /// The new user.
    pub user: UserId,
    /// The account they own.
    pub account: AccountId,
    /// When it was confirmed.
    pub at: Millis,
}

/// What [`Signups::confirm_signup`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The user and account were created, now.
    Created,
    /// An earlier confirmation of the same token created them; nothing was
    /// written.
    AlreadyConfirmed(SignupConfirmed),
    /// No such sign-up, or it expired (or was replaced by a newer one).
    Unknown,
}

/// Sign-ups awaiting confirmation, in `signup_tokens` (token hash, the
/// record) and its index `signup_emails` (lowercase email, token hash).
pub trait Signups {
    /// Stores a pending sign-up under the hash of its token, replacing
    /// (deleting) any other sign-up of the same email.
    fn put_signup(&self, hash: &[u8; 32], signup: &SignupRecord) -> StoreResult<()>;
    /// A sign-up by the hash of its token, expired or not.
    fn signup(&self, hash: &[u8; 32]) -> StoreResult<Option<SignupRecord>>;
    /// Confirms the sign-up under `hash` if it is pending and unexpired at
    /// `now`: stores `user` (fails with `Taken` if its email is another
    /// user's) and `account`, and marks the sign-up confirmed, dropping its
    /// password hash, all in one atomic write.
    fn confirm_signup(
        &self,
        hash: &[u8; 32],
        user: &UserRecord,
        account: &AccountRecord,
        now: Millis,
    ) -> StoreResult<Confirmation>;
    /// Up to `limit` sign-ups whose hash sorts after `after`, in hash order
    /// (see [`super::Directory::tokens_after`]).
    fn signups_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], SignupRecord)>>;
    /// Deletes the sign-up under `hash` if it has expired at `now` (with
    /// its email's index entry); whether it did.
    fn delete_expired_signup(&self, hash: &[u8; 32], now: Millis) -> StoreResult<bool>;
    /// How many sign-ups are kept, pending or confirmed.
    fn signup_count(&self) -> StoreResult<usize>;
}
