//! Sign-ups awaiting confirmation, for both implementations: one per
//! address, confirmed at most once (the user, the account and the mark in
//! one write), expired ones deleted, and (for sled) all of it kept across
//! a reopen, the count included.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::Millis;

fn signup(email: &str, expires_at: u64) -> SignupRecord {
    SignupRecord {
        email: email.into(),
        name: "Ana".into(),
        account_name: "Acme".into(),
        password_hash: Some("$argon2id$stand-in".into()),
        created_at: Millis(1),
        expires_at: Millis(expires_at),
        confirmed: None,
    }
}

fn user(id: u64, email: &str) -> UserRecord {
    UserRecord {
        id: UserId(id),
        email: email.into(),
        name: "Ana".into(),
        handle: "ana".into(),
        created_at: Millis(1),
        password_hash: Some("$argon2id$stand-in".into()),
    }
}

fn account(id: u64, owner: u64) -> AccountRecord {
    AccountRecord {
        id: AccountId(id),
        name: "Acme".into(),
        owner: UserId(owner),
        created_at: Millis(1),
    }
}

#[test]
fn a_newer_sign_up_of_an_address_replaces_the_older() {
    for (store, _dir) in stores() {
        store
            .put_signup(&[1; 32], &signup("ana@acme.test", 100))
            .unwrap();
        store
            .put_signup(&[2; 32], &signup("sam@acme.test", 100))
            .unwrap();
        store
            .put_signup(&[3; 32], &signup("ANA@acme.test", 100))
            .unwrap();
        assert_eq!(store.signup(&[1; 32]).unwrap(), None, "replaced");
        assert_eq!(
            store.signup(&[3; 32]).unwrap().unwrap().email,
            "ANA@acme.test"
        );
        assert_eq!(store.signup_count().unwrap(), 2);
        let confirmed = store
            .confirm_signup(
                &[1; 32],
                &user(7, "ana@acme.test"),
                &account(8, 7),
                Millis(5),
            )
            .unwrap();
        assert_eq!(
            confirmed,
            Confirmation::Unknown,
            "a replaced token confirms nothing"
        );
        assert_eq!(store.user_by_email("ana@acme.test").unwrap(), None);
    }
}

#[test]
fn a_sign_up_is_confirmed_once_with_its_user_and_account() {
    for (store, _dir) in stores() {
        store
            .put_signup(&[1; 32], &signup("ana@acme.test", 100))
            .unwrap();
        let first = store
            .confirm_signup(
                &[1; 32],
                &user(7, "ana@acme.test"),
                &account(8, 7),
                Millis(5),
            )
            .unwrap();
        assert_eq!(first, Confirmation::Created);
        assert_eq!(
            store.user_by_email("Ana@acme.test").unwrap().unwrap().id,
            UserId(7)
        );
        assert_eq!(store.accounts_owned(UserId(7)).unwrap(), [account(8, 7)]);
        let kept = store.signup(&[1; 32]).unwrap().unwrap();
        assert_eq!(kept.password_hash, None, "the hash lives in the user alone");

        // A retry, with the fresh ids it would have drawn: nothing written.
        let again = store
            .confirm_signup(
                &[1; 32],
                &user(9, "ana@acme.test"),
                &account(10, 9),
                Millis(6),
            )
            .unwrap();
        let done = SignupConfirmed {
            user: UserId(7),
            account: AccountId(8),
            at: Millis(5),
        };
        assert_eq!(again, Confirmation::AlreadyConfirmed(done));
        assert_eq!(store.user(UserId(9)).unwrap(), None);
        assert_eq!(store.account(AccountId(10)).unwrap(), None);

        // Expired: unknown, and nothing written.
        store
            .put_signup(&[2; 32], &signup("sam@acme.test", 100))
            .unwrap();
        let late = store
            .confirm_signup(
                &[2; 32],
                &user(11, "sam@acme.test"),
                &account(12, 11),
                Millis(100),
            )
            .unwrap();
        assert_eq!(late, Confirmation::Unknown);
        assert_eq!(store.user(UserId(11)).unwrap(), None);
    }
}

#[test]
fn a_confirmation_of_a_registered_address_writes_nothing() {
    for (store, _dir) in stores() {
        store.put_user(&user(3, "ana@acme.test")).unwrap();
        store
            .put_signup(&[1; 32], &signup("ana@acme.test", 100))
            .unwrap();
        let taken = store.confirm_signup(
            &[1; 32],
            &user(7, "Ana@acme.test"),
            &account(8, 7),
            Millis(5),
        );
        assert!(matches!(taken, Err(StoreError::Taken(_))), "{taken:?}");
        assert_eq!(store.account(AccountId(8)).unwrap(), None);
        let kept = store.signup(&[1; 32]).unwrap().unwrap();
        assert_eq!(kept.confirmed, None);
    }
}

#[test]
fn only_expired_sign_ups_are_deleted_and_pages_walk_them_all() {
    for (store, _dir) in stores() {
        store
            .put_signup(&[1; 32], &signup("a@acme.test", 10))
            .unwrap();
        store
            .put_signup(&[2; 32], &signup("b@acme.test", 100))
            .unwrap();
        store
            .put_signup(&[3; 32], &signup("c@acme.test", 10))
            .unwrap();
        let first = store.signups_after(None, 2).unwrap();
        let hashes: Vec<u8> = first.iter().map(|(hash, _)| hash[0]).collect();
        assert_eq!(hashes, [1, 2]);
        let rest = store.signups_after(Some(&[2; 32]), 2).unwrap();
        assert_eq!(rest.len(), 1);
        assert!(!store.delete_expired_signup(&[2; 32], Millis(50)).unwrap());
        assert!(store.delete_expired_signup(&[1; 32], Millis(50)).unwrap());
        assert!(
            !store.delete_expired_signup(&[1; 32], Millis(50)).unwrap(),
            "gone"
        );
        assert_eq!(store.signup_count().unwrap(), 2);
        // The address's index went with it: a new sign-up of it replaces
        // nothing else.
        store
            .put_signup(&[4; 32], &signup("a@acme.test", 100))
            .unwrap();
        assert_eq!(store.signup_count().unwrap(), 3);
        assert!(store.signup(&[3; 32]).unwrap().is_some());
    }
}

#[test]
fn sled_keeps_sign_ups_and_their_count_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store
            .put_signup(&[1; 32], &signup("a@acme.test", 100))
            .unwrap();
        store
            .put_signup(&[2; 32], &signup("b@acme.test", 100))
            .unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.signup_count().unwrap(), 2);
    assert_eq!(
        store.signup(&[1; 32]).unwrap(),
        Some(signup("a@acme.test", 100))
    );
    store
        .put_signup(&[3; 32], &signup("A@acme.test", 100))
        .unwrap();
    assert_eq!(store.signup_count().unwrap(), 2, "the index survived too");
}
