//! The receipts of idempotency keys, for both implementations: a command's
//! key keeps its result, written with its system message in one entry; a
//! request outside any stream (a team created, a member added, a bot
//! created) keeps it in the same write as what it makes, in the team's or
//! account's scope, and a refused one keeps nothing; a message's key still
//! points at the message; and (for sled) all of it survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::Millis;
use switchboard_protocol::invite::Invited;
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::model::{Sender, SenderKind};
use switchboard_protocol::server::Reply;

fn system_message(seq: u64, offset: u64) -> Message {
    Message {
        conversation: ConversationId(5),
        seq: Seq(seq),
        offset: Offset(offset),
        sender: Sender {
            kind: SenderKind::System,
            id: 0,
            name: "Switchboard".into(),
        },
        body: "Maya invited sam@example.com".into(),
        client_msg_id: None,
        at: Millis(9),
        status: None,
        post: None,
        delivery: None,
    }
}

fn invited() -> Reply {
    Reply::Invited(Invited {
        conversation: ConversationId(5),
        email: "sam@example.com".into(),
        user: UserId(8),
    })
}

#[test]
fn a_command_key_keeps_its_result_with_its_message() {
    for (store, dir) in stores() {
        let message = system_message(1, 1);
        let reply = invited();
        let receipt = Receipt {
            user: UserId(3),
            key: "invite-1",
            reply: &reply,
        };
        let entry = Entry::Command {
            message: &message,
            receipt,
        };
        store.commit(TeamId(7), Offset(1), entry).unwrap();
        store.flush().unwrap();

        let check = |store: &dyn Store| {
            assert_eq!(
                store.client_msg(TeamId(7), UserId(3), "invite-1").unwrap(),
                Some(KeyUse::Reply(Box::new(invited())))
            );
            // Another user's key, or another team's, is another key.
            assert_eq!(
                store.client_msg(TeamId(7), UserId(4), "invite-1").unwrap(),
                None
            );
            assert_eq!(
                store.client_msg(TeamId(8), UserId(3), "invite-1").unwrap(),
                None
            );
            let timeline = store.message(ConversationId(5), Seq(1)).unwrap();
            assert_eq!(
                timeline,
                Some(system_message(1, 1)),
                "the message is stored"
            );
        };
        check(store.as_ref());
        if let Some(dir) = dir {
            drop(store);
            check(&reopen(dir.path()));
        }
    }
}

fn new_team(id: u64, handle: &str) -> TeamRecord {
    TeamRecord {
        id: TeamId(id),
        account: AccountId(2),
        name: format!("Team {id}"),
        handle: handle.into(),
        identity: String::new(),
        statuses: vec![],
        max_members: None,
        created_at: Millis(0),
        blast_rate: None,
        widget: Default::default(),
    }
}

fn new_bot(id: u64, team: u64) -> BotRecord {
    BotRecord {
        id: UserId(id),
        team: TeamId(team),
        name: "Screener".into(),
        scope: BotScope::Read,
        created_by: UserId(3),
        created_at: Millis(5),
        revoked: false,
        token_hash: [4; 32],
        webhook: None,
    }
}

/// A reply that names what it answers, to tell receipts apart.
fn reply(n: u64) -> Reply {
    Reply::TeamRemoved { team: TeamId(n) }
}

fn keyed<'a>(key: &'a str, reply: &'a Reply) -> Option<Receipt<'a>> {
    Some(Receipt {
        user: UserId(3),
        key,
        reply,
    })
}

#[test]
fn a_request_keeps_its_receipt_in_the_write_that_makes_its_effect() {
    for (store, dir) in stores() {
        let (team, member, bot) = (reply(1), reply(2), reply(3));
        store
            .create_team(
                &new_team(10, "recruiting"),
                UserId(3),
                keyed("team-1", &team),
            )
            .unwrap();
        store
            .add_member(
                TeamId(10),
                UserId(4),
                Role::Member,
                keyed("member-1", &member),
            )
            .unwrap();
        store
            .create_bot(&new_bot(11, 10), keyed("bot-1", &bot))
            .unwrap();
        // A refused creation (the handle is taken) writes neither part.
        let refused = reply(4);
        let taken = store.create_team(
            &new_team(12, "Recruiting"),
            UserId(3),
            keyed("team-2", &refused),
        );
        assert!(matches!(taken, Err(StoreError::Taken(_))), "{taken:?}");
        // Without a key, the records alone.
        store
            .add_member(TeamId(10), UserId(5), Role::Manager, None)
            .unwrap();
        store.flush().unwrap();

        let check = |store: &dyn Store| {
            let kept =
                |scope: u64, key: &str| store.client_msg(TeamId(scope), UserId(3), key).unwrap();
            // A team's key lives in its account's scope, the others in the team's.
            assert_eq!(kept(2, "team-1"), Some(KeyUse::Reply(Box::new(reply(1)))));
            assert_eq!(
                kept(10, "member-1"),
                Some(KeyUse::Reply(Box::new(reply(2))))
            );
            assert_eq!(kept(10, "bot-1"), Some(KeyUse::Reply(Box::new(reply(3)))));
            assert_eq!(kept(2, "team-2"), None, "a refused request keeps no key");
            assert_eq!(kept(10, "team-1"), None, "another scope is another key");
            assert!(store.team(TeamId(10)).unwrap().is_some());
            assert_eq!(store.team(TeamId(12)).unwrap(), None);
            assert_eq!(store.account_teams(AccountId(2)).unwrap(), [TeamId(10)]);
            assert_eq!(
                store.team_members(TeamId(10)).unwrap(),
                [
                    (UserId(3), Role::Manager),
                    (UserId(4), Role::Member),
                    (UserId(5), Role::Manager)
                ],
                "the owner, made Manager with the team, and the members added"
            );
            assert_eq!(
                store.memberships(UserId(4)).unwrap(),
                [(TeamId(10), Role::Member)]
            );
            assert_eq!(store.team_bots(TeamId(10)).unwrap(), [new_bot(11, 10)]);
        };
        check(store.as_ref());
        if let Some(dir) = dir {
            drop(store);
            check(&reopen(dir.path()));
        }
    }
}
