//! Webhook bridges and dead letters on a cluster: written through the
//! directory's ops like bots, read from this node's projection.

use super::ops::Op;
use super::store::{unexpected, NatsStore};
use crate::cluster::applier::Applied;
use crate::store::*;
use switchboard_protocol::ids::{TeamId, UserId};
use switchboard_protocol::webhook::DeadLetter;

impl Webhooks for NatsStore {
    fn put_webhook_bridge(&self, bridge: UserId) -> StoreResult<()> {
        self.done(Op::PutWebhookBridge(bridge))
    }

    fn webhook_bridges(&self) -> StoreResult<Vec<UserId>> {
        self.projection().webhook_bridges()
    }

    fn put_dead_letter(&self, team: TeamId, letter: &DeadLetter) -> StoreResult<()> {
        self.done(Op::PutDeadLetter {
            team,
            letter: letter.clone(),
        })
    }

    fn dead_letter(&self, team: TeamId, id: u64) -> StoreResult<Option<DeadLetter>> {
        self.found(|p| p.dead_letter(team, id))
    }

    fn team_dead_letters(&self, team: TeamId) -> StoreResult<Vec<DeadLetter>> {
        self.projection().team_dead_letters(team)
    }

    fn remove_dead_letter(&self, team: TeamId, id: u64) -> StoreResult<bool> {
        match self.write(Op::RemoveDeadLetter { team, id })? {
            Applied::Deleted(deleted) => Ok(deleted),
            other => Err(unexpected(other)),
        }
    }
}
