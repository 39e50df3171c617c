//! The sled store's sign-ups: `signup_tokens` (SHA-256 of the token, the
//! `SignupRecord`) and `signup_emails` (lowercase email, that hash), always
//! changed together in one transaction.
//!
//! The number of sign-ups kept is counted in memory: counted once at open
//! (bounded by the sign-up cap, so a short scan) and then kept by the
//! writes here, the only ones to these trees.

use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::{ConflictableTransactionError, Transactional, TransactionalTree};
use sled::{Db, Tree};
use std::sync::atomic::{AtomicUsize, Ordering};
use switchboard_protocol::ids::Millis;

/// The sign-up trees and their count.
pub(super) struct SignupTrees {
    tokens: Tree,
    emails: Tree,
    count: AtomicUsize,
}

impl SignupTrees {
    pub(super) fn open(db: &Db) -> StoreResult<SignupTrees> {
        let tokens = db.open_tree("signup_tokens")?;
        let emails = db.open_tree("signup_emails")?;
        let count = AtomicUsize::new(tokens.len());
        Ok(SignupTrees {
            tokens,
            emails,
            count,
        })
    }
}

type Abort = ConflictableTransactionError<StoreError>;

fn decode(bytes: &[u8]) -> Result<SignupRecord, Abort> {
    from_bytes("sign-up", bytes).map_err(Abort::Abort)
}

impl Signups for SledStore {
    fn put_signup(&self, hash: &[u8; 32], signup: &SignupRecord) -> StoreResult<()> {
        let email = signup.email.to_lowercase();
        let trees = (&self.signups.tokens, &self.signups.emails);
        let replaced = trees
            .transaction(|(tokens, emails)| {
                let mut replaced = false;
                if let Some(old) = emails.get(email.as_bytes())? {
                    if old.as_ref() != hash.as_slice() {
                        replaced = tokens.remove(old)?.is_some();
                    }
                }
                replaced |= tokens.insert(hash.as_slice(), to_bytes(signup))?.is_some();
                emails.insert(email.as_bytes(), hash.as_slice())?;
                Ok(replaced)
            })
            .map_err(tx_error)?;
        if !replaced {
            self.signups.count.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn signup(&self, hash: &[u8; 32]) -> StoreResult<Option<SignupRecord>> {
        Self::get(&self.signups.tokens, "sign-up", hash)
    }

    fn confirm_signup(
        &self,
        hash: &[u8; 32],
        user: &UserRecord,
        account: &AccountRecord,
        now: Millis,
    ) -> StoreResult<Confirmation> {
        let trees = (
            &self.signups.tokens,
            &self.users,
            &self.user_emails,
            &self.accounts,
            &self.user_accounts,
        );
        trees
            .transaction(|(tokens, users, emails, accounts, owners)| {
                let Some(bytes) = tokens.get(hash)? else {
                    return Ok(Confirmation::Unknown);
                };
                let mut signup = decode(&bytes)?;
                if signup.expired(now) {
                    return Ok(Confirmation::Unknown);
                }
                if let Some(done) = signup.confirmed {
                    return Ok(Confirmation::AlreadyConfirmed(done));
                }
                insert_new_user(users, emails, user)?;
                accounts.insert(&keys::one(account.id.0), to_bytes(account))?;
                owners.insert(&keys::two(account.owner.0, account.id.0), &[])?;
                signup.password_hash = None;
                signup.confirmed = Some(SignupConfirmed {
                    user: user.id,
                    account: account.id,
                    at: now,
                });
                tokens.insert(hash.as_slice(), to_bytes(&signup))?;
                Ok(Confirmation::Created)
            })
            .map_err(tx_error)
    }

    fn signups_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], SignupRecord)>> {
        use std::ops::Bound;
        let start = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.as_slice()));
        self.signups
            .tokens
            .range::<&[u8], _>((start, Bound::Unbounded))
            .take(limit)
            .map(|item| {
                let (key, value) = item?;
                let hash = key.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                    what: "sign-up",
                    detail: format!("a key of {} bytes, not 32", key.len()),
                })?;
                Ok((hash, from_bytes("sign-up", &value)?))
            })
            .collect()
    }

    fn delete_expired_signup(&self, hash: &[u8; 32], now: Millis) -> StoreResult<bool> {
        let trees = (&self.signups.tokens, &self.signups.emails);
        let deleted = trees
            .transaction(|(tokens, emails)| {
                let Some(bytes) = tokens.get(hash)? else {
                    return Ok(false);
                };
                let signup = decode(&bytes)?;
                if !signup.expired(now) {
                    return Ok(false);
                }
                tokens.remove(hash.as_slice())?;
                let email = signup.email.to_lowercase();
                // The index may point at a newer sign-up of the address.
                if emails.get(email.as_bytes())?.as_deref() == Some(hash.as_slice()) {
                    emails.remove(email.as_bytes())?;
                }
                Ok(true)
            })
            .map_err(tx_error)?;
        if deleted {
            self.signups.count.fetch_sub(1, Ordering::Relaxed);
        }
        Ok(deleted)
    }

    fn signup_count(&self) -> StoreResult<usize> {
        Ok(self.signups.count.load(Ordering::Relaxed))
    }
}

/// Inserts a user whose email must be free, as `put_user` does for a new
/// user, inside a transaction.
fn insert_new_user(
    users: &TransactionalTree,
    emails: &TransactionalTree,
    user: &UserRecord,
) -> Result<(), Abort> {
    let email = user.email.to_lowercase();
    if let Some(owner) = emails.get(email.as_bytes())? {
        if keys::read_u64(&owner) != Some(user.id.0) {
            return Err(Abort::Abort(StoreError::Taken(format!(
                "email {}",
                user.email
            ))));
        }
    }
    emails.insert(email.as_bytes(), &keys::one(user.id.0))?;
    users.insert(&keys::one(user.id.0), to_bytes(user))?;
    Ok(())
}
