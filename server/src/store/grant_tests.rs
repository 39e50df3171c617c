//! The grants part of the storage contract, for both implementations:
//! one record per conversation and user, found from either side, a change
//! of state replacing the old one, and (for sled) surviving a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::Millis;

fn grant(conversation: u64, user: u64, state: GrantState) -> GrantRecord {
    GrantRecord {
        conversation: ConversationId(conversation),
        team: TeamId(7),
        user: UserId(user),
        state,
        invited_by: UserId(1),
        at: Millis(5),
    }
}

#[test]
fn grants_are_found_by_conversation_and_by_user_and_change_state_in_place() {
    for (store, _dir) in stores() {
        assert_eq!(store.grant(ConversationId(10), UserId(2)).unwrap(), None);
        store.put_grant(&grant(10, 2, GrantState::Pending)).unwrap();
        store
            .put_grant(&grant(11, 2, GrantState::Accepted))
            .unwrap();
        store
            .put_grant(&grant(10, 3, GrantState::Accepted))
            .unwrap();
        store
            .put_grant(&grant(10, 2, GrantState::Accepted))
            .unwrap();
        assert_eq!(
            store.grant(ConversationId(10), UserId(2)).unwrap(),
            Some(grant(10, 2, GrantState::Accepted)),
            "the newer state replaced the older"
        );
        assert_eq!(
            store.user_grants(UserId(2)).unwrap(),
            vec![
                grant(10, 2, GrantState::Accepted),
                grant(11, 2, GrantState::Accepted)
            ]
        );
        let users: Vec<UserId> = (store.conversation_grants(ConversationId(10)).unwrap())
            .into_iter()
            .map(|g| g.user)
            .collect();
        assert_eq!(users, vec![UserId(2), UserId(3)]);
        store.put_grant(&grant(11, 2, GrantState::Revoked)).unwrap();
        assert_eq!(
            store.user_grants(UserId(2)).unwrap()[1].state,
            GrantState::Revoked,
            "a revoked grant stays listed, as revoked"
        );
        assert!(store.user_grants(UserId(9)).unwrap().is_empty());
    }
}

#[test]
fn sled_keeps_grants_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store
            .put_grant(&grant(10, 2, GrantState::Accepted))
            .unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(
        store.user_grants(UserId(2)).unwrap(),
        vec![grant(10, 2, GrantState::Accepted)]
    );
}
