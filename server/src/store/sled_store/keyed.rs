//! The sled store's [`KeyedWrites`]: each request's records and the
//! receipt of its key go into one transaction over their trees and
//! `client_msg_ids`, so that a crash keeps both or neither. The receipt's
//! position is zero: no message records a request outside a stream.

use super::commit::receipt_entry;
use super::directory::{write_membership, write_team};
use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::to_bytes;
use crate::store::*;
use sled::transaction::{ConflictableTransactionResult, Transactional, TransactionalTree};

impl KeyedWrites for SledStore {
    fn create_team(
        &self,
        team: &TeamRecord,
        owner: UserId,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        let handle = team.handle.to_lowercase();
        let epoch = new_epoch();
        let role = to_bytes(&Role::Manager);
        let receipt = receipt.map(|r| receipt_entry(TeamId(team.account.0), &NOWHERE, r));
        let trees = (
            &self.teams,
            &self.team_handles,
            &self.team_streams,
            &self.account_teams,
            &self.user_teams,
            &self.team_users,
            &self.client_msg_ids,
        );
        trees
            .transaction(
                |(teams, handles, streams, accounts, user_teams, team_users, ids)| {
                    write_team([teams, handles, streams, accounts], team, &handle, epoch)?;
                    write_membership([user_teams, team_users], team.id, owner, &role)?;
                    keep(ids, &receipt)
                },
            )
            .map_err(tx_error)
    }

    fn add_member(
        &self,
        team: TeamId,
        user: UserId,
        role: Role,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        let role = to_bytes(&role);
        let receipt = receipt.map(|r| receipt_entry(team, &NOWHERE, r));
        (&self.user_teams, &self.team_users, &self.client_msg_ids)
            .transaction(|(user_teams, team_users, ids)| {
                write_membership([user_teams, team_users], team, user, &role)?;
                keep(ids, &receipt)
            })
            .map_err(tx_error)
    }

    fn create_bot(&self, bot: &BotRecord, receipt: Option<Receipt<'_>>) -> StoreResult<()> {
        let record = to_bytes(bot);
        let receipt = receipt.map(|r| receipt_entry(bot.team, &NOWHERE, r));
        (&self.bots, &self.team_bots, &self.client_msg_ids)
            .transaction(|(bots, team_bots, ids)| {
                bots.insert(&keys::one(bot.id.0), record.as_slice())?;
                team_bots.insert(&keys::two(bot.team.0, bot.id.0), &[] as &[u8])?;
                keep(ids, &receipt)
            })
            .map_err(tx_error)
    }
}

/// The position a receipt of a request outside any stream records.
const NOWHERE: [u8; 16] = [0; 16];

/// Writes a receipt entry (see `receipt_entry`), if there is one.
fn keep(
    ids: &TransactionalTree,
    receipt: &Option<(Vec<u8>, Vec<u8>)>,
) -> ConflictableTransactionResult<(), StoreError> {
    if let Some((key, value)) = receipt {
        ids.insert(key.as_slice(), value.as_slice())?;
    }
    Ok(())
}
