//! The bots part of the sled store: `bots` holds each record under its id,
//! and `team_bots` indexes it under team ++ bot. Both are written in one
//! transaction, so they always list the same bots.

use super::{tx_error, SledStore};
use crate::store::keys;
use crate::store::records::to_bytes;
use crate::store::*;
use sled::transaction::Transactional;

impl Bots for SledStore {
    fn put_bot(&self, bot: &BotRecord) -> StoreResult<()> {
        let record = to_bytes(bot);
        (&self.bots, &self.team_bots)
            .transaction(|(bots, team_bots)| {
                bots.insert(&keys::one(bot.id.0), record.as_slice())?;
                team_bots.insert(&keys::two(bot.team.0, bot.id.0), &[] as &[u8])?;
                Ok(())
            })
            .map_err(tx_error)
    }

    fn bot(&self, id: UserId) -> StoreResult<Option<BotRecord>> {
        Self::get(&self.bots, "bot", &keys::one(id.0))
    }

    fn team_bots(&self, team: TeamId) -> StoreResult<Vec<BotRecord>> {
        let mut bots = Vec::new();
        for item in self.team_bots.scan_prefix(keys::one(team.0)) {
            let (key, _) = item?;
            let id = UserId(keys::second(&key));
            match self.bot(id)? {
                Some(bot) => bots.push(bot),
                None => {
                    return Err(StoreError::Corrupt {
                        what: "team bot index",
                        detail: format!("points at missing bot {id}"),
                    })
                }
            }
        }
        Ok(bots)
    }
}
