//! The binary as README.md tells people to use it: `serve --demo` gives a
//! world to log in to, and `admin` builds one by hand.

use crate::api_client::*;
use crate::child::*;
use crate::util::*;
use std::process::{Command, Stdio};
use std::time::Duration;
use switchboard_client::HistoryQuery;
use switchboard_protocol::model::Role;

fn admin(data: &std::path::Path, args: &[&str]) -> String {
    admin_with_stdin(data, args, "")
}

/// Runs an admin command with `stdin` as its standard input.
fn admin_with_stdin(data: &std::path::Path, args: &[&str], stdin: &str) -> String {
    let output = try_admin(data, args, stdin);
    assert!(
        output.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn try_admin(data: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["admin", "--data"])
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    // A command that reads nothing may have exited already: ignore EPIPE.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("the binary ends")
}

#[tokio::test]
async fn serve_demo_prints_tokens_that_log_in_to_a_seeded_world() {
    let dir = tempfile::tempdir().unwrap();
    let server = ChildServer::start(dir.path(), &["--demo"]);
    let mut tokens = Vec::new();
    let mut password = None;
    while tokens.len() < 3 || password.is_none() {
        let line = server
            .lines
            .recv_timeout(Duration::from_secs(10))
            .expect("the demo logins and password are printed");
        if let Some((_, token)) = line.split_once(" token ") {
            assert!(line.starts_with("demo login: "), "{line}");
            tokens.push(token.to_string());
        }
        if let Some(rest) = line.strip_prefix("demo password (DEMO DATA ONLY") {
            let (_, rest) = rest.split_once("): ").unwrap();
            password = rest.split_whitespace().next().map(str::to_string);
        }
    }
    // The browser app's way in: the printed password logs in over HTTP.
    let password = password.unwrap();
    let login = log_in(server.addr(), "maya@demo.switchboard.test", &password).await;
    assert_eq!(login.status, 200);
    assert_eq!(login.json()["user"]["handle"], "maya");
    let (maya, _events) = connect(&server.url, &tokens[0]).await;
    let welcome = maya.welcome();
    assert_eq!(welcome.user.handle, "maya");
    assert_eq!(welcome.teams.len(), 2);
    assert!(welcome.teams.iter().all(|t| t.role == Role::Manager));
    let recruiting = welcome
        .teams
        .iter()
        .find(|t| t.handle == "recruiting")
        .unwrap();
    let page = maya.conversations(recruiting.id, None, None).await.unwrap();
    assert_eq!(page.conversations.len(), 2);
    let history = maya
        .history(page.conversations[1].id, HistoryQuery::default())
        .await
        .unwrap();
    assert_eq!(history.messages.len(), 2, "the seeded contact wrote twice");
    let query = switchboard_client::PostQuery {
        status: Some(switchboard_client::PostStatus::Open),
        ..Default::default()
    };
    let posts = maya.posts(recruiting.id, query).await.unwrap();
    assert_eq!(posts.posts.len(), 2, "two open job posts are seeded");

    let (sam, _events) = connect(&server.url, &tokens[1]).await;
    assert!(sam.welcome().teams.iter().all(|t| t.role == Role::Member));
    sam.send(page.conversations[1].id, "Hi Jordan, Sam here")
        .await
        .unwrap();
}

#[tokio::test]
async fn admin_commands_build_a_world_whose_token_says_hello() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let account = admin(
        data,
        &[
            "create-account",
            "--name",
            "Acme",
            "--owner-email",
            "ana@acme.test",
            "--owner-name",
            "Ana",
        ],
    );
    let account_id = account.split_whitespace().nth(1).unwrap().to_string();
    let team = admin(
        data,
        &[
            "create-team",
            "--account",
            &account_id,
            "--name",
            "Recruiting",
            "--handle",
            "recruiting",
        ],
    );
    let team_id = team.split_whitespace().nth(1).unwrap().to_string();
    admin(
        data,
        &["create-user", "--email", "bo@acme.test", "--name", "Bo"],
    );
    admin(
        data,
        &[
            "add-member",
            "--team",
            &team_id,
            "--email",
            "bo@acme.test",
            "--role",
            "member",
        ],
    );
    let token = admin(data, &["token", "--email", "bo@acme.test"]);
    assert!(token.starts_with("sb_"), "{token}");

    let server = ChildServer::start(data, &[]);
    let (bo, _events) = connect(&server.url, &token).await;
    let welcome = bo.welcome();
    assert_eq!(welcome.user.name, "Bo");
    assert_eq!(welcome.teams.len(), 1);
    assert_eq!(welcome.teams[0].name, "Recruiting");
    assert_eq!(welcome.teams[0].role, Role::Member);
}

