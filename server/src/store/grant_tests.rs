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
        resent_by: Vec::new(),
        at: Millis(5),
        invitation: None,
        mailed_for: None,
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

#[test]
fn a_pending_grant_keeps_its_invitation_hash_and_old_records_read_without_one() {
    for (store, _dir) in stores() {
        let pending = GrantRecord {
            invitation: Some([9; 32]),
            resent_by: vec![UserId(3)],
            ..grant(10, 2, GrantState::Pending)
        };
        store.put_grant(&pending).unwrap();
        assert_eq!(
            store.grant(ConversationId(10), UserId(2)).unwrap(),
            Some(pending.clone())
        );
        assert_eq!(store.user_grants(UserId(2)).unwrap(), vec![pending]);
    }
    // A grant stored before invitations were tracked has no such field.
    #[derive(serde::Serialize)]
    struct OldGrant {
        conversation: ConversationId,
        team: TeamId,
        user: UserId,
        state: GrantState,
        invited_by: UserId,
        at: Millis,
    }
    let old = records::to_bytes(&OldGrant {
        conversation: ConversationId(10),
        team: TeamId(7),
        user: UserId(2),
        state: GrantState::Accepted,
        invited_by: UserId(1),
        at: Millis(5),
    });
    let read: GrantRecord = records::from_bytes("grant", &old).unwrap();
    assert_eq!(read, grant(10, 2, GrantState::Accepted));
}

#[test]
fn a_team_invitation_stored_before_conversation_invitations_still_reads() {
    #[derive(serde::Serialize)]
    struct OldInvitation {
        user: UserId,
        team: TeamId,
        created_at: Millis,
        expires_at: Millis,
    }
    let old = records::to_bytes(&OldInvitation {
        user: UserId(5),
        team: TeamId(6),
        created_at: Millis(1),
        expires_at: Millis(2),
    });
    let read: InvitationRecord = records::from_bytes("invitation", &old).unwrap();
    assert_eq!(read.conversation, None, "a team invitation");
    assert_eq!((read.invited_by, read.note), (None, None));
    assert_eq!((read.user, read.team), (UserId(5), TeamId(6)));
}
