//! [`NatsStore`]: the storage contract over the cluster's stream. A write
//! is published as an [`Op`] and returns what applying it gave on this
//! node (the same on every node); a read is served by this node's
//! projection. The other half of the contract is in `timeline.rs`.
//!
//! Invariants:
//! - A node reads its own writes: a write returns once applied here.
//! - A point lookup that finds nothing first catches up with the stream
//!   and looks again, so a record another node wrote a moment ago (a
//!   token just issued, a user just invited) is found wherever it is asked.
//! - `flush` waits for nothing: every write was durable on the stream's
//!   replicas when it returned, and a projection that lost its newest
//!   writes in a crash applies them again from the stream at start.
//! - Ids come from blocks reserved through the stream, so no two nodes
//!   hand out the same id.

use super::applier::Applied;
use super::node::{Node, DIRECTORY};
use super::ops::Op;
use crate::store::*;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use switchboard_protocol::ids::{AccountId, ConversationId, TeamId, UserId};
use switchboard_protocol::model::Role;

/// How many ids a node reserves at once.
const ID_BLOCK: u64 = 64;

/// The store of a cluster node.
pub(crate) struct NatsStore {
    pub(super) node: Arc<Node>,
    /// The rest of this node's reserved block of ids.
    ids: Mutex<Range<u64>>,
    /// What a test keeps alive as long as the store (its NATS server).
    #[cfg(test)]
    pub(super) keep: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl NatsStore {
    pub(crate) fn new(node: Arc<Node>) -> NatsStore {
        NatsStore {
            node,
            ids: Mutex::new(0..0),
            #[cfg(test)]
            keep: None,
        }
    }

    pub(super) fn projection(&self) -> &SledStore {
        &self.node.applier.projection
    }

    /// Publishes `op` to `subject` and waits for its result here.
    pub(super) fn write_to(&self, subject: &str, op: Op) -> StoreResult<Applied> {
        self.node.block(self.node.propose(subject, &op))
    }

    /// A directory op.
    pub(super) fn write(&self, op: Op) -> StoreResult<Applied> {
        self.write_to(DIRECTORY, op)
    }

    /// A directory op whose method returns nothing.
    pub(super) fn done(&self, op: Op) -> StoreResult<()> {
        match self.write(op)? {
            Applied::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// A point lookup, caught up with the stream if it finds nothing.
    pub(super) fn found<T>(
        &self,
        read: impl Fn(&SledStore) -> StoreResult<Option<T>>,
    ) -> StoreResult<Option<T>> {
        if let Some(found) = read(self.projection())? {
            return Ok(Some(found));
        }
        self.node.block(self.node.catch_up())?;
        read(self.projection())
    }
}

/// An op's result of another kind than its method returns: ops and
/// results out of step, which no correct node produces.
pub(super) fn unexpected(applied: Applied) -> StoreError {
    StoreError::Inconsistent(format!("an op gave an unexpected result: {applied:?}"))
}

impl Store for NatsStore {
    fn next_id(&self) -> StoreResult<u64> {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = ids.next() {
            return Ok(id);
        }
        // The lock is released while the block is reserved: `block` may
        // park this thread, and another caller must not wait on a lock.
        drop(ids);
        let first = match self.write(Op::ReserveIds { count: ID_BLOCK })? {
            Applied::Ids(first) => first,
            other => return Err(unexpected(other)),
        };
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if ids.is_empty() {
            *ids = first + 1..first + ID_BLOCK;
            return Ok(first);
        }
        // Another caller refilled meanwhile: this block's first id is
        // still ours alone; the rest is left unused.
        Ok(first)
    }

    fn flush(&self) -> StoreResult<()> {
        // Every write returned once acknowledged by the stream's replicas.
        Ok(())
    }
}

impl Directory for NatsStore {
    fn put_account(&self, account: &AccountRecord) -> StoreResult<()> {
        self.done(Op::PutAccount(account.clone()))
    }

    fn account(&self, id: AccountId) -> StoreResult<Option<AccountRecord>> {
        self.found(|p| p.account(id))
    }

    fn accounts_owned(&self, user: UserId) -> StoreResult<Vec<AccountRecord>> {
        self.projection().accounts_owned(user)
    }

    fn put_team(&self, team: &TeamRecord) -> StoreResult<()> {
        self.done(Op::PutTeam {
            team: team.clone(),
            epoch: new_epoch(),
        })
    }

    fn team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        self.found(|p| p.team(id))
    }

    fn account_teams(&self, account: AccountId) -> StoreResult<Vec<TeamId>> {
        self.projection().account_teams(account)
    }

    fn remove_team(&self, id: TeamId) -> StoreResult<Option<TeamRecord>> {
        match self.write(Op::RemoveTeam(id))? {
            Applied::Team(team) => Ok(team),
            other => Err(unexpected(other)),
        }
    }

    fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        self.done(Op::PutUser(user.clone()))
    }

    fn user(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.found(|p| p.user(id))
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        self.found(|p| p.user_by_email(email))
    }

    fn put_membership(&self, team: TeamId, user: UserId, role: Role) -> StoreResult<()> {
        self.done(Op::PutMembership { team, user, role })
    }

    fn remove_membership(&self, team: TeamId, user: UserId) -> StoreResult<Option<Role>> {
        match self.write(Op::RemoveMembership { team, user })? {
            Applied::Role(role) => Ok(role),
            other => Err(unexpected(other)),
        }
    }

    fn memberships(&self, user: UserId) -> StoreResult<Vec<(TeamId, Role)>> {
        self.projection().memberships(user)
    }

    fn team_members(&self, team: TeamId) -> StoreResult<Vec<(UserId, Role)>> {
        self.projection().team_members(team)
    }

    fn put_token(&self, hash: &[u8; 32], token: &TokenRecord) -> StoreResult<()> {
        self.done(Op::PutToken {
            hash: *hash,
            token: token.clone(),
        })
    }

    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        self.found(|p| p.token(hash))
    }

