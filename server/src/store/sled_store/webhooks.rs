//! The webhook part of the sled store: `webhook_bridges` lists bridge bots
//! by id (empty values); `dead_letters` holds each team's dead letters
//! under team ++ id.

use super::SledStore;
use crate::store::keys;
use crate::store::records::{from_bytes, to_bytes};
use crate::store::*;
use switchboard_protocol::webhook::DeadLetter;

impl Webhooks for SledStore {
    fn put_webhook_bridge(&self, bridge: UserId) -> StoreResult<()> {
        self.webhook_bridges
            .insert(keys::one(bridge.0), &[] as &[u8])?;
        Ok(())
    }

    fn webhook_bridges(&self) -> StoreResult<Vec<UserId>> {
        let mut bridges = Vec::new();
        for item in self.webhook_bridges.iter() {
            let (key, _) = item?;
            if let Some(id) = keys::read_u64(&key) {
                bridges.push(UserId(id));
            }
        }
        Ok(bridges)
    }

    fn put_dead_letter(&self, team: TeamId, letter: &DeadLetter) -> StoreResult<()> {
        self.dead_letters
            .insert(keys::two(team.0, letter.id), to_bytes(letter))?;
        Ok(())
    }

    fn dead_letter(&self, team: TeamId, id: u64) -> StoreResult<Option<DeadLetter>> {
        Self::get(&self.dead_letters, "dead letter", &keys::two(team.0, id))
    }

    fn team_dead_letters(&self, team: TeamId) -> StoreResult<Vec<DeadLetter>> {
        let mut letters = Vec::new();
        for item in self.dead_letters.scan_prefix(keys::one(team.0)) {
            let (_, value) = item?;
            letters.push(from_bytes("dead letter", &value)?);
        }
        Ok(letters)
    }

    fn remove_dead_letter(&self, team: TeamId, id: u64) -> StoreResult<bool> {
        Ok(self.dead_letters.remove(keys::two(team.0, id))?.is_some())
    }
}
