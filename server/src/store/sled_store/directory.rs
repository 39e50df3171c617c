//! The directory half of the sled store: accounts, teams, users, roles, tokens.

use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, Transactional, TransactionalTree,
};

impl Directory for SledStore {
    fn put_account(&self, account: &AccountRecord) -> StoreResult<()> {
        (&self.accounts, &self.user_accounts)
            .transaction(|(accounts, owners)| {
                let key = keys::one(account.id.0);
                if let Some(old) = accounts.get(key)? {
                    let old: AccountRecord =
                        from_bytes("account", &old).map_err(ConflictableTransactionError::Abort)?;
                    owners.remove(&keys::two(old.owner.0, old.id.0))?;
                }
                accounts.insert(&key, to_bytes(account))?;
                owners.insert(&keys::two(account.owner.0, account.id.0), &[])?;
                Ok(())
            })
            .map_err(tx_error)
    }

    fn account(&self, id: AccountId) -> StoreResult<Option<AccountRecord>> {
        Self::get(&self.accounts, "account", &keys::one(id.0))
    }

    fn accounts_owned(&self, user: UserId) -> StoreResult<Vec<AccountRecord>> {
        let mut out = Vec::new();
        for item in self.user_accounts.scan_prefix(keys::one(user.0)) {
            let (key, _) = item?;
            if let Some(account) = self.account(AccountId(keys::second(&key)))? {
                out.push(account);
            }
        }
        Ok(out)
    }

    fn put_team(&self, team: &TeamRecord) -> StoreResult<()> {
        let handle = team.handle.to_lowercase();
        let epoch = new_epoch();
        let trees = (
            &self.teams,
            &self.team_handles,
            &self.team_streams,
            &self.account_teams,
        );
        trees
            .transaction(|(teams, handles, streams, accounts)| {
                write_team([teams, handles, streams, accounts], team, &handle, epoch)
            })
            .map_err(tx_error)
    }

    fn team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        Self::get(&self.teams, "team", &keys::one(id.0))
    }

    fn account_teams(&self, account: AccountId) -> StoreResult<Vec<TeamId>> {
        self.account_teams
            .scan_prefix(keys::one(account.0))
            .map(|item| Ok(TeamId(keys::second(&item?.0))))
            .collect()
    }

    fn remove_team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        // Transactions cannot scan: the members are listed first. A
        // membership written meanwhile would be left behind, pointing at a
        // team that no longer exists, which every reader skips.
        let members = self.team_members(id)?;
        let trees = (
            &self.teams,
            &self.team_handles,
            &self.account_teams,
            &self.user_teams,
            &self.team_users,
        );
        trees
            .transaction(|(teams, handles, accounts, user_teams, team_users)| {
                let Some(old) = teams.remove(&keys::one(id.0))? else {
                    return Ok(None);
                };
                let old: TeamRecord =
                    from_bytes("team", &old).map_err(ConflictableTransactionError::Abort)?;
                handles.remove(old.handle.to_lowercase().as_bytes())?;
                accounts.remove(&keys::two(old.account.0, id.0))?;
                for (user, _) in &members {
                    user_teams.remove(&keys::two(user.0, id.0))?;
                    team_users.remove(&keys::two(id.0, user.0))?;
                }
                Ok(Some(old))
            })
            .map_err(tx_error)
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
        let role = to_bytes(&role);
        (&self.user_teams, &self.team_users)
            .transaction(|(user_teams, team_users)| {
                write_membership([user_teams, team_users], team, user, &role)
            })
            .map_err(tx_error)
    }

    fn remove_membership(&self, team: TeamId, user: UserId) -> StoreResult<Option<Role>> {
        let old = (&self.user_teams, &self.team_users)
            .transaction(|(user_teams, team_users)| {
                let old = user_teams.remove(&keys::two(user.0, team.0))?;
                team_users.remove(&keys::two(team.0, user.0))?;
                Ok(old)
            })
            .map_err(tx_error)?;
        old.map(|bytes| from_bytes("role", &bytes)).transpose()
    }

    fn team_members(&self, team: TeamId) -> StoreResult<Vec<(UserId, Role)>> {
        self.team_users
            .scan_prefix(keys::one(team.0))
            .map(|item| {
                let (key, value) = item?;
                Ok((UserId(keys::second(&key)), from_bytes("role", &value)?))
            })
            .collect()
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

    fn put_invitation(&self, hash: &[u8; 32], invitation: &InvitationRecord) -> StoreResult<()> {
        self.invitations.insert(hash, to_bytes(invitation))?;
        Ok(())
    }

    fn take_invitation(&self, hash: &[u8; 32]) -> StoreResult<Option<InvitationRecord>> {
        self.invitations
            .remove(hash)?
            .map(|bytes| from_bytes("invitation", &bytes))
            .transpose()
    }

    fn put_mail(&self, mail: &MailRecord) -> StoreResult<()> {
        self.mail_outbox
            .insert(keys::one(mail.id), to_bytes(mail))?;
        Ok(())
    }

    fn mails(&self) -> StoreResult<Vec<MailRecord>> {
        self.mail_outbox
            .iter()
            .map(|item| from_bytes("mail", &item?.1))
            .collect()
    }

    fn tokens_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], TokenRecord)>> {
        page(&self.tokens, after.map(|a| a.as_slice()), limit, "token")?
            .into_iter()
            .map(|(key, record)| Ok((hash_key(&key, "token")?, record)))
            .collect()
    }

    fn invitations_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], InvitationRecord)>> {
        page(
            &self.invitations,
            after.map(|a| a.as_slice()),
            limit,
            "invitation",
        )?
        .into_iter()
        .map(|(key, record)| Ok((hash_key(&key, "invitation")?, record)))
        .collect()
    }

    fn mails_after(&self, after: Option<u64>, limit: usize) -> StoreResult<Vec<MailRecord>> {
        let after = after.map(keys::one);
        Ok(page(
            &self.mail_outbox,
            after.as_ref().map(|a| a.as_slice()),
            limit,
            "mail",
        )?
        .into_iter()
        .map(|(_, mail)| mail)
        .collect())
    }

    fn delete_mail(&self, id: u64) -> StoreResult<bool> {
        Ok(self.mail_outbox.remove(keys::one(id))?.is_some())
    }

    fn usage_checkpoint(&self, team: TeamId) -> StoreResult<Option<UsageCheckpoint>> {
        Self::get(&self.team_usage, "usage checkpoint", &keys::one(team.0))
    }

    fn put_usage_checkpoint(&self, team: TeamId, checkpoint: &UsageCheckpoint) -> StoreResult<()> {
        self.team_usage
            .insert(keys::one(team.0), to_bytes(checkpoint))?;
        Ok(())
    }
}

