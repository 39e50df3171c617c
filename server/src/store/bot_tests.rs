//! The bots part of the storage contract, for both implementations: a bot
//! is found by id and listed under its team, in id order; revoking it
//! rewrites its record in place; (for sled) it survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::Millis;
use switchboard_protocol::manage::BotScope;

fn bot(id: u64, team: u64, scope: BotScope) -> BotRecord {
    BotRecord {
        id: UserId(id),
        team: TeamId(team),
        name: format!("bot {id}"),
        scope,
        created_by: UserId(1),
        created_at: Millis(5),
        revoked: false,
        token_hash: [id as u8; 32],
        webhook: None,
    }
}

#[test]
fn bots_are_found_by_id_listed_by_team_and_revoked_in_place() {
    for (store, _dir) in stores() {
        assert_eq!(store.bot(UserId(20)).unwrap(), None);
        store.put_bot(&bot(21, 7, BotScope::ReadWrite)).unwrap();
        store.put_bot(&bot(20, 7, BotScope::Read)).unwrap();
        store.put_bot(&bot(22, 8, BotScope::Read)).unwrap();
        assert_eq!(
            store.bot(UserId(20)).unwrap(),
            Some(bot(20, 7, BotScope::Read))
        );
        let ids: Vec<UserId> = (store.team_bots(TeamId(7)).unwrap())
            .into_iter()
            .map(|b| b.id)
            .collect();
        assert_eq!(ids, vec![UserId(20), UserId(21)], "a team's bots, by id");
        let mut revoked = bot(21, 7, BotScope::ReadWrite);
        revoked.revoked = true;
        store.put_bot(&revoked).unwrap();
        assert_eq!(store.team_bots(TeamId(7)).unwrap()[1], revoked);
        assert!(store.team_bots(TeamId(9)).unwrap().is_empty());
    }
}

#[test]
fn sled_keeps_bots_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store.put_bot(&bot(20, 7, BotScope::Read)).unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(
        store.team_bots(TeamId(7)).unwrap(),
        vec![bot(20, 7, BotScope::Read)]
    );
}
