//! The post entry of the storage contract, for every implementation: one
//! commit stores the post, lists it under its team with its status, logs
//! it whole as `post_changed` and keeps the request's receipt; listings
//! page by id and filter by the status as it now is; and (for sled) all
//! of it survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::content::{PostInfo, PostStatus};
use switchboard_protocol::ids::{Millis, PostId};
use switchboard_protocol::server::Reply;

fn post(id: u64, team: u64, status: PostStatus) -> PostInfo {
    PostInfo {
        id: PostId(id),
        team: TeamId(team),
        kind: "job".into(),
        title: format!("Post {id}"),
        body: "Drive a forklift".into(),
        link: Some("https://jobs.example.com/1".into()),
        location: None,
        status,
        created_by: UserId(3),
        created_at: Millis(10),
        updated_at: Millis(10 + id),
    }
}

fn ids(posts: &[PostInfo]) -> Vec<u64> {
    posts.iter().map(|p| p.id.0).collect()
}

#[test]
fn a_saved_post_is_stored_listed_logged_and_keyed_in_one_commit() {
    for (store, dir) in stores() {
        let created = post(40, 1, PostStatus::Open);
        let reply = Reply::Post(created.clone());
        let receipt = Receipt {
            user: UserId(3),
            key: "create-40",
            reply: &reply,
        };
        let entry = Entry::PostSaved {
            post: &created,
            receipt: Some(receipt),
        };
        store.commit(TeamId(1), Offset(1), entry).unwrap();
        store.flush().unwrap();
        let check = |store: &dyn Store| {
            assert_eq!(store.post(PostId(40)).unwrap(), Some(created.clone()));
            assert_eq!(store.post(PostId(41)).unwrap(), None);
            assert_eq!(
                ids(&store.team_posts(TeamId(1), None, None, 10).unwrap()),
                [40]
            );
            assert_eq!(
                store
                    .log_range(TeamId(1), Offset(0), Offset(1), 10)
                    .unwrap(),
                vec![(
                    Offset(1),
                    LogRecord::PostChanged {
                        post: created.clone()
                    }
                )]
            );
            assert_eq!(
                store.client_msg(TeamId(1), UserId(3), "create-40").unwrap(),
                Some(KeyUse::Reply(Box::new(reply.clone())))
            );
            assert_eq!(store.stream_head(TeamId(1)).unwrap().last, Offset(1));
        };
        check(store.as_ref());
        if let Some(dir) = dir {
            drop(store);
            check(&reopen(dir.path()));
        }
    }
}

#[test]
fn listings_page_by_id_and_filter_by_the_current_status() {
    for (store, _dir) in stores() {
        let mut offset = Offset(0);
        let mut commit = |store: &dyn Store, saved: &PostInfo| {
            offset = offset.next();
            let entry = Entry::PostSaved {
                post: saved,
                receipt: None,
            };
            store.commit(saved.team, offset, entry).unwrap();
        };
        for id in 1..=5 {
            commit(store.as_ref(), &post(id, 1, PostStatus::Open));
        }
        // Another team's post, between team 1's ids, is never listed there.
        commit(store.as_ref(), &post(6, 2, PostStatus::Open));
        commit(store.as_ref(), &post(7, 1, PostStatus::Open));
        // Closing two posts moves them from one filter to the other.
        for id in [2, 4] {
            commit(store.as_ref(), &post(id, 1, PostStatus::Closed));
        }
        let list = |status, after: Option<u64>, limit| {
            ids(&store
                .team_posts(TeamId(1), status, after.map(PostId), limit)
                .unwrap())
        };
        assert_eq!(list(None, None, 10), [1, 2, 3, 4, 5, 7]);
        assert_eq!(list(Some(PostStatus::Open), None, 10), [1, 3, 5, 7]);
        assert_eq!(list(Some(PostStatus::Closed), None, 10), [2, 4]);
        assert_eq!(list(None, None, 2), [1, 2]);
        assert_eq!(list(None, Some(2), 2), [3, 4]);
        assert_eq!(list(Some(PostStatus::Open), Some(3), 1), [5]);
        assert_eq!(list(Some(PostStatus::Open), Some(7), 10), Vec::<u64>::new());
        assert_eq!(list(None, Some(u64::MAX), 10), Vec::<u64>::new());
        assert_eq!(
            store.post(PostId(4)).unwrap().map(|p| p.status),
            Some(PostStatus::Closed)
        );
        assert_eq!(
            ids(&store.team_posts(TeamId(2), None, None, 10).unwrap()),
            [6]
        );
    }
}

#[test]
fn a_backup_restored_keeps_every_post_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = SledStore::open(&data).unwrap();
    for (offset, saved) in [
        post(1, 1, PostStatus::Open),
        post(2, 1, PostStatus::Open),
        post(2, 1, PostStatus::Closed),
    ]
    .iter()
    .enumerate()
    {
        let entry = Entry::PostSaved {
            post: saved,
            receipt: None,
        };
        store
            .commit(TeamId(1), Offset(offset as u64 + 1), entry)
            .unwrap();
    }
    store.flush().unwrap();
    let file = dir.path().join("backup");
    store.backup(&file).unwrap();
    drop(store);
    let restored = dir.path().join("restored");
    SledStore::restore(&file, &restored, false).unwrap();
    let store = reopen(&restored);
    let open = store
        .team_posts(TeamId(1), Some(PostStatus::Open), None, 10)
        .unwrap();
    assert_eq!(ids(&open), [1]);
    assert_eq!(
        store.post(PostId(2)).unwrap().map(|p| p.status),
        Some(PostStatus::Closed)
    );
}