    fn delete_token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        match self.write(Op::DeleteToken(*hash))? {
            Applied::Token(token) => Ok(token),
            other => Err(unexpected(other)),
        }
    }

    fn put_invitation(&self, hash: &[u8; 32], invitation: &InvitationRecord) -> StoreResult<()> {
        self.done(Op::PutInvitation {
            hash: *hash,
            invitation: invitation.clone(),
        })
    }

    fn take_invitation(&self, hash: &[u8; 32]) -> StoreResult<Option<InvitationRecord>> {
        match self.write(Op::TakeInvitation(*hash))? {
            Applied::Invitation(invitation) => Ok(invitation),
            other => Err(unexpected(other)),
        }
    }

    fn put_mail(&self, mail: &MailRecord) -> StoreResult<()> {
        self.done(Op::PutMail(mail.clone()))
    }

    fn mails(&self) -> StoreResult<Vec<MailRecord>> {
        self.projection().mails()
    }

    fn tokens_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], TokenRecord)>> {
        self.projection().tokens_after(after, limit)
    }

    fn invitations_after(
        &self,
        after: Option<&[u8; 32]>,
        limit: usize,
    ) -> StoreResult<Vec<([u8; 32], InvitationRecord)>> {
        self.projection().invitations_after(after, limit)
    }

    fn mails_after(&self, after: Option<u64>, limit: usize) -> StoreResult<Vec<MailRecord>> {
        self.projection().mails_after(after, limit)
    }

    fn delete_mail(&self, id: u64) -> StoreResult<bool> {
        match self.write(Op::DeleteMail(id))? {
            Applied::Deleted(deleted) => Ok(deleted),
            other => Err(unexpected(other)),
        }
    }

    fn usage_checkpoint(&self, team: TeamId) -> StoreResult<Option<UsageCheckpoint>> {
        self.projection().usage_checkpoint(team)
    }

    fn put_usage_checkpoint(&self, team: TeamId, checkpoint: &UsageCheckpoint) -> StoreResult<()> {
        self.done(Op::PutUsageCheckpoint {
            team,
            checkpoint: *checkpoint,
        })
    }
}

impl Grants for NatsStore {
    fn put_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        self.done(Op::PutGrant(grant.clone()))
    }

    fn grant(
        &self,
        conversation: ConversationId,
        user: UserId,
    ) -> StoreResult<Option<GrantRecord>> {
        self.found(|p| p.grant(conversation, user))
    }

    fn user_grants(&self, user: UserId) -> StoreResult<Vec<GrantRecord>> {
        self.projection().user_grants(user)
    }

    fn conversation_grants(&self, conversation: ConversationId) -> StoreResult<Vec<GrantRecord>> {
        self.projection().conversation_grants(conversation)
    }

    fn team_grants(
        &self,
        team: TeamId,
        after: Option<(ConversationId, UserId)>,
        limit: usize,
    ) -> StoreResult<Vec<GrantRecord>> {
        self.projection().team_grants(team, after, limit)
    }
}

impl Bots for NatsStore {
    fn put_bot(&self, bot: &BotRecord) -> StoreResult<()> {
        self.done(Op::PutBot(bot.clone()))
    }

    fn bot(&self, id: UserId) -> StoreResult<Option<BotRecord>> {
        self.found(|p| p.bot(id))
    }

    fn team_bots(&self, team: TeamId) -> StoreResult<Vec<BotRecord>> {
        self.projection().team_bots(team)
    }
}

impl Visitors for NatsStore {
    fn put_visitor(&self, visitor: &VisitorRecord) -> StoreResult<()> {
        self.done(Op::PutVisitor(visitor.clone()))
    }

    fn visitor(&self, id: UserId) -> StoreResult<Option<VisitorRecord>> {
        // A visitor created on another node a moment ago says hello here.
        self.found(|p| p.visitor(id))
    }

    fn team_by_handle(&self, handle: &str) -> StoreResult<Option<TeamId>> {
        self.found(|p| p.team_by_handle(handle))
    }
}
