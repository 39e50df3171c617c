//! The in-memory store's [`KeyedWrites`]: each request's records and the
//! receipt of its key are written under one hold of the lock, so that no
//! reader sees one without the other.

use super::directory::write_team;
use super::timeline::keep;
use super::MemoryStore;
use crate::store::*;

impl KeyedWrites for MemoryStore {
    fn create_team(
        &self,
        team: &TeamRecord,
        owner: UserId,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        let mut inner = self.lock();
        write_team(&mut inner, team)?;
        inner.memberships.insert((owner, team.id), Role::Manager);
        keep(&mut inner, TeamId(team.account.0), receipt);
        Ok(())
    }

    fn add_member(
        &self,
        team: TeamId,
        user: UserId,
        role: Role,
        receipt: Option<Receipt<'_>>,
    ) -> StoreResult<()> {
        let mut inner = self.lock();
        inner.memberships.insert((user, team), role);
        keep(&mut inner, team, receipt);
        Ok(())
    }

    fn create_bot(&self, bot: &BotRecord, receipt: Option<Receipt<'_>>) -> StoreResult<()> {
        let mut inner = self.lock();
        inner.bots.insert(bot.id, bot.clone());
        keep(&mut inner, bot.team, receipt);
        Ok(())
    }
}