/// Writes a team inside a transaction over `teams`, `team_handles`,
/// `team_streams` and `account_teams` (in that order): its record, handle
/// (`handle`, lowercased) and account index, and `epoch` as its stream's
/// if it has none yet. Aborts with `Taken` if the handle is another's.
pub(super) fn write_team(
    [teams, handles, streams, accounts]: [&TransactionalTree; 4],
    team: &TeamRecord,
    handle: &str,
    epoch: Epoch,
) -> ConflictableTransactionResult<(), StoreError> {
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
        accounts.remove(&keys::two(old.account.0, old.id.0))?;
    }
    handles.insert(handle.as_bytes(), &keys::one(team.id.0))?;
    accounts.insert(&keys::two(team.account.0, team.id.0), &[])?;
    teams.insert(&keys::one(team.id.0), to_bytes(team))?;
    if streams.get(keys::one(team.id.0))?.is_none() {
        streams.insert(&keys::one(team.id.0), &keys::one(epoch.0))?;
    }
    Ok(())
}

/// Writes a membership inside a transaction over `user_teams` and
/// `team_users` (in that order), in both indexes.
pub(super) fn write_membership(
    [user_teams, team_users]: [&TransactionalTree; 2],
    team: TeamId,
    user: UserId,
    role: &[u8],
) -> ConflictableTransactionResult<(), StoreError> {
    user_teams.insert(&keys::two(user.0, team.0), role)?;
    team_users.insert(&keys::two(team.0, user.0), role)?;
    Ok(())
}

/// Up to `limit` entries of `tree` with a key after `after`, decoded.
fn page<T: serde::de::DeserializeOwned>(
    tree: &sled::Tree,
    after: Option<&[u8]>,
    limit: usize,
    what: &'static str,
) -> StoreResult<Vec<(sled::IVec, T)>> {
    use std::ops::Bound;
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    tree.range::<&[u8], _>((start, Bound::Unbounded))
        .take(limit)
        .map(|item| {
            let (key, value) = item?;
            Ok((key, from_bytes(what, &value)?))
        })
        .collect()
}

/// A 32-byte hash key, or a corruption error naming the tree.
fn hash_key(key: &[u8], what: &'static str) -> StoreResult<[u8; 32]> {
    key.try_into().map_err(|_| StoreError::Corrupt {
        what,
        detail: format!("a key of {} bytes, not 32", key.len()),
    })
}
