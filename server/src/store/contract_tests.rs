//! The storage contract, checked against every implementation: whatever
//! the hub and sessions rely on must hold for sled, for memory and for a
//! cluster node over NATS alike (the last when `nats-server` is on the
//! PATH; see `cluster::nats_server`).

use super::keys;
use super::*;
use crate::time::now;
use switchboard_protocol::ids::{ContactId, Millis};
use switchboard_protocol::model::ReadMarker;
use switchboard_protocol::model::{Sender, SenderKind};

pub(super) fn stores() -> Vec<(Box<dyn Store>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sled = SledStore::open(dir.path()).unwrap();
    let mut stores: Vec<(Box<dyn Store>, Option<tempfile::TempDir>)> = vec![
        (Box::new(MemoryStore::new()), None),
        (Box::new(sled), Some(dir)),
    ];
    if let Some(node) = crate::cluster::nats_server::Fixture::start() {
        // Called from the test's own thread: the node runs on a
        // multi-thread runtime of its own, which the store's calls drive.
        stores.push((node.into_store(), None));
    }
    stores
}

/// Opens a sled store that was just dropped: sled's background flusher can
/// hold the folder's lock for a moment after the last handle goes.
pub(super) fn reopen(dir: &std::path::Path) -> SledStore {
    for _ in 0..50 {
        match SledStore::open(dir) {
            Ok(store) => return store,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
    SledStore::open(dir).unwrap()
}

fn team(id: u64, handle: &str) -> TeamRecord {
    TeamRecord {
        id: TeamId(id),
        account: AccountId(1),
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

fn user(id: u64, email: &str) -> UserRecord {
    UserRecord {
        id: UserId(id),
        email: email.into(),
        name: "U".into(),
        handle: format!("u{id}"),
        created_at: Millis(0),
        password_hash: None,
    }
}

fn message(conversation: u64, seq: u64, offset: u64) -> Message {
    Message {
        conversation: ConversationId(conversation),
        seq: Seq(seq),
        offset: Offset(offset),
        sender: Sender {
            kind: SenderKind::Agent,
            id: 1,
            name: "A".into(),
        },
        body: format!("m{seq}"),
        client_msg_id: Some(format!("c{seq}")),
        at: now(),
        status: None,
        post: None,
        delivery: None,
    }
}

fn seqs(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.seq.0).collect()
}

#[test]
fn handles_and_emails_are_unique_but_a_record_may_be_rewritten() {
    for (store, _dir) in stores() {
        store.put_team(&team(1, "Sales")).unwrap();
        store.put_team(&team(1, "Sales")).unwrap();
        assert!(matches!(
            store.put_team(&team(2, "sales")),
            Err(StoreError::Taken(_))
        ));
        store.put_user(&user(1, "a@x.test")).unwrap();
        store.put_user(&user(1, "a@x.test")).unwrap();
        assert!(matches!(
            store.put_user(&user(2, "A@X.test")),
            Err(StoreError::Taken(_))
        ));
        assert_eq!(
            store.user_by_email("A@x.TEST").unwrap().unwrap().id,
            UserId(1)
        );
    }
}

#[test]
fn a_stream_keeps_its_epoch_and_knows_its_newest_offset() {
    for (store, _dir) in stores() {
        store.put_team(&team(7, "t")).unwrap();
        let empty = store.stream_head(TeamId(7)).unwrap();
        assert_eq!(empty.last, Offset(0));
        for offset in 1..=3 {
            let m = message(9, offset, offset);
            let entry = Entry::Message {
                message: &m,
                idempotency: Some((UserId(1), m.client_msg_id.as_deref().unwrap())),
            };
            store.commit(TeamId(7), Offset(offset), entry).unwrap();
        }
        let head = store.stream_head(TeamId(7)).unwrap();
        assert_eq!(
            head,
            StreamHead {
                epoch: empty.epoch,
                last: Offset(3)
            }
        );
        // Another team's stream is its own.
        assert_eq!(store.stream_head(TeamId(8)).unwrap().last, Offset(0));
        let range = store
            .log_range(TeamId(7), Offset(1), Offset(3), 10)
            .unwrap();
        assert_eq!(range.iter().map(|(o, _)| o.0).collect::<Vec<_>>(), [2, 3]);
        let capped = store
            .log_range(TeamId(7), Offset(0), Offset(2), 10)
            .unwrap();
        assert_eq!(capped.len(), 2, "nothing past upto");
        assert_eq!(
            store.client_msg(TeamId(7), UserId(1), "c2").unwrap(),
            Some(KeyUse::Message {
                conversation: ConversationId(9),
                seq: Seq(2)
            })
        );
        assert_eq!(store.client_msg(TeamId(7), UserId(2), "c2").unwrap(), None);
        assert_eq!(store.client_msg(TeamId(8), UserId(1), "c2").unwrap(), None);
    }
}

#[test]
fn history_pages_walk_both_ways_and_say_when_more_remain() {
    for (store, _dir) in stores() {
        for seq in 1..=10 {
            let m = message(5, seq, seq);
            let entry = Entry::Message {
                message: &m,
                idempotency: None,
            };
            store.commit(TeamId(1), Offset(seq), entry).unwrap();
        }
        // Another conversation's messages never leak into this one's pages.
        let other = message(6, 1, 11);
        store
            .commit(
                TeamId(1),
                Offset(11),
                Entry::Message {
                    message: &other,
                    idempotency: None,
                },
            )
            .unwrap();
        let c = ConversationId(5);
        assert_eq!(store.last_seq(c).unwrap(), Seq(10));
        let (latest, more) = store.messages(c, Page::Latest, 3).unwrap();
        assert_eq!((seqs(&latest), more), (vec![8, 9, 10], true));
        let (before, more) = store.messages(c, Page::Before(Seq(8)), 3).unwrap();
        assert_eq!((seqs(&before), more), (vec![5, 6, 7], true));
        let (first, more) = store.messages(c, Page::Before(Seq(3)), 3).unwrap();
        assert_eq!((seqs(&first), more), (vec![1, 2], false));
        let (after, more) = store.messages(c, Page::After(Seq(0)), 4).unwrap();
        assert_eq!((seqs(&after), more), (vec![1, 2, 3, 4], true));
        let (tail, more) = store.messages(c, Page::After(Seq(7)), 4).unwrap();
        assert_eq!((seqs(&tail), more), (vec![8, 9, 10], false));
        assert_eq!(store.message(c, Seq(4)).unwrap().unwrap().body, "m4");
    }
}

#[test]
fn conversations_list_newest_first_and_read_markers_are_stored() {
    for (store, _dir) in stores() {
        for id in [10u64, 20, 30] {
            let contact = ContactRecord::new(
                ContactId(id + 1),
                TeamId(1),
                format!("c{id}"),
                None,
                None,
                Millis(0),
            );
            let conversation =
                ConversationRecord::new(ConversationId(id), TeamId(1), contact.id, Millis(0));
            let entry = Entry::ConversationStarted {
                contact: &contact,
                conversation: &conversation,
            };
            store.commit(TeamId(1), Offset(id), entry).unwrap();
        }
        let ids = |list: Vec<ConversationRecord>| list.iter().map(|c| c.id.0).collect::<Vec<_>>();
        assert_eq!(
            ids(store.team_conversations(TeamId(1), None, 2).unwrap()),
            [30, 20]
        );
        assert_eq!(
            ids(store
                .team_conversations(TeamId(1), Some(ConversationId(20)), 2)
                .unwrap()),
            [10]
        );
        assert!(store
            .team_conversations(TeamId(2), None, 5)
            .unwrap()
            .is_empty());
        assert_eq!(store.contact(ContactId(21)).unwrap().unwrap().name, "c20");

        let marker = ReadMarker {
            conversation: ConversationId(10),
            user: UserId(3),
            seq: Seq(4),
        };
        store
            .commit(TeamId(1), Offset(31), Entry::Read(&marker))
            .unwrap();
        assert_eq!(
            store.read_marker(ConversationId(10), UserId(3)).unwrap(),
            Seq(4)
        );
        assert_eq!(
            store.read_marker(ConversationId(10), UserId(4)).unwrap(),
            Seq(0)
        );
    }
}

#[test]
fn memberships_list_a_users_teams_with_roles() {
    for (store, _dir) in stores() {
        store
            .put_membership(TeamId(2), UserId(1), Role::Member)
            .unwrap();
        store
            .put_membership(TeamId(1), UserId(1), Role::Manager)
            .unwrap();
        store
            .put_membership(TeamId(1), UserId(2), Role::Member)
            .unwrap();
        store
            .put_membership(TeamId(2), UserId(1), Role::Manager)
            .unwrap();
        assert_eq!(
            store.memberships(UserId(1)).unwrap(),
            [(TeamId(1), Role::Manager), (TeamId(2), Role::Manager)]
        );
    }
}

#[test]
fn tokens_are_found_by_hash_until_deleted() {
    for (store, _dir) in stores() {
        let record = TokenRecord {
            user: UserId(1),
            kind: TokenKind::Session,
            created_at: Millis(1),
            expires_at: Some(Millis(2)),
        };
        store.put_token(&[7; 32], &record).unwrap();
        assert_eq!(store.token(&[7; 32]).unwrap(), Some(record.clone()));
        assert_eq!(store.token(&[8; 32]).unwrap(), None);
        assert_eq!(store.delete_token(&[7; 32]).unwrap(), Some(record));
        assert_eq!(store.token(&[7; 32]).unwrap(), None);
        assert_eq!(store.delete_token(&[7; 32]).unwrap(), None);
    }
}

#[test]
fn a_password_hash_is_kept_and_users_stored_before_passwords_still_read() {
    for (store, _dir) in stores() {
        let mut with = user(1, "a@x.test");
        with.password_hash = Some("$argon2id$v=19$stand-in".into());
        store.put_user(&with).unwrap();
        assert_eq!(store.user(UserId(1)).unwrap(), Some(with));
    }
    // A record as written before the field existed.
    #[derive(serde::Serialize)]
    struct Old {
        id: UserId,
        email: String,
        name: String,
        handle: String,
        created_at: Millis,
    }
    let old = Old {
        id: UserId(3),
        email: "o@x.test".into(),
        name: "O".into(),
        handle: "o".into(),
        created_at: Millis(0),
    };
    let read: UserRecord =
        records::from_bytes("user", &rmp_serde::to_vec_named(&old).unwrap()).unwrap();
    assert_eq!(read.password_hash, None);
    assert_eq!(read.email, "o@x.test");
}

#[test]
fn sled_keeps_everything_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let epoch = {
        let store = SledStore::open(dir.path()).unwrap();
        store.put_team(&team(1, "t")).unwrap();
        let m = message(5, 1, 1);
        store
            .commit(
                TeamId(1),
                Offset(1),
                Entry::Message {
                    message: &m,
                    idempotency: None,
                },
            )
            .unwrap();
        store.flush().unwrap();
        store.stream_head(TeamId(1)).unwrap().epoch
    };
    let store = reopen(dir.path());
    assert_eq!(
        store.stream_head(TeamId(1)).unwrap(),
        StreamHead {
            epoch,
            last: Offset(1)
        }
    );
    assert_eq!(store.last_seq(ConversationId(5)).unwrap(), Seq(1));
}

#[test]
fn ids_are_unique_small_and_keep_counting_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let store = SledStore::open(dir.path()).unwrap();
        let ids: Vec<u64> = (0..3).map(|_| store.next_id().unwrap()).collect();
        assert_eq!(ids, [1, 2, 3]);
        store.flush().unwrap();
        ids
    };
    let store = reopen(dir.path());
    assert_eq!(store.next_id().unwrap(), first[2] + 1);
}

