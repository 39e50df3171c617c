//! The contact book's part of the storage contract, for every
//! implementation: a book write replaces a contact's index entries, a
//! search pages by id through any criterion, a merge moves conversations,
//! and a keyed write keeps its receipt.

use super::contract_tests::stores;
use super::*;
use std::collections::BTreeMap;
use switchboard_protocol::contacts::{ContactChanged, ContactFields, FieldDef, FieldKind};
use switchboard_protocol::ids::{ContactId, Millis};
use switchboard_protocol::server::Reply;

const TEAM: TeamId = TeamId(1);

fn contact(id: u64, name: &str, phone: &str, email: &str, tags: &[&str]) -> ContactRecord {
    let mut c = ContactRecord::new(
        ContactId(id),
        TEAM,
        name.into(),
        (!email.is_empty()).then(|| email.into()),
        (!phone.is_empty()).then(|| phone.into()),
        Millis(id),
    );
    c.tags = tags.iter().map(|t| t.to_string()).collect();
    c
}

fn changed(c: &ContactRecord) -> LogRecord {
    LogRecord::ContactChanged(ContactChanged {
        contact: c.card(),
        conversations: vec![],
    })
}

fn put(store: &dyn Store, offset: u64, contacts: Vec<ContactRecord>) {
    let change = BookChange {
        log: contacts.iter().map(changed).collect(),
        put: contacts,
        ..BookChange::default()
    };
    let entry = Entry::ContactBook {
        change: &change,
        receipt: None,
    };
    store.commit(TEAM, Offset(offset), entry).unwrap();
}

fn ids(found: &[ContactRecord]) -> Vec<u64> {
    found.iter().map(|c| c.id.0).collect()
}

#[test]
fn a_book_write_indexes_contacts_and_a_rewrite_replaces_their_entries() {
    for (store, _dir) in stores() {
        let ana = contact(10, "Ana María Ruiz", "+14155550100", "ana@x.test", &["vip"]);
        let bo = contact(11, "Bo Ruiz", "+14155550101", "", &["vip", "lead"]);
        put(&*store, 1, vec![ana.clone(), bo]);
        assert_eq!(store.stream_head(TEAM).unwrap().last, Offset(2));
        assert_eq!(
            store.contact_by_phone(TEAM, "+14155550100").unwrap(),
            Some(ContactId(10))
        );
        assert_eq!(
            store.contact_by_email(TEAM, "ana@x.test").unwrap(),
            Some(ContactId(10))
        );
        assert_eq!(
            store.contact_by_phone(TeamId(2), "+14155550100").unwrap(),
            None
        );

        let mut moved = ana.clone();
        moved.phones = vec!["+14155550199".into()];
        moved.name = "Ana Ortiz".into();
        put(&*store, 3, vec![moved]);
        assert_eq!(store.contact_by_phone(TEAM, "+14155550100").unwrap(), None);
        assert_eq!(
            store.contact_by_phone(TEAM, "+14155550199").unwrap(),
            Some(ContactId(10))
        );
        let by = |words: &[&str]| ContactSearch {
            words: words.iter().map(|w| w.to_string()).collect(),
            ..ContactSearch::default()
        };
        assert_eq!(
            ids(&store.search_contacts(TEAM, &by(&["ruiz"]), 10).unwrap()),
            [11]
        );
        assert_eq!(
            ids(&store.search_contacts(TEAM, &by(&["ort"]), 10).unwrap()),
            [10]
        );
        assert_eq!(
            ids(&store.search_contacts(TEAM, &by(&["an", "or"]), 10).unwrap()),
            [10]
        );
        assert!(store
            .search_contacts(TeamId(2), &by(&["ort"]), 10)
            .unwrap()
            .is_empty());
    }
}