#[tokio::test]
async fn admin_passwords_come_from_stdin_and_log_in_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    admin_with_stdin(
        data,
        &[
            "create-user",
            "--email",
            "bo@acme.test",
            "--name",
            "Bo",
            "--password-stdin",
        ],
        "first password\n",
    );
    admin(
        data,
        &["create-user", "--email", "cy@acme.test", "--name", "Cy"],
    );
    let weak = try_admin(
        data,
        &["set-password", "--email", "cy@acme.test"],
        "short\n",
    );
    assert!(!weak.status.success());
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(stderr.contains("at least 10 characters"), "{stderr}");
    admin_with_stdin(
        data,
        &["set-password", "--email", "cy@acme.test"],
        "cy's new password\r\n",
    );
    admin_with_stdin(
        data,
        &["set-password", "--email", "bo@acme.test"],
        "second password\n",
    );

    let server = ChildServer::start(data, &[]);
    let addr = server.addr();
    assert_eq!(
        log_in(addr, "bo@acme.test", "first password").await.status,
        401
    );
    let bo = token_by_login(addr, "bo@acme.test", "second password").await;
    let (client, _events) = connect(&server.url, &bo).await;
    assert_eq!(client.welcome().user.name, "Bo");
    token_by_login(addr, "cy@acme.test", "cy's new password").await;
}

#[tokio::test]
async fn admin_outbox_prints_the_invitation_mails() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(admin(data, &["outbox"]).trim(), "the outbox is empty");
    {
        let server = TestServer::start(data).await;
        let world = seed(server.server.store().as_ref());
        let (alice, _events) = connect(&server.url(), &world.alice.token).await;
        alice
            .add_member(world.team_a, "dora@new.test", Role::Member, None)
            .await
            .unwrap();
        alice.close().await;
        server.server.shutdown().await;
    }
    // The store's lock may linger a moment after the shutdown.
    let mut printed = String::new();
    for _ in 0..50 {
        let output = try_admin(data, &["outbox"], "");
        if output.status.success() {
            printed = String::from_utf8(output.stdout).unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(printed.contains("To: dora@new.test"), "{printed}");
    assert!(
        printed.contains("POST /api/invitations/accept"),
        "{printed}"
    );
    assert!(printed.contains("sbi_"), "{printed}");
}

#[tokio::test]
async fn serve_public_url_starts_the_mail_links_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .args(["--public-url", "chat.example.test"])
        .output()
        .expect("the binary runs");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("http:// or https://"), "{stderr}");

    let server = ChildServer::start(dir.path(), &["--public-url", "https://chat.example.test"]);
    let asked = ask_sign_up(
        server.addr(),
        "ana@acme.test",
        "correct horse battery",
        "Ana",
        "Acme",
    )
    .await;
    assert_eq!(asked.status, 202);
    server.terminate();
    assert!(server
        .wait_exit(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
    let printed = admin(dir.path(), &["outbox"]);
    assert!(
        printed.contains("https://chat.example.test/signup/confirm#token=sbs_"),
        "{printed}"
    );
}
