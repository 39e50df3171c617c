//! The backup endpoint wants the operator credential from the data
//! folder, not just a loopback peer, and runs one backup at a time.

use super::start_with;
use crate::api_client::*;
use crate::child::*;
use crate::util::*;
use switchboard_server::auth::OPERATOR_SECRET_FILE;

async fn backup(addr: std::net::SocketAddr, secret: Option<&str>) -> HttpAnswer {
    let authorization = secret.map(|s| format!("Bearer {s}"));
    let headers: Vec<(&str, &str)> = authorization
        .iter()
        .map(|a| ("Authorization", a.as_str()))
        .collect();
    http(addr, "POST", "/api/admin/backup", &headers, b"").await
}

#[tokio::test]
async fn a_backup_needs_the_operator_credential_and_runs_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    let server = start_with(&data, |config| config.backup_dir = Some(backups.clone())).await;
    seed(server.server.store().as_ref());
    let file = data.join(OPERATOR_SECRET_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the operator alone");
    }
    let secret = std::fs::read_to_string(&file).unwrap();

    // A loopback peer is not enough: a reverse proxy on the host is one.
    for refused in [None, Some("sbo_guess"), Some(&secret[..secret.len() - 1])] {
        let answer = backup(server.addr, refused).await;
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (401, "unauthorized"),
            "{refused:?}"
        );
    }
    assert!(!backups.exists(), "nothing written without the credential");
    assert_eq!(backup(server.addr, Some(&secret)).await.status, 200);

    // Several at once: one runs, the others are told to wait.
    let mut conflicts = 0;
    for _round in 0..20 {
        let asked: Vec<_> = (0..6)
            .map(|_| {
                let (addr, secret) = (server.addr, secret.clone());
                tokio::spawn(async move { backup(addr, Some(&secret)).await })
            })
            .collect();
        for answer in asked {
            let answer = answer.await.unwrap();
            match answer.status {
                200 => {}
                409 => {
                    conflicts += 1;
                    assert_eq!(answer.error_code(), "conflict");
                }
                other => panic!("unexpected {other}: {:?}", answer.json()),
            }
        }
        if conflicts > 0 {
            break;
        }
    }
    assert!(conflicts > 0, "overlapping backups are refused");
}

#[test]
fn the_admin_command_sends_the_credential_from_its_data_folder_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    let server = ChildServer::start(&data, &["--backup-dir", backups.to_str().unwrap()]);
    let admin = |data: &std::path::Path, to: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["admin", "--data"])
            .arg(data)
            .args(["backup", "--server", &server.addr().to_string(), "--to"])
            .arg(to)
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs")
    };

    // Another folder holds no credential: the command says what it needs.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let refused = admin(&elsewhere, &dir.path().join("refused.backup"));
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains(OPERATOR_SECRET_FILE), "{stderr}");
    // A stale or forged one is refused by the server.
    std::fs::write(elsewhere.join(OPERATOR_SECRET_FILE), "sbo_forged").unwrap();
    let forged = admin(&elsewhere, &dir.path().join("forged.backup"));
    assert!(!forged.status.success());
    let stderr = String::from_utf8_lossy(&forged.stderr);
    assert!(stderr.contains("401"), "{stderr}");

    let written = admin(&data, &dir.path().join("good.backup"));
    let stdout = String::from_utf8_lossy(&written.stdout);
    assert!(written.status.success(), "{stdout} {:?}", written.stderr);
    assert!(dir.path().join("good.backup").exists());
}
