//! The in-memory store's grants: one ordered map keyed by conversation
//! then user, so a conversation's grants are one range and a user's are a
//! scan.

use super::MemoryStore;
use crate::store::*;

impl Grants for MemoryStore {
    fn put_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        self.lock()
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
}
