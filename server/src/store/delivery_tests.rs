//! The delivery entry of the storage contract, for every implementation:
//! a bridge's report rewrites the message where it stands (its seq and its
//! own log record keep their places, now with the delivery) and logs the
//! report at its own offset, and (for sled) survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::bridge::{DeliveryStatus, Receipt};
use switchboard_protocol::ids::Millis;
use switchboard_protocol::model::{Sender, SenderKind};

fn reply() -> Message {
    Message {
        conversation: ConversationId(10),
        seq: Seq(1),
        offset: Offset(1),
        sender: Sender {
            kind: SenderKind::Agent,
            id: 3,
            name: "Ada".into(),
        },
        body: "Monday at 9".into(),
        client_msg_id: Some("r-1".into()),
        at: Millis(5),
        status: None,
        post: None,
        delivery: None,
    }
}

#[test]
fn a_delivery_rewrites_the_message_in_place_and_logs_the_report() {
    for (store, dir) in stores() {
        let original = reply();
        let entry = Entry::Message {
            message: &original,
            idempotency: Some((UserId(3), "r-1")),
        };
        store.commit(TeamId(7), Offset(1), entry).unwrap();
        let report = Receipt {
            conversation: ConversationId(10),
            seq: Seq(1),
            status: DeliveryStatus::Delivered,
            at: Millis(9),
            detail: Some("gw-1".into()),
        };
        let mut delivered = original.clone();
        delivered.delivery = Some(report.delivery());
        let entry = Entry::Delivery {
            message: &delivered,
            report: &report,
        };
        store.commit(TeamId(7), Offset(2), entry).unwrap();
        store.flush().unwrap();
        let check = |store: &dyn Store| {
            assert_eq!(
                store.message(ConversationId(10), Seq(1)).unwrap(),
                Some(delivered.clone())
            );
            let (page, _) = store
                .messages(ConversationId(10), Page::Latest, 10)
                .unwrap();
            assert_eq!(page, vec![delivered.clone()]);
            assert_eq!(store.last_seq(ConversationId(10)).unwrap(), Seq(1));
            assert_eq!(
                store
                    .log_range(TeamId(7), Offset(0), Offset(2), 10)
                    .unwrap(),
                vec![
                    (Offset(1), LogRecord::Message(delivered.clone())),
                    (Offset(2), LogRecord::Receipt(report.clone())),
                ]
            );
            // The key still finds the message.
            assert_eq!(
                store.client_msg(TeamId(7), UserId(3), "r-1").unwrap(),
                Some(KeyUse::Message {
                    conversation: ConversationId(10),
                    seq: Seq(1)
                })
            );
        };
        check(store.as_ref());
        if let Some(dir) = dir {
            drop(store);
            check(&reopen(dir.path()));
        }
    }
}
