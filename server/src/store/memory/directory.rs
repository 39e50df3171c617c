//! The in-memory store's directory: accounts, teams, users, memberships,
//! tokens, invitations, the mail outbox and usage checkpoints, each in its
//! own map. Handles and emails are unique ignoring ASCII case, checked by
//! a scan under the lock (fine for test-sized data).

use super::MemoryStore;
use crate::store::*;

impl Directory for MemoryStore {
    fn put_account(&self, account: &AccountRecord) -> StoreResult<()> {
        self.lock().accounts.insert(account.id, account.clone());
        Ok(())
    }

    fn account(&self, id: AccountId) -> StoreResult<Option<AccountRecord>> {
        Ok(self.lock().accounts.get(&id).cloned())
    }

    fn accounts_owned(&self, user: UserId) -> StoreResult<Vec<AccountRecord>> {
        let mut owned: Vec<AccountRecord> = (self.lock().accounts.values())
            .filter(|a| a.owner == user)
            .cloned()
            .collect();
        owned.sort_by_key(|a| a.id);
        Ok(owned)
    }

    fn put_team(&self, team: &TeamRecord) -> StoreResult<()> {
        write_team(&mut self.lock(), team)
    }

    fn team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        Ok(self.lock().teams.get(&id).cloned())
    }

    fn account_teams(&self, account: AccountId) -> StoreResult<Vec<TeamId>> {
        let mut teams: Vec<TeamId> = (self.lock().teams.values())
            .filter(|t| t.account == account)
            .map(|t| t.id)
            .collect();
        teams.sort();
        Ok(teams)
    }

    fn remove_team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        let mut inner = self.lock();
        let old = inner.teams.remove(&id);
        if old.is_some() {
            inner.memberships.retain(|&(_, team), _| team != id);
        }
        Ok(old)
    }

    fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut inner = self.lock();
        let taken = inner
            .users
            .values()
            .any(|u| u.id != user.id && u.email.eq_ignore_ascii_case(&user.email));
        if taken {
            return Err(StoreError::Taken(format!("email {}", user.email)));
        }
        inner.users.insert(user.id, user.clone());
        Ok(())
    }

    fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        Ok(self.lock().users.get(&id).cloned())
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Ok(self
            .lock()
            .users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .cloned())
    }

    fn put_membership(&self, team: TeamId, user: UserId, role: Role) -> StoreResult<()> {
        self.lock().memberships.insert((user, team), role);
        Ok(())
    }

    fn remove_membership(&self, team: TeamId, user: UserId) -> StoreResult<Option<Role>> {
        Ok(self.lock().memberships.remove(&(user, team)))
    }

    fn team_members(&self, team: TeamId) -> StoreResult<Vec<(UserId, Role)>> {
        // A scan of every membership: fine for the test-sized data this
        // store holds.
        Ok(self
            .lock()
            .memberships
            .iter()
            .filter(|(&(_, t), _)| t == team)
            .map(|(&(user, _), &role)| (user, role))
            .collect())
    }

    fn memberships(&self, user: UserId) -> StoreResult<Vec<(TeamId, Role)>> {
        Ok(self
            .lock()
            .memberships
            .range((user, TeamId(0))..=(user, TeamId(u64::MAX)))
            .map(|(&(_, team), &role)| (team, role))
            .collect())
    }

    fn put_token(&self, hash: &[u8; 32], token: &TokenRecord) -> StoreResult<()> {
        self.lock().tokens.insert(*hash, token.clone());
        Ok(())
    }

    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        Ok(self.lock().tokens.get(hash).cloned())
    }

    fn delete_token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        Ok(self.lock().tokens.remove(hash))
    }

    fn put_invitation(&self, hash: &[u8; 32], invitation: &InvitationRecord) -> StoreResult<()> {
        self.lock().invitations.insert(*hash, invitation.clone());
        Ok(())
    }

    fn take_invitation(&self, hash: &[u8; 32]) -> StoreResult<Option<InvitationRecord>> {
        Ok(self.lock().invitations.remove(hash))
    }

    fn put_mail(&self, mail: &MailRecord) -> StoreResult<()> {
        self.lock().mails.insert(mail.id, mail.clone());
        Ok(())
    }

    fn mails(&self) -> StoreResult<Vec<MailRecord>> {
        Ok(self.lock().mails.values().cloned().collect())
    }

    fn tokens_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], TokenRecord)>> {
        Ok(page(&self.lock().tokens, after, limit))
    }

    fn invitations_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], InvitationRecord)>> {
        Ok(page(&self.lock().invitations, after, limit))
    }

    fn mails_after(&self, after: Option<u64>, limit: usize) -> StoreResult<Vec<MailRecord>> {
        let inner = self.lock();
        let start = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        Ok(inner
            .mails
            .range((start, std::ops::Bound::Unbounded))
            .take(limit)
            .map(|(_, mail)| mail.clone())
            .collect())
    }

    fn delete_mail(&self, id: u64) -> StoreResult<bool> {
        Ok(self.lock().mails.remove(&id).is_some())
    }

    fn usage_checkpoint(&self, team: TeamId) -> StoreResult<Option<UsageCheckpoint>> {
        Ok(self.lock().usage.get(&team).copied())
    }

    fn put_usage_checkpoint(&self, team: TeamId, checkpoint: &UsageCheckpoint) -> StoreResult<()> {
        self.lock().usage.insert(team, *checkpoint);
        Ok(())
    }
}

/// Up to `limit` entries of a hash-keyed map after `after`, in key order.
fn page<T: Clone>(
    map: &std::collections::HashMap<[u8; 32], T>,
    after: Option<&[u8; 32]>,
    limit: usize,
) -> Vec<([u8; 32], T)> {
    let mut entries: Vec<([u8; 32], T)> = map
        .iter()
        .filter(|(key, _)| after.is_none_or(|after| *key > after))
        .map(|(key, value)| (*key, value.clone()))
        .collect();
    entries.sort_by_key(|entry| entry.0);
    entries.truncate(limit);
    entries
}

/// Stores a team under the lock already held, unless its handle is
/// another team's.
pub(super) fn write_team(inner: &mut super::Inner, team: &TeamRecord) -> StoreResult<()> {
    let taken = inner
        .teams
        .values()
        .any(|t| t.id != team.id && t.handle.eq_ignore_ascii_case(&team.handle));
    if taken {
        return Err(StoreError::Taken(format!("team handle {}", team.handle)));
    }
    inner.teams.insert(team.id, team.clone());
    inner.streams.entry(team.id).or_insert_with(new_epoch);
    Ok(())
}
