//! Password attempts past their rate get 429 with `Retry-After`, before
//! any hashing; a flood past the hashing queue gets 503 at once.

use super::PASSWORD;
use crate::api_client::*;
use crate::util::{started_with, TestServer};
use switchboard_server::config::AuthLimits;

/// A server on a fresh folder whose password attempts `limits` bound.
async fn with_limits(limits: AuthLimits) -> (tempfile::TempDir, TestServer) {
    started_with(|config| config.auth = limits).await
}

#[tokio::test]
async fn attempts_past_the_rate_of_an_email_or_an_address_get_429_with_retry_after() {
    let (_dir, server) = with_limits(AuthLimits {
        per_email_burst: 4,
        per_email_per_minute: 1,
        per_address_burst: 8,
        per_address_per_minute: 1,
        ..AuthLimits::default()
    })
    .await;
    sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;
    let addr = server.addr;

    // The sign-up spent one of ana's four attempts (and, with its
    // confirmation, two of the address's eight): three wrong guesses, then
    // even the right password waits.
    for _ in 0..2 {
        assert_eq!(
            log_in(addr, "ana@acme.test", "a wrong guess!").await.status,
            401
        );
    }
    assert_eq!(
        log_in(addr, "ANA@acme.test", "a wrong guess!").await.status,
        401
    );
    let throttled = log_in(addr, "ana@acme.test", PASSWORD).await;
    assert_eq!(
        (throttled.status, throttled.error_code().as_str()),
        (429, "too_many_requests")
    );
    let retry: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    // Another email is not throttled by ana's; the address runs out after
    // its burst, whatever the email.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let email = format!("nobody{i}@acme.test");
        statuses.push(log_in(addr, &email, PASSWORD).await.status);
    }
    assert_eq!(statuses[..2], [401, 401], "{statuses:?}");
    assert_eq!(statuses[2..], [429, 429], "{statuses:?}");
    let signup = ask_sign_up(addr, "new@acme.test", PASSWORD, "New", "New").await;
    assert_eq!(signup.status, 429, "sign-up counts too");
}

#[tokio::test]
async fn a_login_flood_past_the_hashing_queue_is_refused_at_once_with_503() {
    // No throttle: only the hashing queue refuses.
    let (_dir, server) = with_limits(AuthLimits {
        per_address_per_minute: 0,
        per_email_per_minute: 0,
        hash_concurrency: 1,
        hash_queue: 1,
        ..AuthLimits::default()
    })
    .await;
    let addr = server.addr;
    let logins: Vec<_> = (0..12)
        .map(|i| {
            tokio::spawn(async move { log_in(addr, &format!("u{i}@acme.test"), PASSWORD).await })
        })
        .collect();
    let mut busy = 0;
    for login in logins {
        let answer = login.await.unwrap();
        match answer.status {
            401 => {}
            503 => {
                busy += 1;
                assert_eq!(answer.error_code(), "busy");
                assert_eq!(answer.header("retry-after"), Some("1"));
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        busy > 0,
        "12 at once against 1 slot and 1 place in the queue"
    );
    // Once the flood has passed, logins are checked again.
    assert_eq!(log_in(addr, "u0@acme.test", PASSWORD).await.status, 401);
}
