//! The in-memory store's sign-ups: one ordered map by token hash and the
//! email index, changed together under the store's one lock.

use super::MemoryStore;
use crate::store::*;
use switchboard_protocol::ids::Millis;

impl Signups for MemoryStore {
    fn put_signup(&self, hash: &[u8; 32], signup: &SignupRecord) -> StoreResult<()> {
        let mut inner = self.lock();
        let email = signup.email.to_lowercase();
        if let Some(old) = inner.signup_emails.insert(email, *hash) {
            if old != *hash {
                inner.signups.remove(&old);
            }
        }
        inner.signups.insert(*hash, signup.clone());
        Ok(())
    }

    fn signup(&self, hash: &[u8; 32]) -> StoreResult<Option<SignupRecord>> {
        Ok(self.lock().signups.get(hash).cloned())
    }

    fn confirm_signup(
        &self,
        hash: &[u8; 32],
        user: &UserRecord,
        account: &AccountRecord,
        now: Millis,
    ) -> StoreResult<Confirmation> {
        let mut inner = self.lock();
        let Some(signup) = inner.signups.get(hash).filter(|s| !s.expired(now)) else {
            return Ok(Confirmation::Unknown);
        };
        if let Some(done) = signup.confirmed {
            return Ok(Confirmation::AlreadyConfirmed(done));
        }
        let taken = (inner.users.values())
            .any(|u| u.id != user.id && u.email.eq_ignore_ascii_case(&user.email));
        if taken {
            return Err(StoreError::Taken(format!("email {}", user.email)));
        }
        inner.users.insert(user.id, user.clone());
        inner.accounts.insert(account.id, account.clone());
        if let Some(signup) = inner.signups.get_mut(hash) {
            signup.password_hash = None;
            signup.confirmed = Some(SignupConfirmed {
                user: user.id,
                account: account.id,
                at: now,
            });
        }
        Ok(Confirmation::Created)
    }

    fn signups_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], SignupRecord)>> {
        use std::ops::Bound;
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(self
            .lock()
            .signups
            .range::<[u8; 32], _>((start, Bound::Unbounded))
            .take(limit)
            .map(|(hash, signup)| (*hash, signup.clone()))
            .collect())
    }

    fn delete_expired_signup(&self, hash: &[u8; 32], now: Millis) -> StoreResult<bool> {
        let mut inner = self.lock();
        if !inner.signups.get(hash).is_some_and(|s| s.expired(now)) {
            return Ok(false);
        }
        if let Some(signup) = inner.signups.remove(hash) {
            let email = signup.email.to_lowercase();
            // The index may point at a newer sign-up of the address.
            if inner.signup_emails.get(&email) == Some(hash) {
                inner.signup_emails.remove(&email);
            }
        }
        Ok(true)
    }

    fn signup_count(&self) -> StoreResult<usize> {
        Ok(self.lock().signups.len())
    }
}
