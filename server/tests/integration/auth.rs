//! Sign-up, login and logout over HTTP, and what they mean for WebSocket
//! sessions: tokens that say hello, logouts that cut live connections at
//! once, expiry, and passwords and tokens kept out of the store and logs.

use crate::api_client::*;
use crate::util::*;
use std::time::{Duration, Instant};
use switchboard_client::ClientEvent;
use switchboard_protocol::client::{ClientFrame, Hello};
use switchboard_protocol::codec::Encoding;
use switchboard_protocol::{close, PROTOCOL_VERSION};
use switchboard_server::admin;
use switchboard_server::auth::issue_token;
use switchboard_server::password::{self, Password};
use switchboard_server::store::TokenKind;

const PASSWORD: &str = "tr0ub4dor&3-staple";

/// Says hello with `token` on a raw connection; the close code, if closed.
pub(crate) async fn hello_close_code(url: &str, token: &str) -> Option<u16> {
    let mut raw = Raw::connect(url, Encoding::Json).await;
    raw.send(&ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: token.to_string(),
    }))
    .await;
    raw.close_code().await
}

#[tokio::test]
async fn sign_up_then_log_in_gives_tokens_that_say_hello() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let signed = sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;
    assert_eq!(signed["user"]["email"], "ana@acme.test");
    assert_eq!(signed["user"]["name"], "Ana");
    assert_eq!(signed["user"]["handle"], "ana");
    assert_eq!(signed["account"]["name"], "Acme");
    assert!(signed["account"]["id"].as_u64().is_some());
    let user_id = signed["user"]["id"].as_u64().unwrap();
    let account = admin_account(&server, signed["account"]["id"].as_u64().unwrap());
    assert_eq!(
        account.owner.0, user_id,
        "the new user owns the new account"
    );

    let (client, _events) = connect(&server.url(), signed["token"].as_str().unwrap()).await;
    let welcome = client.welcome();
    assert_eq!(welcome.user.id.0, user_id);
    assert!(welcome.teams.is_empty(), "a new owner has no team yet");

    // The email is matched case-insensitively, surrounding spaces ignored.
    let login = log_in(server.addr, " ANA@acme.test ", PASSWORD).await;
    assert_eq!(login.status, 200);
    assert_eq!(login.header("content-type"), Some("application/json"));
    let body = login.json();
    assert_eq!(body["user"]["id"].as_u64(), Some(user_id));
    let token = body["token"].as_str().unwrap();
    assert_ne!(token, signed["token"].as_str().unwrap(), "a fresh token");
    let (again, _events) = connect(&server.url(), token).await;
    assert_eq!(again.welcome().user.email, "ana@acme.test");
}

fn admin_account(server: &TestServer, id: u64) -> switchboard_server::store::AccountRecord {
    server
        .server
        .store()
        .account(switchboard_protocol::ids::AccountId(id))
        .unwrap()
        .expect("the account exists")
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_byte_identical_401s() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;

    let wrong_password = log_in(server.addr, "ana@acme.test", "tr0ub4dor&3-stapler").await;
    let unknown_email = log_in(server.addr, "nobody@acme.test", PASSWORD).await;
    let not_an_email = log_in(server.addr, "nobody", PASSWORD).await;
    for answer in [&wrong_password, &unknown_email, &not_an_email] {
        assert_eq!(answer.status, 401);
        assert_eq!(
            answer.body, wrong_password.body,
            "the bodies are the same bytes"
        );
    }
    assert_eq!(
        wrong_password.json(),
        serde_json::json!({"error": {"code": "unauthorized", "message": "wrong email or password"}})
    );
}

