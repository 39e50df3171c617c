//! The by-team index of grants, for both implementations: a team's pending
//! and accepted grants in pages, revoked ones leaving it, other teams' never
//! in it; and, for sled, a store written before the index existed indexed
//! at its next open.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::Millis;

fn grant(team: u64, conversation: u64, user: u64, state: GrantState) -> GrantRecord {
    GrantRecord {
        conversation: ConversationId(conversation),
        team: TeamId(team),
        user: UserId(user),
        state,
        invited_by: UserId(1),
        resent_by: Vec::new(),
        at: Millis(5),
        invitation: None,
        mailed_for: None,
    }
}

fn keys_of(grants: &[GrantRecord]) -> Vec<(u64, u64)> {
    grants
        .iter()
        .map(|g| (g.conversation.0, g.user.0))
        .collect()
}

#[test]
fn a_teams_live_grants_are_listed_in_pages_by_conversation_then_user() {
    for (store, _dir) in stores() {
        assert!(store.team_grants(TeamId(7), None, 10).unwrap().is_empty());
        store
            .put_grant(&grant(7, 20, 3, GrantState::Accepted))
            .unwrap();
        store
            .put_grant(&grant(7, 10, 4, GrantState::Pending))
            .unwrap();
        store
            .put_grant(&grant(7, 10, 2, GrantState::Pending))
            .unwrap();
        store
            .put_grant(&grant(8, 15, 2, GrantState::Pending))
            .unwrap();
        store
            .put_grant(&grant(7, 30, 5, GrantState::Revoked))
            .unwrap();
        let all = store.team_grants(TeamId(7), None, 10).unwrap();
        assert_eq!(keys_of(&all), vec![(10, 2), (10, 4), (20, 3)]);
        assert_eq!(all[2], grant(7, 20, 3, GrantState::Accepted));
        let first = store.team_grants(TeamId(7), None, 2).unwrap();
        assert_eq!(keys_of(&first), vec![(10, 2), (10, 4)]);
        let after = Some((ConversationId(10), UserId(4)));
        let second = store.team_grants(TeamId(7), after, 2).unwrap();
        assert_eq!(keys_of(&second), vec![(20, 3)], "the page after the cursor");
        assert_eq!(
            keys_of(&store.team_grants(TeamId(8), None, 10).unwrap()),
            vec![(15, 2)],
            "another team's grants are its own"
        );
    }
}

#[test]
fn a_revoked_grant_leaves_the_team_index_and_a_new_invitation_returns_to_it() {
    for (store, _dir) in stores() {
        store
            .put_grant(&grant(7, 10, 2, GrantState::Accepted))
            .unwrap();
        store
            .put_grant(&grant(7, 10, 2, GrantState::Revoked))
            .unwrap();
        assert!(store.team_grants(TeamId(7), None, 10).unwrap().is_empty());
        assert_eq!(
            store
                .grant(ConversationId(10), UserId(2))
                .unwrap()
                .unwrap()
                .state,
            GrantState::Revoked,
            "the record itself stays, revoked"
        );
        store
            .put_grant(&grant(7, 10, 2, GrantState::Pending))
            .unwrap();
        let listed = store.team_grants(TeamId(7), None, 10).unwrap();
        assert_eq!(listed, vec![grant(7, 10, 2, GrantState::Pending)]);
    }
}

#[test]
fn the_team_index_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store
            .put_grant(&grant(7, 10, 2, GrantState::Pending))
            .unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(
        keys_of(&store.team_grants(TeamId(7), None, 10).unwrap()),
        vec![(10, 2)]
    );
}

#[test]
fn grants_written_before_the_team_index_existed_are_indexed_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store
            .put_grant(&grant(7, 10, 2, GrantState::Pending))
            .unwrap();
        store
            .put_grant(&grant(7, 11, 3, GrantState::Accepted))
            .unwrap();
        store
            .put_grant(&grant(7, 12, 4, GrantState::Revoked))
            .unwrap();
        store.flush().unwrap();
    }
    // What a store from before the index looks like: the grants, no
    // `team_grants` tree and no record of it being built.
    forget_team_index(dir.path());
    let store = reopen(dir.path());
    assert_eq!(
        keys_of(&store.team_grants(TeamId(7), None, 10).unwrap()),
        vec![(10, 2), (11, 3)],
        "the old grants not revoked are indexed"
    );
    store.flush().unwrap();
    drop(store);
    // Built once: a grant missing from the index now stays missing, which
    // shows the next open did not scan the grants again.
    let db = open_raw(dir.path());
    db.open_tree("team_grants")
        .unwrap()
        .remove(keys::three(7, 11, 3))
        .unwrap();
    db.flush().unwrap();
    drop(db);
    let store = reopen(dir.path());
    assert_eq!(
        keys_of(&store.team_grants(TeamId(7), None, 10).unwrap()),
        vec![(10, 2)]
    );
}

#[test]
fn a_restored_backup_rebuilds_the_team_index_from_the_grants() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let store = SledStore::open(&data).unwrap();
        store
            .put_grant(&grant(7, 10, 2, GrantState::Pending))
            .unwrap();
        store.flush().unwrap();
    }
    // What a backup taken while grants were written may hold: an index
    // entry of a grant the copy of `conversation_grants` missed.
    let db = open_raw(&data);
    let index = db.open_tree("team_grants").unwrap();
    index.insert(keys::three(7, 11, 3), &[] as &[u8]).unwrap();
    db.flush().unwrap();
    drop((index, db));
    let store = reopen(&data);
    let file = dir.path().join("backup");
    store.backup(&file).unwrap();
    drop(store);
    let restored = dir.path().join("restored");
    SledStore::restore(&file, &restored, false).unwrap();
    let store = reopen(&restored);
    assert_eq!(
        keys_of(&store.team_grants(TeamId(7), None, 10).unwrap()),
        vec![(10, 2)],
        "indexed from the grants, not from the copied index"
    );
}

/// Drops the `team_grants` tree and its `meta` marker from a closed store.
fn forget_team_index(dir: &std::path::Path) {
    let db = open_raw(dir);
    db.drop_tree("team_grants").unwrap();
    db.open_tree("meta").unwrap().remove("team_grants").unwrap();
    db.flush().unwrap();
}

/// The store's sled database itself, once the store has let go of it.
fn open_raw(dir: &std::path::Path) -> sled::Db {
    for _ in 0..50 {
        if let Ok(db) = sled::open(dir) {
            return db;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    sled::open(dir).unwrap()
}
