//! Sign-up answers alike for registered and new addresses; the mail tells
//! the difference to the address's owner alone.

use super::PASSWORD;
use crate::api_client::*;
use crate::util::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_sign_up_answers_the_same_whether_or_not_the_email_is_registered() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let store = server.server.store();
    sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;
    let mails_before = store.mails().unwrap().len();

    let registered = ask_sign_up(server.addr, "Ana@ACME.test", "another password", "X", "Y").await;
    let new = ask_sign_up(server.addr, "sam@shop.test", PASSWORD, "Sam", "Shop").await;
    assert_eq!(registered.status, 202);
    assert_eq!(new.status, 202);
    assert_eq!(registered.body, new.body, "the same bytes");
    assert_eq!(new.json(), serde_json::json!({"status": "check_your_mail"}));
    assert_eq!(
        registered.header("content-length"),
        new.header("content-length")
    );

    // The registered owner is told by mail; the account is unchanged.
    let mails = store.mails().unwrap();
    assert_eq!(mails.len(), mails_before + 2);
    let told = mails
        .iter()
        .find(|m| m.to == "ana@acme.test" && m.subject.contains("tried"));
    let told = told.expect("the owner is told someone tried");
    assert!(
        !told.body.contains("sbs_"),
        "no token for a registered address"
    );
    assert_eq!(
        token_by_login(server.addr, "ana@acme.test", PASSWORD)
            .await
            .len(),
        67
    );

    // The new address exists only once its owner confirms from the mail.
    assert!(store.user_by_email("sam@shop.test").unwrap().is_none());
    let token = confirmation_token(store.as_ref(), "sam@shop.test").expect("a confirmation");
    let confirm = serde_json::json!({"token": token});
    let confirmed = post_json(server.addr, "/api/signup/confirm", &confirm).await;
    assert_eq!(confirmed.status, 201);
    let body = confirmed.json();
    assert_eq!(body["user"]["email"], "sam@shop.test");
    assert_eq!(body["account"]["name"], "Shop");
    let (client, _events) = connect(&server.url(), body["token"].as_str().unwrap()).await;
    assert_eq!(client.welcome().user.email, "sam@shop.test");
    assert_eq!(
        token_by_login(server.addr, "sam@shop.test", PASSWORD)
            .await
            .len(),
        67
    );

    let again = post_json(server.addr, "/api/signup/confirm", &confirm).await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (409, "conflict"),
        "a confirmation works once"
    );
}

/// The median time of `n` sign-ups for the emails `email(i)`.
async fn median_sign_up(
    server: &TestServer,
    n: usize,
    email: impl Fn(usize) -> String,
) -> Duration {
    let mut times = Vec::new();
    for i in 0..n {
        let started = Instant::now();
        let answer = ask_sign_up(server.addr, &email(i), PASSWORD, "X", "Y").await;
        times.push(started.elapsed());
        assert_eq!(answer.status, 202);
    }
    times.sort();
    times[n / 2]
}

#[tokio::test]
async fn a_registered_address_takes_as_long_to_answer_as_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;
    let registered = median_sign_up(&server, 5, |_| "ana@acme.test".into()).await;
    let new = median_sign_up(&server, 5, |i| format!("new{i}@acme.test")).await;
    // Both hash the password: a registered address answering without
    // that work would take a small fraction of the time.
    assert!(
        registered * 3 > new,
        "registered {registered:?}, new {new:?}"
    );
}
