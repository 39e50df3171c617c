//! The binary as README.md tells people to use it: `serve --demo` gives a
//! world to log in to, and `admin` builds one by hand.

use crate::util::*;
use std::process::Command;
use std::time::Duration;
use switchboard_client::HistoryQuery;
use switchboard_protocol::model::Role;

fn admin(data: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["admin", "--data"])
        .arg(data)
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn serve_demo_prints_tokens_that_log_in_to_a_seeded_world() {
    let dir = tempfile::tempdir().unwrap();
    let server = ChildServer::start(dir.path(), &["--demo"]);
    let mut tokens = Vec::new();
    while tokens.len() < 3 {
        let line = server
            .lines
            .recv_timeout(Duration::from_secs(10))
            .expect("the demo logins are printed");
        if let Some((_, token)) = line.split_once(" token ") {
            assert!(line.starts_with("demo login: "), "{line}");
            tokens.push(token.to_string());
        }
    }
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
