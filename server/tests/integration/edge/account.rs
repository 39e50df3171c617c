//! What ends old access: a password change revokes the user's other
//! sessions, live ones included; the sweep deletes expired tokens,
//! invitations and old mail.

use super::{start_with, PASSWORD};
use crate::api_client::*;
use crate::util::*;
use std::time::Duration;
use switchboard_protocol::close;
use switchboard_protocol::ids::Millis;
use switchboard_server::auth::{self, issue_token};
use switchboard_server::store::{InvitationRecord, MailRecord, TokenKind};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn change_password(
    addr: std::net::SocketAddr,
    token: &str,
    current: &str,
    new: &str,
) -> HttpAnswer {
    let authorization = format!("Bearer {token}");
    let body = serde_json::json!({"current_password": current, "new_password": new});
    let body = serde_json::to_vec(&body).unwrap();
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Type", "application/json"),
    ];
    http(addr, "POST", "/api/password", &headers, &body).await
}

#[tokio::test]
async fn a_password_change_ends_the_users_other_sessions_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;
    let kept = token_by_login(server.addr, "ana@acme.test", PASSWORD).await;
    let other = token_by_login(server.addr, "ana@acme.test", PASSWORD).await;
    let (_client, mut events) = connect(&server.url(), &other).await;

    let wrong = change_password(server.addr, &kept, "not my password", NEW_PASSWORD).await;
    assert_eq!(
        (wrong.status, wrong.error_code().as_str()),
        (401, "unauthorized")
    );
    let weak = change_password(server.addr, &kept, PASSWORD, "short").await;
    assert_eq!(weak.status, 400);

    let changed = change_password(server.addr, &kept, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(
        changed.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&changed.body)
    );
    // The sign-up's token and the other login's.
    assert_eq!(changed.json(), serde_json::json!({"revoked": 2}));

    assert_eq!(
        close_code(&mut events).await,
        Some(close::UNAUTHORIZED),
        "the other session's connection is closed"
    );
    assert_eq!(log_out(server.addr, &other).await.status, 401, "revoked");
    let (client, _events) = connect(&server.url(), &kept).await;
    client.ping().await.unwrap();
    assert_eq!(
        log_in(server.addr, "ana@acme.test", PASSWORD).await.status,
        401
    );
    assert_eq!(
        log_in(server.addr, "ana@acme.test", NEW_PASSWORD)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_sweep_deletes_expired_tokens_invitations_and_old_mail() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with(dir.path(), |config| {
        config.sweep_interval = Duration::from_millis(50);
        config.mail_retention = Duration::from_secs(3600);
    })
    .await;
    let world = seed(server.server.store().as_ref());
    let store = server.server.store();
    let user = world.alice.user;
    issue_token(
        store.as_ref(),
        user,
        TokenKind::Session,
        Some(Duration::ZERO),
    )
    .unwrap();
    let live = issue_token(store.as_ref(), user, TokenKind::Session, None).unwrap();
    let invitation = |expires_at| InvitationRecord {
        user,
        team: world.team_a,
        created_at: Millis(0),
        expires_at,
        conversation: None,
        invited_by: None,
        note: None,
    };
    let far = Millis(u64::MAX);
    store
        .put_invitation(&[1; 32], &invitation(Millis(1)))
        .unwrap();
    store.put_invitation(&[2; 32], &invitation(far)).unwrap();
    let mail = |id, queued_at| MailRecord {
        id,
        to: "alice@one.test".into(),
        subject: "s".into(),
        body: "b".into(),
        queued_at,
    };
    store.put_mail(&mail(1, Millis(1))).unwrap();
    let now = switchboard_server::time::now();
    store.put_mail(&mail(2, now)).unwrap();
    assert!(
        store.mails().unwrap().len() == 2,
        "the seeded world mailed nothing"
    );

    // Read without touching: taking would delete.
    let expired_tokens = || {
        let tokens = store.tokens_after(None, 1000).unwrap();
        tokens
            .iter()
            .filter(|(_, t)| t.expires_at.is_some_and(|at| at <= now))
            .count()
    };
    let invitations = || {
        let invitations = store.invitations_after(None, 1000).unwrap();
        invitations
            .iter()
            .map(|(hash, _)| hash[0])
            .collect::<Vec<_>>()
    };
    let mails = || {
        store
            .mails()
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (expired_tokens(), invitations(), mails()),
        (1, vec![1, 2], vec![1, 2])
    );

    let deadline = std::time::Instant::now() + PATIENCE;
    while expired_tokens() > 0 || invitations() != [2] || mails() != [2] {
        assert!(std::time::Instant::now() < deadline, "swept in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(auth::authenticate(store.as_ref(), &live).unwrap().is_some());
}

/// Runs `switchboard admin --data DATA ARGS` with `stdin`; panics unless
/// it succeeds; returns its stdout.
fn admin(data: &std::path::Path, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("admin")
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn an_operator_password_reset_ends_the_users_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let create = [
        "create-user",
        "--email",
        "bo@acme.test",
        "--name",
        "Bo",
        "--password-stdin",
    ];
    admin(data, &create, "first password\n");
    let token = admin(data, &["token", "--email", "bo@acme.test"], "");
    let token = token.trim();
    let reset = admin(
        data,
        &["set-password", "--email", "bo@acme.test"],
        "second password\n",
    );
    assert!(reset.contains("1 session token(s) revoked"), "{reset}");

    let server = TestServer::start(data).await;
    let mut raw = Raw::connect(&server.url(), switchboard_protocol::codec::Encoding::Json).await;
    raw.send(&switchboard_protocol::client::ClientFrame::Hello(
        switchboard_protocol::client::Hello {
            version: switchboard_protocol::PROTOCOL_VERSION,
            token: token.to_string(),
        },
    ))
    .await;
    assert_eq!(raw.close_code().await, Some(close::UNAUTHORIZED));
    assert_eq!(
        log_in(server.addr, "bo@acme.test", "second password")
            .await
            .status,
        200
    );
}
