//! The directory's contract for teams and their members: both membership
//! indexes, account indexes, team removal, invitations, the mail outbox and
//! usage checkpoints.

use super::{reopen, stores, team};
use crate::store::*;
use switchboard_protocol::ids::Millis;

fn account(id: u64, owner: u64) -> AccountRecord {
    AccountRecord {
        id: AccountId(id),
        name: format!("Account {id}"),
        owner: UserId(owner),
        created_at: Millis(0),
    }
}

fn team_in(id: u64, handle: &str, account: u64) -> TeamRecord {
    TeamRecord {
        account: AccountId(account),
        ..team(id, handle)
    }
}

#[test]
fn members_are_listed_both_ways_and_removal_updates_both() {
    for (store, _dir) in stores() {
        store
            .put_membership(TeamId(1), UserId(3), Role::Member)
            .unwrap();
        store
            .put_membership(TeamId(1), UserId(2), Role::Manager)
            .unwrap();
        store
            .put_membership(TeamId(2), UserId(3), Role::Manager)
            .unwrap();
        assert_eq!(
            store.team_members(TeamId(1)).unwrap(),
            [(UserId(2), Role::Manager), (UserId(3), Role::Member)]
        );
        store
            .put_membership(TeamId(1), UserId(3), Role::Manager)
            .unwrap();
        assert_eq!(
            store.team_members(TeamId(1)).unwrap()[1],
            (UserId(3), Role::Manager),
            "a new role replaces the old one in the team's list too"
        );
        assert_eq!(
            store.remove_membership(TeamId(1), UserId(3)).unwrap(),
            Some(Role::Manager)
        );
        assert_eq!(store.remove_membership(TeamId(1), UserId(3)).unwrap(), None);
        assert_eq!(
            store.team_members(TeamId(1)).unwrap(),
            [(UserId(2), Role::Manager)]
        );
        assert_eq!(
            store.memberships(UserId(3)).unwrap(),
            [(TeamId(2), Role::Manager)]
        );
    }
}

#[test]
fn accounts_list_their_teams_and_owners_their_accounts() {
    for (store, _dir) in stores() {
        store.put_account(&account(10, 1)).unwrap();
        store.put_account(&account(11, 2)).unwrap();
        store.put_account(&account(12, 1)).unwrap();
        let owned: Vec<_> = store
            .accounts_owned(UserId(1))
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(owned, [AccountId(10), AccountId(12)]);
        store.put_team(&team_in(21, "b", 10)).unwrap();
        store.put_team(&team_in(20, "a", 10)).unwrap();
        store.put_team(&team_in(22, "c", 11)).unwrap();
        assert_eq!(
            store.account_teams(AccountId(10)).unwrap(),
            [TeamId(20), TeamId(21)]
        );
        assert_eq!(store.account_teams(AccountId(12)).unwrap(), []);
    }
}

#[test]
fn a_removed_team_leaves_the_directory_and_frees_its_handle() {
    for (store, _dir) in stores() {
        store.put_account(&account(10, 1)).unwrap();
        store.put_team(&team_in(20, "sales", 10)).unwrap();
        store.put_team(&team_in(21, "other", 10)).unwrap();
        store
            .put_membership(TeamId(20), UserId(2), Role::Member)
            .unwrap();
        store
            .put_membership(TeamId(21), UserId(2), Role::Member)
            .unwrap();
        let removed = store.remove_team(TeamId(20)).unwrap().unwrap();
        assert_eq!(removed.handle, "sales");
        assert_eq!(store.team(TeamId(20)).unwrap(), None);
        assert_eq!(store.account_teams(AccountId(10)).unwrap(), [TeamId(21)]);
        assert_eq!(store.team_members(TeamId(20)).unwrap(), []);
        assert_eq!(
            store.memberships(UserId(2)).unwrap(),
            [(TeamId(21), Role::Member)]
        );
        assert_eq!(store.remove_team(TeamId(20)).unwrap(), None);
        store
            .put_team(&team_in(22, "Sales", 10))
            .expect("the handle is free again");
    }
}

#[test]
fn invitations_are_taken_once_and_mails_queue_in_order() {
    for (store, _dir) in stores() {
        let invitation = InvitationRecord {
            user: UserId(5),
            team: TeamId(6),
            created_at: Millis(1),
            expires_at: Millis(2),
            conversation: None,
            invited_by: None,
            note: None,
        };
        store.put_invitation(&[7; 32], &invitation).unwrap();
        assert_eq!(store.take_invitation(&[7; 32]).unwrap(), Some(invitation));
        assert_eq!(store.take_invitation(&[7; 32]).unwrap(), None);
        let to_conversation = InvitationRecord {
            user: UserId(5),
            team: TeamId(6),
            created_at: Millis(1),
            expires_at: Millis(2),
            conversation: Some(ConversationId(8)),
            invited_by: Some(UserId(4)),
            note: Some("the contract".into()),
        };
        store.put_invitation(&[8; 32], &to_conversation).unwrap();
        assert_eq!(
            store.take_invitation(&[8; 32]).unwrap(),
            Some(to_conversation),
            "a conversation invitation keeps its conversation, inviter and note"
        );
        for id in [3, 1, 2] {
            store
                .put_mail(&MailRecord {
                    id,
                    to: format!("u{id}@x.test"),
                    subject: "s".into(),
                    body: "b".into(),
                    queued_at: Millis(id),
                })
                .unwrap();
        }
        let ids: Vec<u64> = store.mails().unwrap().iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(store.usage_checkpoint(TeamId(6)).unwrap(), None);
        let checkpoint = UsageCheckpoint {
            epoch: Epoch(9),
            offset: Offset(4),
            messages: 3,
        };
        store.put_usage_checkpoint(TeamId(6), &checkpoint).unwrap();
        assert_eq!(store.usage_checkpoint(TeamId(6)).unwrap(), Some(checkpoint));
    }
}

#[test]
fn sled_keeps_the_new_indexes_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store.put_account(&account(10, 1)).unwrap();
        store.put_team(&team_in(20, "a", 10)).unwrap();
        store
            .put_membership(TeamId(20), UserId(2), Role::Member)
            .unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.accounts_owned(UserId(1)).unwrap().len(), 1);
    assert_eq!(store.account_teams(AccountId(10)).unwrap(), [TeamId(20)]);
    assert_eq!(
        store.team_members(TeamId(20)).unwrap(),
        [(UserId(2), Role::Member)]
    );
}