#[test]
fn a_search_pages_by_id_through_each_criterion() {
    for (store, _dir) in stores() {
        let mut all = Vec::new();
        for i in 0..25u64 {
            let tags: &[&str] = if i % 2 == 0 { &["even"] } else { &["odd"] };
            let mut c = contact(100 + i, &format!("Person {i}"), "", "", tags);
            c.fields = BTreeMap::from([("stage".to_string(), format!("s{}", i % 3))]);
            all.push(c);
        }
        put(&*store, 1, all);
        let mut search = ContactSearch {
            tag: Some("even".into()),
            ..ContactSearch::default()
        };
        let first = store.search_contacts(TEAM, &search, 5).unwrap();
        assert_eq!(ids(&first), [100, 102, 104, 106, 108]);
        search.after = first.last().map(|c| c.id);
        let second = store.search_contacts(TEAM, &search, 5).unwrap();
        assert_eq!(ids(&second), [110, 112, 114, 116, 118]);

        let search = ContactSearch {
            field: Some(("stage".into(), "s1".into())),
            tag: Some("odd".into()),
            ..ContactSearch::default()
        };
        assert_eq!(
            ids(&store.search_contacts(TEAM, &search, 50).unwrap()),
            [101, 107, 113, 119]
        );
        let everyone = ContactSearch {
            after: Some(ContactId(120)),
            ..ContactSearch::default()
        };
        assert_eq!(
            ids(&store.search_contacts(TEAM, &everyone, 50).unwrap()),
            [121, 122, 123, 124]
        );
        let prefix = ContactSearch {
            words: vec!["person".into()],
            after: Some(ContactId(121)),
            ..ContactSearch::default()
        };
        assert_eq!(
            ids(&store.search_contacts(TEAM, &prefix, 2).unwrap()),
            [122, 123]
        );
    }
}

#[test]
fn a_merge_moves_conversations_removes_the_merged_contact_and_keeps_its_receipt() {
    for (store, _dir) in stores() {
        let into = contact(10, "Ana", "+14155550100", "", &[]);
        let from = contact(20, "Ana R", "+14155550200", "ana@x.test", &[]);
        for (offset, (c, conversation)) in [(&into, 30), (&from, 31)].into_iter().enumerate() {
            let record =
                ConversationRecord::new(ConversationId(conversation), TEAM, c.id, Millis(1));
            let entry = Entry::ConversationStarted {
                contact: c,
                conversation: &record,
            };
            store
                .commit(TEAM, Offset(offset as u64 + 1), entry)
                .unwrap();
        }
        assert_eq!(
            store.contact_conversations(ContactId(20)).unwrap(),
            [ConversationId(31)]
        );
        assert_eq!(
            store.contact_by_email(TEAM, "ana@x.test").unwrap(),
            Some(ContactId(20))
        );

        let mut merged = into.clone();
        merged.phones.push("+14155550200".into());
        merged.emails.push("ana@x.test".into());
        let mut conversation = store.conversation(ConversationId(31)).unwrap().unwrap();
        conversation.contact = ContactId(10);
        let change = BookChange {
            put: vec![merged.clone()],
            remove: vec![ContactId(20)],
            moved: vec![conversation],
            fields: None,
            log: vec![changed(&merged)],
        };
        let reply = Reply::Pong;
        let receipt = Receipt {
            user: UserId(7),
            key: "merge-1",
            reply: &reply,
        };
        let entry = Entry::ContactBook {
            change: &change,
            receipt: Some(receipt),
        };
        store.commit(TEAM, Offset(3), entry).unwrap();

        assert_eq!(store.contact(ContactId(20)).unwrap(), None);
        assert_eq!(store.contact(ContactId(10)).unwrap(), Some(merged));
        assert_eq!(
            store.contact_conversations(ContactId(10)).unwrap(),
            [ConversationId(30), ConversationId(31)]
        );
        assert!(store
            .contact_conversations(ContactId(20))
            .unwrap()
            .is_empty());
        assert_eq!(
            store.contact_by_email(TEAM, "ana@x.test").unwrap(),
            Some(ContactId(10))
        );
        assert_eq!(
            store.contact_by_phone(TEAM, "+14155550200").unwrap(),
            Some(ContactId(10))
        );
        assert_eq!(
            store.client_msg(TEAM, UserId(7), "merge-1").unwrap(),
            Some(KeyUse::Reply(Box::new(Reply::Pong)))
        );
        let search = ContactSearch {
            words: vec!["r".into()],
            ..ContactSearch::default()
        };
        assert!(store.search_contacts(TEAM, &search, 10).unwrap().is_empty());
    }
}

