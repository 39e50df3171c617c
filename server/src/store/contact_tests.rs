//! The contact-update entry of the storage contract, for both
//! implementations: one commit replaces the contact and logs the event at
//! its offset, whole, for replays.

use super::contract_tests::stores;
use super::*;
use switchboard_protocol::ids::{ContactId, Millis};
use switchboard_protocol::manage::ContactUpdated;

#[test]
fn a_contact_update_replaces_the_contact_and_logs_the_event() {
    for (store, _dir) in stores() {
        let mut contact = ContactRecord::new(
            ContactId(5),
            TeamId(1),
            "Casey".into(),
            None,
            Some("+1 555 0100".into()),
            Millis(1),
        );
        let conversation =
            ConversationRecord::new(ConversationId(6), TeamId(1), contact.id, Millis(1));
        let started = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        store.commit(TeamId(1), Offset(1), started).unwrap();
        contact.emails = vec!["casey@new.test".into()];
        contact.phones.clear();
        let update = ContactUpdated {
            conversation: conversation.id,
            contact: contact.id,
            name: contact.name.clone(),
            email: contact.emails.first().cloned(),
            phone: None,
        };
        let entry = Entry::ContactUpdated {
            contact: &contact,
            update: &update,
        };
        store.commit(TeamId(1), Offset(2), entry).unwrap();
        assert_eq!(store.contact(contact.id).unwrap(), Some(contact.clone()));
        let log = store
            .log_range(TeamId(1), Offset(1), Offset(2), 10)
            .unwrap();
        assert_eq!(log, vec![(Offset(2), LogRecord::ContactUpdated(update))]);
        assert_eq!(store.stream_head(TeamId(1)).unwrap().last, Offset(2));
    }
}
