//! The in-memory store's grants: one ordered map keyed by conversation
//! then user, so a conversation's grants are one range and a user's are a
//! scan, and a set of the grants not revoked keyed by team, conversation
//! and user, so a team's page of them is one range. Both change under one
//! lock, so they always agree.

use super::MemoryStore;
use crate::store::*;
use std::ops::Bound;

impl Grants for MemoryStore {
    fn put_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        let mut inner = self.lock();
        let by_team = (grant.team, grant.conversation, grant.user);
        if grant.state == GrantState::Revoked {
            inner.team_grants.remove(&by_team);
        } else {
            inner.team_grants.insert(by_team);
        }
        inner
            .grants
            .insert((grant.conversation, grant.user), grant.clone());
        Ok(())
    }

    fn grant(
        &self,
        conversation: ConversationId,
        user: UserId,
    ) -> StoreResult<Option<GrantRecord>> {
        Ok(self.lock().grants.get(&(conversation, user)).cloned())
    }

    fn user_grants(&self, user: UserId) -> StoreResult<Vec<GrantRecord>> {
        // Keys sort by conversation, so this is in conversation order.
        Ok((self.lock().grants.values())
            .filter(|g| g.user == user)
            .cloned()
            .collect())
    }

    fn conversation_grants(&self, conversation: ConversationId) -> StoreResult<Vec<GrantRecord>> {
        Ok((self.lock().grants.range((conversation, UserId(0))..))
            .take_while(|((c, _), _)| *c == conversation)
            .map(|(_, g)| g.clone())
            .collect())
    }

    fn team_grants(
        &self,
        team: TeamId,
        after: Option<(ConversationId, UserId)>,
        limit: usize,
    ) -> StoreResult<Vec<GrantRecord>> {
        let inner = self.lock();
        let start = match after {
            Some((c, u)) => Bound::Excluded((team, c, u)),
            None => Bound::Included((team, ConversationId(0), UserId(0))),
        };
        Ok((inner.team_grants.range((start, Bound::Unbounded)))
            .take_while(|(t, _, _)| *t == team)
            .filter_map(|(_, c, u)| inner.grants.get(&(*c, *u)).cloned())
            .take(limit)
            .collect())
    }
}