#[test]
fn field_definitions_are_kept_per_team_and_logged() {
    for (store, _dir) in stores() {
        assert!(store.contact_fields(TEAM).unwrap().is_empty());
        let fields = vec![FieldDef {
            key: "stage".into(),
            label: "Stage".into(),
            kind: FieldKind::Choice,
            options: vec!["new".into(), "won".into()],
        }];
        let logged = LogRecord::ContactFields(ContactFields {
            fields: fields.clone(),
        });
        let change = BookChange {
            fields: Some(fields.clone()),
            log: vec![logged.clone()],
            ..BookChange::default()
        };
        let entry = Entry::ContactBook {
            change: &change,
            receipt: None,
        };
        store.commit(TEAM, Offset(1), entry).unwrap();
        assert_eq!(store.contact_fields(TEAM).unwrap(), fields);
        assert!(store.contact_fields(TeamId(2)).unwrap().is_empty());
        assert_eq!(
            store.log_range(TEAM, Offset(0), Offset(1), 10).unwrap(),
            [(Offset(1), logged)]
        );
    }
}

#[test]
fn a_search_of_100000_contacts_finds_the_rare_ones_and_pages_the_common_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let mut offset = 1;
    for batch in 0..100u64 {
        let contacts: Vec<_> = (0..1000u64)
            .map(|i| {
                let n = batch * 1000 + i + 1;
                if n == 77_777 {
                    contact(
                        n,
                        "Zebulon Quux",
                        "+14155557777",
                        "zeb@x.test",
                        &["all", "rare"],
                    )
                } else {
                    contact(
                        n,
                        &format!("Person {n}"),
                        &format!("+1415{n:07}"),
                        "",
                        &["all"],
                    )
                }
            })
            .collect();
        let count = contacts.len() as u64;
        put(&store, offset, contacts);
        offset += count;
    }
    let rare = |search: ContactSearch| ids(&store.search_contacts(TEAM, &search, 50).unwrap());
    let words = ContactSearch {
        words: vec!["zeb".into()],
        ..ContactSearch::default()
    };
    assert_eq!(rare(words), [77_777]);
    let phone = ContactSearch {
        phone: Some("+14155557777".into()),
        ..ContactSearch::default()
    };
    assert_eq!(rare(phone), [77_777]);
    let tag = ContactSearch {
        tag: Some("rare".into()),
        ..ContactSearch::default()
    };
    assert_eq!(rare(tag), [77_777]);
    let page = ContactSearch {
        tag: Some("all".into()),
        after: Some(ContactId(99_990)),
        ..ContactSearch::default()
    };
    assert_eq!(rare(page), (99_991..=100_000).collect::<Vec<_>>());
}

#[test]
fn a_store_from_before_the_book_finds_its_contacts_in_it_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let casey = contact(5, "Casey Jones", "+14155550100", "", &[]);
        let conversation = ConversationRecord::new(ConversationId(6), TEAM, casey.id, Millis(1));
        let entry = Entry::ConversationStarted {
            contact: &casey,
            conversation: &conversation,
        };
        store.commit(TEAM, Offset(1), entry).unwrap();
        store.flush().unwrap();
    }
    {
        // What an older server left: the records without the book.
        let db = (0..50)
            .find_map(|_| {
                sled::open(dir.path())
                    .inspect_err(|_| std::thread::sleep(std::time::Duration::from_millis(100)))
                    .ok()
            })
            .unwrap_or_else(|| sled::open(dir.path()).unwrap());
        for tree in [
            "contact_phone",
            "contact_words",
            "team_contacts",
            "contact_conversations",
        ] {
            db.open_tree(tree).unwrap().clear().unwrap();
        }
        db.open_tree("meta")
            .unwrap()
            .remove("contact_book")
            .unwrap();
        db.flush().unwrap();
    }
    let store = super::contract_tests::reopen(dir.path());
    assert_eq!(
        store.contact_by_phone(TEAM, "+14155550100").unwrap(),
        Some(ContactId(5))
    );
    assert_eq!(
        store.contact_conversations(ContactId(5)).unwrap(),
        [ConversationId(6)]
    );
    let casey = ContactSearch {
        words: vec!["cas".into()],
        ..ContactSearch::default()
    };
    assert_eq!(ids(&store.search_contacts(TEAM, &casey, 10).unwrap()), [5]);
}
