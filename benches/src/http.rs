//! A minimal HTTP/1.1 client for the bench's few JSON and CSV requests
//! (imports, the server's `/metrics`): one request per connection, `Connection: close`, the whole
//! answer read, no chunked bodies expected. Loopback only, like the rest
//! of the bench.

use anyhow::Context;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one request may take.
const PATIENCE: Duration = Duration::from_secs(120);

/// Sends one request with a bearer token; the status and the body.
pub(crate) async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> anyhow::Result<(u16, Vec<u8>)> {
    let auth = format!("Authorization: Bearer {token}\r\n");
    exchange(addr, method, path, &auth, body).await
}

/// POSTs a JSON body without credentials (the web chat's public
/// endpoints): the status and the body.
pub(crate) async fn post_json(
    addr: SocketAddr,
    path: &str,
    body: &serde_json::Value,
) -> anyhow::Result<(u16, Vec<u8>)> {
    let body = serde_json::to_vec(body)?;
    exchange(
        addr,
        "POST",
        path,
        "Content-Type: application/json\r\n",
        &body,
    )
    .await
}

/// GETs `path` without credentials (`/metrics`): the status and the body.
pub(crate) async fn get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    exchange(addr, "GET", path, "", &[]).await
}

/// One request with these extra header lines (each ending in CRLF).
async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).await.context("connecting")?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         {headers}Content-Length: {}\r\n\r\n",
        body.len()
    );
    let exchange = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(PATIENCE, exchange)
        .await
        .context("an HTTP answer took too long")??;
    let split = (raw.windows(4).position(|w| w == b"\r\n\r\n")).context("no header block")?;
    let status = std::str::from_utf8(&raw[..split])?
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("no status line")?;
    Ok((status, raw[split + 4..].to_vec()))
}

/// [`call`], expecting `want` and a JSON body.
pub(crate) async fn json(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
    want: u16,
) -> anyhow::Result<serde_json::Value> {
    let (status, body) = call(addr, method, path, token, body).await?;
    anyhow::ensure!(
        status == want,
        "{method} {path}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    Ok(serde_json::from_slice(&body)?)
}
