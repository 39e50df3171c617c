//! The grants part of the sled store: `conversation_grants` holds each
//! record under conversation ++ user, and `user_grants` indexes it under
//! user ++ conversation. Both are written in one transaction, so they
//! always list the same grants.

use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::Transactional;

impl Grants for SledStore {
    fn put_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        let record = to_bytes(grant);
        let (conversation, user) = (grant.conversation.0, grant.user.0);
        (&self.conversation_grants, &self.user_grants)
            .transaction(|(by_conversation, by_user)| {
                by_conversation.insert(&keys::two(conversation, user), record.as_slice())?;
                by_user.insert(&keys::two(user, conversation), &[] as &[u8])?;
                Ok(())
            })
            .map_err(tx_error)
    }

    fn grant(
        &self,
        conversation: ConversationId,
        user: UserId,
    ) -> StoreResult<Option<GrantRecord>> {
        Self::get(
            &self.conversation_grants,
            "grant",
            &keys::two(conversation.0, user.0),
        )
    }

    fn user_grants(&self, user: UserId) -> StoreResult<Vec<GrantRecord>> {
        let mut grants = Vec::new();
        for item in self.user_grants.scan_prefix(keys::one(user.0)) {
            let (key, _) = item?;
            let conversation = ConversationId(keys::second(&key));
            match self.grant(conversation, user)? {
                Some(grant) => grants.push(grant),
                None => {
                    return Err(StoreError::Corrupt {
                        what: "user grant index",
                        detail: format!("points at missing grant {conversation}/{user}"),
                    })
                }
            }
        }
        Ok(grants)
    }

    fn conversation_grants(&self, conversation: ConversationId) -> StoreResult<Vec<GrantRecord>> {
        self.conversation_grants
            .scan_prefix(keys::one(conversation.0))
            .map(|item| from_bytes("grant", &item?.1))
            .collect()
    }
}
