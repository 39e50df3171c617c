//! Read markers in the storage contract, for both implementations: a
//! person's or bot's own message moves their marker to it, a contact's or
//! the system's moves none, and no marker ever moves back.

use super::contract_tests::stores;
use super::*;
use crate::time::now;
use switchboard_protocol::model::ReadMarker;
use switchboard_protocol::model::Sender;

fn message(seq: u64, kind: SenderKind, sender: u64) -> Message {
    Message {
        conversation: ConversationId(10),
        seq: Seq(seq),
        offset: Offset(seq),
        sender: Sender {
            kind,
            id: sender,
            name: "S".into(),
        },
        body: format!("m{seq}"),
        client_msg_id: None,
        at: now(),
        status: None,
        post: None,
        delivery: None,
    }
}

#[test]
fn a_senders_own_message_moves_their_marker_and_no_one_elses() {
    for (store, _dir) in stores() {
        let commit = |m: Message| {
            let entry = Entry::Message {
                message: &m,
                idempotency: None,
            };
            store.commit(TeamId(7), m.offset, entry).unwrap();
        };
        let marker = |user: u64| store.read_marker(ConversationId(10), UserId(user)).unwrap();
        commit(message(1, SenderKind::Contact, 5));
        commit(message(2, SenderKind::Agent, 3));
        commit(message(3, SenderKind::Bot, 4));
        commit(message(4, SenderKind::System, 0));
        assert_eq!(marker(3), Seq(2), "the agent read up to their reply");
        assert_eq!(marker(4), Seq(3), "so did the bot");
        assert_eq!(marker(5), Seq(0), "a contact has no marker");
        assert_eq!(marker(0), Seq(0), "the system has none");

        // A marker set further on stays there when an older message of
        // the same sender is indexed again (a repair).
        let read = ReadMarker {
            conversation: ConversationId(10),
            user: UserId(3),
            seq: Seq(4),
        };
        store
            .commit(TeamId(7), Offset(5), Entry::Read(&read))
            .unwrap();
        commit(message(2, SenderKind::Agent, 3));
        assert_eq!(marker(3), Seq(4), "markers never move back");
    }
}

#[test]
fn a_conversations_markers_are_listed_by_user_and_no_other_conversations() {
    for (store, _dir) in stores() {
        let mark = |offset: u64, conversation: u64, user: u64, seq: u64| {
            let read = ReadMarker {
                conversation: ConversationId(conversation),
                user: UserId(user),
                seq: Seq(seq),
            };
            store
                .commit(TeamId(7), Offset(offset), Entry::Read(&read))
                .unwrap();
        };
        assert_eq!(store.read_markers(ConversationId(10)).unwrap(), vec![]);
        mark(1, 10, 9, 2);
        mark(2, 10, 3, 5);
        mark(3, 11, 4, 1);
        mark(4, 9, 5, 1);
        let mut reply = message(6, SenderKind::Agent, 4);
        reply.offset = Offset(5);
        let entry = Entry::Message {
            message: &reply,
            idempotency: None,
        };
        store.commit(TeamId(7), reply.offset, entry).unwrap();
        assert_eq!(
            store.read_markers(ConversationId(10)).unwrap(),
            vec![
                (UserId(3), Seq(5)),
                (UserId(4), Seq(6)),
                (UserId(9), Seq(2)),
            ],
            "conversation 10's markers, a sender's own message included, by user"
        );
        assert_eq!(
            store.read_markers(ConversationId(11)).unwrap(),
            vec![(UserId(4), Seq(1))]
        );
    }
}
