//! `switchboard admin backup` and `restore`.
//!
//! A running server holds sled's lock on its data folder, so a backup of a
//! live store is written by the server itself (`POST /api/admin/backup`,
//! loopback only, into its `--backup-dir`) and then moved to `--to`. The
//! request carries the operator credential the server wrote into the data
//! folder (`operator.secret`, readable by its owner alone).
//! Without `--server`, the command opens the folder itself, which works
//! only while no server runs on it.

use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the running server may take to answer a backup request.
const SERVER_PATIENCE: Duration = Duration::from_secs(600);

/// Backs up the store in `data` to `to` (a new file, or a folder to put it
/// in), through the running server at `server` if given.
pub(crate) async fn backup(
    data: &Path,
    to: &Path,
    server: Option<SocketAddr>,
) -> anyhow::Result<()> {
    let written = match server {
        Some(addr) => {
            let from = backup_through(addr, &operator_secret(data)?).await?;
            let target = target_file(to, from.file_name().map(PathBuf::from))?;
            move_file(&from, &target)?;
            target
        }
        None => {
            let store = crate::open(data).context(
                "a running server holds the store: pass --server ADDR (and start it with --backup-dir)",
            )?;
            let target = target_file(to, None)?;
            let report = store
                .backup(&target)
                .with_context(|| format!("backing up {}", data.display()))?;
            eprintln!("copied {report}");
            target
        }
    };
    println!("backup written to {}", written.display());
    Ok(())
}

/// Restores the backup `from` into `data`.
pub(crate) fn restore(data: &Path, from: &Path, force: bool) -> anyhow::Result<()> {
    let report = switchboard_server::store::restore(from, data, force)
        .with_context(|| format!("cannot restore {} into {}", from.display(), data.display()))?;
    println!("restored {report} into {}", data.display());
    Ok(())
}

/// The file to write: `to` itself, or a file in it if it is a folder.
fn target_file(to: &Path, name: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let target = if to.is_dir() {
        let name = name.unwrap_or_else(|| {
            PathBuf::from(format!(
                "switchboard-{}.backup",
                switchboard_server::time::now().0
            ))
        });
        to.join(name)
    } else {
        to.to_path_buf()
    };
    if target.exists() {
        bail!("{} already exists", target.display());
    }
    Ok(target)
}

/// Moves `from` to `to`, copying across file systems.
fn move_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    std::fs::remove_file(from).with_context(|| format!("cannot remove {}", from.display()))?;
    Ok(())
}

/// The operator credential the server running on `data` wrote.
fn operator_secret(data: &Path) -> anyhow::Result<String> {
    let file = data.join(switchboard_server::auth::OPERATOR_SECRET_FILE);
    let secret = std::fs::read_to_string(&file).with_context(|| {
        format!(
            "cannot read the operator credential {} (is the server running on this folder with --backup-dir, and are you its user?)",
            file.display()
        )
    })?;
    Ok(secret.trim().to_string())
}

/// Asks the server at `addr` for a backup; returns the file it wrote.
async fn backup_through(addr: SocketAddr, secret: &str) -> anyhow::Result<PathBuf> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!(
            "POST /api/admin/backup HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {secret}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        std::io::Result::Ok(answer)
    };
    let answer = tokio::time::timeout(SERVER_PATIENCE, exchange)
        .await
        .context("the server did not answer in time")?
        .with_context(|| format!("cannot ask the server at {addr} for a backup"))?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .context("the server's answer is not HTTP")?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    let json: serde_json::Value = serde_json::from_str(body.trim()).unwrap_or_default();
    if status != "200" {
        let message = json["error"]["message"].as_str().unwrap_or(body);
        bail!("the server refused the backup ({status}): {message}");
    }
    let path = json["path"]
        .as_str()
        .context("the server's answer names no backup file")?;
    Ok(PathBuf::from(path))
}
