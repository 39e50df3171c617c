//! The blasts of the storage contract, for every implementation (memory,
//! sled and, when `nats-server` is found, the cluster's store): records
//! by team, newest first, the running ones for a restart; recipients by
//! contact, paged, a sent one indexed under its conversation; replies a
//! set; and (for sled) all of it survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::blast::{BlastInfo, BlastRecipient, BlastStatus, RecipientState};
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::ids::{BlastId, ContactId, Millis, Seq};

fn blast(id: u64, team: u64, status: BlastStatus) -> BlastRecord {
    BlastRecord {
        info: BlastInfo {
            id: BlastId(id),
            team: TeamId(team),
            name: format!("Blast {id}"),
            template: "Hi {{first_name}}".into(),
            created_by: UserId(3),
            created_at: Millis(10),
            status,
            total: 3,
            sent: 0,
            skipped: 0,
            failed: 0,
            replies: 0,
            rate: 5,
        },
        audience: ContactQuery::default(),
        key: format!("k{id}"),
    }
}

fn pending(contact: u64) -> BlastRecipient {
    BlastRecipient {
        contact: ContactId(contact),
        name: format!("C{contact}"),
        state: RecipientState::Pending,
        conversation: None,
        seq: None,
        replied: false,
    }
}

fn check(store: &dyn Store) {
    let ids = |records: Vec<BlastRecord>| records.iter().map(|b| b.info.id.0).collect::<Vec<_>>();
    assert_eq!(ids(store.team_blasts(TeamId(1), 10).unwrap()), vec![3, 1]);
    assert_eq!(store.blast_count(TeamId(1)).unwrap(), 2);
    assert_eq!(ids(store.running_blasts().unwrap()), vec![1, 2]);
    let page = store
        .blast_recipients(TeamId(1), BlastId(1), Some(ContactId(10)), 10)
        .unwrap();
    let contacts: Vec<u64> = page.iter().map(|r| r.contact.0).collect();
    assert_eq!(contacts, vec![11, 12], "after 10, by contact");
    assert_eq!(page[0].state, RecipientState::Sent);
    let sends = store.blast_sends(ConversationId(50)).unwrap();
    assert_eq!(
        sends,
        vec![BlastSend {
            team: TeamId(1),
            blast: BlastId(1),
            contact: ContactId(11),
            seq: Seq(4),
        }]
    );
    assert!(store
        .blast_replied(TeamId(1), BlastId(1), ContactId(11))
        .unwrap());
    assert!(!store
        .blast_replied(TeamId(1), BlastId(1), ContactId(10))
        .unwrap());
    assert_eq!(store.blast_reply_count(TeamId(1), BlastId(1)).unwrap(), 1);
}

#[test]
fn blasts_recipients_sends_and_replies_are_kept() {
    for (boxed, dir) in stores() {
        let store = boxed.as_ref();
        store.put_blast(&blast(1, 1, BlastStatus::Running)).unwrap();
        store.put_blast(&blast(2, 2, BlastStatus::Running)).unwrap();
        store.put_blast(&blast(3, 1, BlastStatus::Paused)).unwrap();
        let all = [pending(10), pending(11), pending(12)];
        store
            .put_blast_recipients(TeamId(1), BlastId(1), &all)
            .unwrap();
        // Another blast's recipients are its own.
        store
            .put_blast_recipients(TeamId(1), BlastId(3), &all)
            .unwrap();
        let sent = BlastRecipient {
            state: RecipientState::Sent,
            conversation: Some(ConversationId(50)),
            seq: Some(Seq(4)),
            ..pending(11)
        };
        store
            .put_blast_recipients(TeamId(1), BlastId(1), &[sent])
            .unwrap();
        assert!(store
            .put_blast_reply(TeamId(1), BlastId(1), ContactId(11))
            .unwrap());
        assert!(
            !store
                .put_blast_reply(TeamId(1), BlastId(1), ContactId(11))
                .unwrap(),
            "a second reply is not new"
        );
        assert_eq!(
            store
                .blast(TeamId(1), BlastId(3))
                .unwrap()
                .map(|b| b.info.status),
            Some(BlastStatus::Paused)
        );
        assert!(
            store.blast(TeamId(2), BlastId(1)).unwrap().is_none(),
            "by team"
        );
        check(store);
        if let Some(dir) = dir {
            store.flush().unwrap();
            drop(boxed);
            check(&reopen(dir.path()));
        }
    }
}
