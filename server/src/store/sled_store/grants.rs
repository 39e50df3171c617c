//! The grants part of the sled store: `conversation_grants` holds each
//! record under conversation ++ user, `user_grants` indexes it under
//! user ++ conversation, and `team_grants` under team ++ conversation ++
//! user while it is not revoked. All three are written in one
//! transaction, so they always agree.
//!
//! `team_grants` came after the other two: a store written before it is
//! indexed once at open ([`SledStore::index_team_grants`]), and the `meta`
//! key `team_grants` records that it was, so later opens skip the scan. A
//! restored backup is indexed afresh the same way ([`forget_team_grants`]).

use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use sled::transaction::Transactional;

/// The `meta` key recording that `team_grants` indexes every grant.
const TEAM_GRANTS_BUILT: &[u8] = b"team_grants";

/// A grant's key in `team_grants`.
fn team_key(grant: &GrantRecord) -> [u8; 24] {
    keys::three(grant.team.0, grant.conversation.0, grant.user.0)
}

impl SledStore {
    /// Indexes every grant not revoked in `team_grants`, from scratch,
    /// unless a previous open did. Idempotent: a crash midway leaves the
    /// marker unwritten (it is written last), and the next open indexes
    /// again.
    pub(super) fn index_team_grants(&self) -> StoreResult<()> {
        if self.meta.contains_key(TEAM_GRANTS_BUILT)? {
            return Ok(());
        }
        self.team_grants.clear()?;
        let mut indexed = 0usize;
        for item in self.conversation_grants.iter() {
            let grant: GrantRecord = from_bytes("grant", &item?.1)?;
            if grant.state != GrantState::Revoked {
                self.team_grants.insert(team_key(&grant), &[] as &[u8])?;
                indexed += 1;
            }
        }
        self.meta.insert(TEAM_GRANTS_BUILT, &[1u8] as &[u8])?;
        tracing::info!(indexed, "indexed the grants by team");
        Ok(())
    }
}

/// Makes the next open of `db` rebuild `team_grants` from the grants.
pub(super) fn forget_team_grants(db: &sled::Db) -> StoreResult<()> {
    db.open_tree("meta")?.remove(TEAM_GRANTS_BUILT)?;
    Ok(())
}

impl Grants for SledStore {
    fn put_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        let record = to_bytes(grant);
        let (conversation, user) = (grant.conversation.0, grant.user.0);
        let by_team_key = team_key(grant);
        let revoked = grant.state == GrantState::Revoked;
        (
            &self.conversation_grants,
            &self.user_grants,
            &self.team_grants,
        )
            .transaction(|(by_conversation, by_user, by_team)| {
                by_conversation.insert(&keys::two(conversation, user), record.as_slice())?;
                by_user.insert(&keys::two(user, conversation), &[] as &[u8])?;
                if revoked {
                    by_team.remove(&by_team_key)?;
                } else {
                    by_team.insert(&by_team_key, &[] as &[u8])?;
                }
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

    fn team_grants(
        &self,
        team: TeamId,
        after: Option<(ConversationId, UserId)>,
        limit: usize,
    ) -> StoreResult<Vec<GrantRecord>> {
        let start = match after {
            // The key right after the cursor's: users are u64, so + 1 on the
            // user is exact unless it is u64::MAX, which then moves on to
            // the next conversation.
            Some((c, u)) => match u.0.checked_add(1) {
                Some(next) => keys::three(team.0, c.0, next),
                None => keys::three(team.0, c.0.saturating_add(1), 0),
            },
            None => keys::three(team.0, 0, 0),
        };
        let prefix = keys::one(team.0);
        let mut grants = Vec::new();
        for item in self.team_grants.range(start..) {
            let (key, _) = item?;
            if grants.len() >= limit || !key.starts_with(&prefix) {
                break;
            }
            let conversation = ConversationId(keys::second(&key));
            let user = UserId(keys::third(&key));
            match self.grant(conversation, user)? {
                Some(grant) if grant.state != GrantState::Revoked => grants.push(grant),
                _ => {
                    return Err(StoreError::Corrupt {
                        what: "team grant index",
                        detail: format!("points at no live grant {conversation}/{user}"),
                    })
                }
            }
        }
        Ok(grants)
    }
}