#[tokio::test]
async fn bad_sign_ups_are_refused_with_a_status_a_code_and_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let signup = |email: &str, password: &str| serde_json::json!({"email": email, "password": password, "name": "Ana", "account_name": "Acme"});
    let addr = server.addr;

    let weak = post_json(addr, "/api/signup", &signup("ana@acme.test", "short")).await;
    assert_eq!(
        (weak.status, weak.error_code().as_str()),
        (400, "bad_request")
    );
    assert_eq!(
        weak.error_message(),
        "the password must have at least 10 characters"
    );

    let bad_email = post_json(addr, "/api/signup", &signup("ana@", PASSWORD)).await;
    assert_eq!(bad_email.status, 400);
    assert!(
        bad_email
            .error_message()
            .contains("is not an email address"),
        "{}",
        bad_email.error_message()
    );

    let no_name = post_json(
        addr,
        "/api/signup",
        &serde_json::json!({"email": "ana@acme.test", "password": PASSWORD, "name": " ", "account_name": "Acme"}),
    )
    .await;
    assert_eq!(no_name.status, 400);
    assert!(
        no_name.error_message().contains("name"),
        "{}",
        no_name.error_message()
    );

    let json = [("Content-Type", "application/json")];
    let malformed = http(addr, "POST", "/api/signup", &json, b"{\"email\": ").await;
    assert_eq!(
        (malformed.status, malformed.error_code().as_str()),
        (400, "bad_request")
    );
    let missing = http(
        addr,
        "POST",
        "/api/login",
        &json,
        b"{\"email\":\"a@b.test\"}",
    )
    .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.error_message().contains("password"),
        "names the missing field: {}",
        missing.error_message()
    );
    let huge = vec![b' '; 17 * 1024];
    let too_large = http(addr, "POST", "/api/login", &json, &huge).await;
    assert_eq!(
        (too_large.status, too_large.error_code().as_str()),
        (413, "too_large")
    );
    let nowhere = http(addr, "POST", "/api/nowhere", &json, b"{}").await;
    assert_eq!(
        (nowhere.status, nowhere.error_code().as_str()),
        (404, "not_found")
    );
    let get = http(addr, "GET", "/api/login", &[], b"").await;
    assert_eq!(
        (get.status, get.error_code().as_str()),
        (405, "method_not_allowed")
    );
}

#[tokio::test]
async fn logout_closes_that_tokens_connections_with_4001_at_once_and_no_other() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let hash = tokio::task::spawn_blocking(|| password::hash(&Password::new(PASSWORD)))
        .await
        .unwrap()
        .unwrap();
    admin::set_password(store.as_ref(), "alice@one.test", hash).unwrap();
    let first = token_by_login(server.addr, "alice@one.test", PASSWORD).await;
    let second = token_by_login(server.addr, "alice@one.test", PASSWORD).await;

    let (leaving, mut leaving_events) = connect(&server.url(), &first).await;
    let (staying, mut staying_events) = connect(&server.url(), &second).await;
    leaving.subscribe(world.team_a).await.unwrap();
    staying.subscribe(world.team_a).await.unwrap();
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let conversation = start_conversation(&bob, world.team_a, "Jordan").await;

    let logout = log_out(server.addr, &first).await;
    assert_eq!(logout.status, 204);
    assert!(logout.body.is_empty());
    let asked = Instant::now();
    bob.send(conversation, "after the logout").await.unwrap();

    let closed = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            match leaving_events.next().await {
                Some(ClientEvent::Closed { code, .. }) => return code,
                Some(ClientEvent::Event(frame)) => {
                    if let switchboard_protocol::server::Event::Message(m) = &frame.event {
                        panic!("a message reached a logged-out connection: {m:?}");
                    }
                }
                Some(other) => assert!(
                    !matches!(other, ClientEvent::Reconnected { .. }),
                    "{other:?}"
                ),
                None => panic!("the stream ended without Closed"),
            }
        }
    })
    .await
    .expect("Closed within a second of the logout");
    assert_eq!(closed, Some(close::UNAUTHORIZED));
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert!(
        leaving_events.next().await.is_none(),
        "no reconnect: the stream ends after Closed"
    );
    assert!(leaving.ping().await.is_err());

    // The other token of the same user is untouched and still live.
    assert_eq!(
        next_message(&mut staying_events).await.body,
        "after the logout"
    );
    staying.ping().await.unwrap();

    assert_eq!(
        hello_close_code(&server.url(), &first).await,
        Some(close::UNAUTHORIZED)
    );
    let again = log_out(server.addr, &first).await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (401, "unauthorized")
    );
    let no_header = http(server.addr, "POST", "/api/logout", &[], b"").await;
    assert_eq!(no_header.status, 401);
}

#[tokio::test]
async fn an_expired_token_is_refused_at_hello_and_at_logout_and_ends_live_sessions() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let issue = |ttl| {
        issue_token(
            store.as_ref(),
            world.alice.user,
            TokenKind::Session,
            Some(ttl),
        )
    };

    let expired = issue(Duration::from_millis(1)).unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        hello_close_code(&server.url(), &expired).await,
        Some(close::UNAUTHORIZED)
    );
    assert_eq!(log_out(server.addr, &expired).await.status, 401);

    // A token that expires while its connection is open ends it.
    let short = issue(Duration::from_millis(1500)).unwrap();
    let (_client, mut events) = connect(&server.url(), &short).await;
    assert_eq!(
        close_code(&mut events).await,
        Some(close::UNAUTHORIZED),
        "closed when the token expires"
    );
}
