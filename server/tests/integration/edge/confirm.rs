//! A pending sign-up is kept on disk: its mailed link works after a
//! restart, creates one account however often it is used, and goes away
//! when it expires or a newer sign-up of the address replaces it.

use super::PASSWORD;
use crate::api_client::*;
use crate::util::*;
use std::time::Duration;
use switchboard_protocol::ids::Millis;
use switchboard_server::store::SignupRecord;

async fn confirm(server: &TestServer, token: &str) -> HttpAnswer {
    let body = serde_json::json!({ "token": token });
    post_json(server.addr, "/api/signup/confirm", &body).await
}

/// Asks to sign up `email`; panics unless answered 202; returns the token
/// mailed for it.
async fn asked(server: &TestServer, email: &str) -> String {
    let answer = ask_sign_up(server.addr, email, PASSWORD, "Sam", "Shop").await;
    assert_eq!(answer.status, 202);
    confirmation_token(server.server.store().as_ref(), email).expect("a confirmation mail")
}

#[tokio::test]
async fn a_mailed_confirmation_still_works_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = asked(&server, "sam@shop.test").await;
    server.server.shutdown().await;

    let server = TestServer::start(dir.path()).await;
    let confirmed = confirm(&server, &token).await;
    assert_eq!(
        confirmed.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&confirmed.body)
    );
    assert_eq!(confirmed.json()["account"]["name"], "Shop");
    let session = token_by_login(server.addr, "sam@shop.test", PASSWORD).await;
    let (client, _events) = connect(&server.url(), &session).await;
    assert_eq!(client.welcome().user.email, "sam@shop.test");
}

#[tokio::test]
async fn a_confirmation_sent_twice_creates_one_account() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let token = asked(&server, "sam@shop.test").await;

    // Two at once (a double click), then a retry after a restart.
    let (first, second) = tokio::join!(confirm(&server, &token), confirm(&server, &token));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "one creates, the other is told");
    let told = if first.status == 409 { first } else { second };
    assert_eq!(told.error_code(), "conflict");
    let message = told.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("already confirmed"), "{message}");
    server.server.shutdown().await;
    let server = TestServer::start(dir.path()).await;
    let retry = confirm(&server, &token).await;
    assert_eq!((retry.status, retry.json()), (409, told.json()));

    let store = server.server.store();
    let user = store.user_by_email("sam@shop.test").unwrap().unwrap();
    assert_eq!(store.accounts_owned(user.id).unwrap().len(), 1);
    token_by_login(server.addr, "sam@shop.test", PASSWORD).await;
}

#[tokio::test]
async fn a_newer_sign_up_of_an_address_replaces_the_older_link() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let older = asked(&server, "sam@shop.test").await;
    let newer = asked(&server, "SAM@shop.test").await;
    assert_ne!(older, newer);
    assert_eq!(server.server.store().signup_count().unwrap(), 1);
    let stale = confirm(&server, &older).await;
    assert_eq!(
        (stale.status, stale.error_code().as_str()),
        (401, "unauthorized")
    );
    assert_eq!(confirm(&server, &newer).await.status, 201);
}

#[tokio::test]
async fn the_sweep_deletes_expired_sign_ups_and_keeps_live_ones() {
    let (_dir, server) = started_with(|config| {
        config.sweep_interval = Duration::from_millis(50);
    })
    .await;
    let live = asked(&server, "sam@shop.test").await;
    let store = server.server.store();
    let expired = SignupRecord {
        email: "old@shop.test".into(),
        name: "Old".into(),
        account_name: "Old".into(),
        password_hash: Some("$argon2id$stand-in".into()),
        created_at: Millis(0),
        expires_at: Millis(1),
        confirmed: None,
    };
    store.put_signup(&[1; 32], &expired).unwrap();
    assert_eq!(store.signup_count().unwrap(), 2);

    let deadline = std::time::Instant::now() + PATIENCE;
    while store.signup(&[1; 32]).unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "swept in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(store.signup_count().unwrap(), 1);
    assert_eq!(
        confirm(&server, &live).await.status,
        201,
        "the live one stays"
    );
}
