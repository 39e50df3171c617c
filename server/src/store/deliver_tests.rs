//! The delivery entries of the storage contract, for both implementations:
//! a delivery writes its records, its conversation and (to a team) its
//! pending handoff at once; an import writes the new conversation and its
//! messages and takes the handoff away at once.

use super::contract_tests::stores;
use super::*;
use switchboard_protocol::deliver::{DeliveredTo, Outcome};
use switchboard_protocol::ids::{ContactId, Millis};
use switchboard_protocol::model::{ConversationStatus, Sender, SenderKind};
use switchboard_protocol::server::Reply;

const FROM: TeamId = TeamId(1);
const TO: TeamId = TeamId(2);

fn contact(id: u64, team: TeamId) -> ContactRecord {
    ContactRecord::new(ContactId(id), team, "Casey".into(), None, None, Millis(1))
}

fn conversation(id: u64, team: TeamId, contact: ContactId) -> ConversationRecord {
    ConversationRecord::new(ConversationId(id), team, contact, Millis(1))
}

fn system(conversation: u64, seq: u64, offset: u64) -> Message {
    Message {
        conversation: ConversationId(conversation),
        seq: Seq(seq),
        offset: Offset(offset),
        sender: Sender {
            kind: SenderKind::System,
            id: 0,
            name: "Switchboard".into(),
        },
        body: format!("system {seq}"),
        client_msg_id: None,
        at: Millis(5),
        status: None,
        post: None,
        delivery: None,
    }
}

#[test]
fn a_delivery_to_a_user_writes_message_assignees_outcome_and_status_at_once() {
    for (store, _dir) in stores() {
        let casey = contact(10, FROM);
        let mut record = conversation(11, FROM, casey.id);
        let started = Entry::ConversationStarted {
            contact: &casey,
            conversation: &record,
        };
        store.commit(FROM, Offset(1), started).unwrap();
        let message = system(11, 1, 2);
        let update = switchboard_protocol::assign::Assignees {
            conversation: record.id,
            assignees: vec![UserId(4)],
        };
        let outcome = Outcome {
            conversation: record.id,
            team: FROM,
            seq: Seq(1),
            by: UserId(3),
            by_name: "Maya".into(),
            to: DeliveredTo::User {
                user: UserId(4),
                name: "Sam".into(),
            },
            status: Some("hired".into()),
            note: None,
            at: Millis(5),
        };
        record.status = ConversationStatus::Delivered;
        record.outcome = Some(outcome.clone());
        let reply = Reply::Delivered(outcome.clone());
        let entry = Entry::Delivered {
            message: &message,
            assignees: Some(&update),
            outcome: &outcome,
            conversation: &record,
            handoff: None,
            receipt: Some(Receipt {
                user: outcome.by,
                key: "deliver-1",
                reply: &reply,
            }),
        };
        assert_eq!(entry.last_offset(Offset(2)), Offset(4));
        store.commit(FROM, Offset(2), entry).unwrap();
        // The key keeps the original result, in the same write.
        assert_eq!(
            store.client_msg(FROM, outcome.by, "deliver-1").unwrap(),
            Some(KeyUse::Reply(Box::new(reply)))
        );

        assert_eq!(store.stream_head(FROM).unwrap().last, Offset(4));
        let log = store.log_range(FROM, Offset(1), Offset(4), 10).unwrap();
        assert_eq!(
            log,
            [
                (Offset(2), LogRecord::Message(message.clone())),
                (Offset(3), LogRecord::Assignees(update.clone())),
                (Offset(4), LogRecord::Delivered(outcome.clone())),
            ]
        );
        assert_eq!(store.message(record.id, Seq(1)).unwrap(), Some(message));
        assert_eq!(store.assignees(record.id).unwrap(), vec![UserId(4)]);
        assert_eq!(store.conversation(record.id).unwrap(), Some(record));
        assert!(store.handoff_teams().unwrap().is_empty());
    }
}

#[test]
fn a_handoff_is_pending_from_the_delivery_until_its_import_takes_it() {
    for (store, _dir) in stores() {
        let casey = contact(10, FROM);
        let mut source = conversation(11, FROM, casey.id);
        let started = Entry::ConversationStarted {
            contact: &casey,
            conversation: &source,
        };
        store.commit(FROM, Offset(1), started).unwrap();
        let message = system(11, 1, 2);
        let outcome = Outcome {
            conversation: source.id,
            team: FROM,
            seq: Seq(1),
            by: UserId(3),
            by_name: "Maya".into(),
            to: DeliveredTo::Team {
                team: TO,
                name: "Sales".into(),
                conversation: ConversationId(20),
            },
            status: None,
            note: Some("call back".into()),
            at: Millis(5),
        };
        let handoff = HandoffRecord {
            to_team: TO,
            conversation: ConversationId(20),
            from_team: FROM,
            from_team_name: "Team 1".into(),
            source: source.id,
            through: Seq(1),
            contact: casey.clone(),
            by: UserId(3),
            by_name: "Maya".into(),
            status: None,
            note: Some("call back".into()),
            at: Millis(5),
        };
        source.status = ConversationStatus::Delivered;
        source.outcome = Some(outcome.clone());
        let entry = Entry::Delivered {
            message: &message,
            assignees: None,
            outcome: &outcome,
            conversation: &source,
            handoff: Some(&handoff),
            receipt: None,
        };
        assert_eq!(entry.last_offset(Offset(2)), Offset(3));
        store.commit(FROM, Offset(2), entry).unwrap();
        assert_eq!(store.handoff_teams().unwrap(), [TO]);
        assert_eq!(store.handoffs(TO).unwrap(), std::slice::from_ref(&handoff));
        assert!(store.handoffs(FROM).unwrap().is_empty());

        let copy = contact(21, TO);
        let received = conversation(20, TO, copy.id);
        let messages = [system(20, 1, 2), system(20, 2, 3)];
        let entry = Entry::HandoffImported {
            handoff: &handoff,
            contact: &copy,
            conversation: &received,
            messages: &messages,
        };
        assert_eq!(entry.last_offset(Offset(1)), Offset(3));
        store.commit(TO, Offset(1), entry).unwrap();
        assert!(store.handoffs(TO).unwrap().is_empty());
        assert!(store.handoff_teams().unwrap().is_empty());
        assert_eq!(store.conversation(received.id).unwrap(), Some(received));
        assert_eq!(store.contact(copy.id).unwrap(), Some(copy));
        assert_eq!(store.team_conversations(TO, None, 10).unwrap().len(), 1);
        let (page, more) = store
            .messages(ConversationId(20), Page::Latest, 10)
            .unwrap();
        assert_eq!(page, messages);
        assert!(!more);
        assert_eq!(store.stream_head(TO).unwrap().last, Offset(3));
    }
}
