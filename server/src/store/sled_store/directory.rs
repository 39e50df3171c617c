//! The directory half of the sled store: accounts, teams, users, roles, tokens.

use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::{ConflictableTransactionError, Transactional};

impl Directory for SledStore {
    fn put_account(&self, account: &AccountRecord) -> StoreResult<()> {
        self.accounts
            .insert(keys::one(account.id.0), to_bytes(account))?;
        Ok(())
    }

    fn account(&self, id: AccountId) -> StoreResult<Option<AccountRecord>> {
        Self::get(&self.accounts, "account", &keys::one(id.0))
    }

    fn put_team(&self, team: &TeamRecord) -> StoreResult<()> {
        let handle = team.handle.to_lowercase();
        let epoch = new_epoch();
        (&self.teams, &self.team_handles, &self.team_streams)
            .transaction(|(teams, handles, streams)| {
                if let Some(owner) = handles.get(handle.as_bytes())? {
                    if keys::read_u64(&owner) != Some(team.id.0) {
                        return Err(ConflictableTransactionError::Abort(StoreError::Taken(
                            format!("team handle {}", team.handle),
                        )));
                    }
                }
                if let Some(old) = teams.get(keys::one(team.id.0))? {
                    let old: TeamRecord =
                        from_bytes("team", &old).map_err(ConflictableTransactionError::Abort)?;
                    handles.remove(old.handle.to_lowercase().as_bytes())?;
                }
                handles.insert(handle.as_bytes(), &keys::one(team.id.0))?;
                teams.insert(&keys::one(team.id.0), to_bytes(team))?;
                if streams.get(keys::one(team.id.0))?.is_none() {
                    streams.insert(&keys::one(team.id.0), &keys::one(epoch.0))?;
                }
                Ok(())
            })
            .map_err(tx_error)
    }

    fn team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        Self::get(&self.teams, "team", &keys::one(id.0))
    }

    fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        let email = user.email.to_lowercase();
        (&self.users, &self.user_emails)
            .transaction(|(users, emails)| {
                if let Some(owner) = emails.get(email.as_bytes())? {
                    if keys::read_u64(&owner) != Some(user.id.0) {
                        return Err(ConflictableTransactionError::Abort(StoreError::Taken(
                            format!("email {}", user.email),
                        )));
                    }
                }
                if let Some(old) = users.get(keys::one(user.id.0))? {
                    let old: UserRecord =
                        from_bytes("user", &old).map_err(ConflictableTransactionError::Abort)?;
                    emails.remove(old.email.to_lowercase().as_bytes())?;
                }
                emails.insert(email.as_bytes(), &keys::one(user.id.0))?;
                users.insert(&keys::one(user.id.0), to_bytes(user))?;
                Ok(())
            })
            .map_err(tx_error)
    }

    fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        Self::get(&self.users, "user", &keys::one(id.0))
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        match self.user_emails.get(email.to_lowercase().as_bytes())? {
            Some(id) => match keys::read_u64(&id) {
                Some(id) => self.user(UserId(id)),
                None => Err(StoreError::Corrupt {
                    what: "user email index",
                    detail: format!("value of {} bytes", id.len()),
                }),
            },
            None => Ok(None),
        }
    }

    fn put_membership(&self, team: TeamId, user: UserId, role: Role) -> StoreResult<()> {
        self.user_teams
            .insert(keys::two(user.0, team.0), to_bytes(&role))?;
        Ok(())
    }

    fn memberships(&self, user: UserId) -> StoreResult<Vec<(TeamId, Role)>> {
        self.user_teams
            .scan_prefix(keys::one(user.0))
            .map(|item| {
                let (key, value) = item?;
                Ok((TeamId(keys::second(&key)), from_bytes("role", &value)?))
            })
            .collect()
    }

    fn put_token(&self, hash: &[u8; 32], token: &TokenRecord) -> StoreResult<()> {
        self.tokens.insert(hash, to_bytes(token))?;
        Ok(())
    }

    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        Self::get(&self.tokens, "token", hash)
    }

    fn delete_token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        self.tokens
            .remove(hash)?
            .map(|bytes| from_bytes("token", &bytes))
            .transpose()
    }
}