#[test]
fn sled_restores_index_entries_a_crash_separated_from_their_log_record() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store.put_team(&team(1, "t")).unwrap();
        for seq in 1..=3 {
            let m = message(5, seq, seq);
            let entry = Entry::Message {
                message: &m,
                idempotency: Some((UserId(1), m.client_msg_id.as_deref().unwrap())),
            };
            store.commit(TeamId(1), Offset(seq), entry).unwrap();
        }
        store.flush().unwrap();
    }
    {
        // What a crash between the log write and the index writes leaves.
        // (The folder's lock may outlive the store a moment: see `reopen`.)
        let db = (0..50)
            .find_map(|_| {
                sled::open(dir.path())
                    .inspect_err(|_| std::thread::sleep(std::time::Duration::from_millis(100)))
                    .ok()
            })
            .unwrap_or_else(|| sled::open(dir.path()).unwrap());
        let index = db.open_tree("conversation_messages").unwrap();
        index.remove(keys::two(5, 3)).unwrap();
        let ids = db.open_tree("client_msg_ids").unwrap();
        ids.remove(keys::two_and_str(1, 1, "c3")).unwrap();
        db.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.last_seq(ConversationId(5)).unwrap(), Seq(3));
    assert_eq!(
        store
            .message(ConversationId(5), Seq(3))
            .unwrap()
            .unwrap()
            .body,
        "m3"
    );
    assert_eq!(
        store.client_msg(TeamId(1), UserId(1), "c3").unwrap(),
        Some(KeyUse::Message {
            conversation: ConversationId(5),
            seq: Seq(3)
        })
    );
}

mod directory;
