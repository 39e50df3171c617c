//! The receipts of idempotency keys, for both implementations: a command's
//! key keeps its result, written with its system message in one entry; a
//! request outside any stream keeps one of its own; a message's key still
//! points at the message; and (for sled) all of it survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::Millis;
use switchboard_protocol::invite::Invited;
use switchboard_protocol::model::{Sender, SenderKind};

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
        let team = Reply::Pong;
        let created = Receipt {
            user: UserId(3),
            key: "team-1",
            reply: &team,
        };
        store.put_receipt(2, created).unwrap();
        store.flush().unwrap();

        let check = |store: &dyn Store| {
            assert_eq!(
                store.client_msg(TeamId(7), UserId(3), "invite-1").unwrap(),
                Some(KeyUse::Reply(Box::new(invited())))
            );
            assert_eq!(
                store.client_msg(TeamId(2), UserId(3), "team-1").unwrap(),
                Some(KeyUse::Reply(Box::new(Reply::Pong)))
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
