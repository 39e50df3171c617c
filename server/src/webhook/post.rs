//! One signed POST to a gateway, over plain HTTP/1.1 with hyper's client:
//! one connection per POST (a gateway is called a few times a second at
//! most), the whole exchange bounded by a timeout. An `https` gateway is
//! reached through a proxy the operator runs (as with SMTP, the server
//! builds no TLS stack).

use super::sign;
use bytes::Bytes;
use http_body_util::Full;
use hyper::Uri;
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// Whether `url` is one the dispatcher can POST to: `http://host[:port]/…`.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| "outbound_url is not a URL".to_string())?;
    if uri.scheme_str() != Some("http") {
        return Err("outbound_url must start with http:// (reach https through a proxy)".into());
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("outbound_url has no host".into());
    }
    Ok(())
}

/// POSTs `body` to `url`, signed with `secret`: `Ok` on a 2xx, else what
/// went wrong (for the dead letter).
pub(crate) async fn post(
    url: &str,
    secret: &str,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<(), String> {
    match tokio::time::timeout(timeout, exchange(url, secret, body)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
    }
}

async fn exchange(url: &str, secret: &str, body: Vec<u8>) -> Result<(), String> {
    check_url(url)?;
    // `check_url` passed: the URL parses and has a host.
    let uri: Uri = url.parse().map_err(|_| "bad URL".to_string())?;
    let host = uri.host().unwrap_or_default().to_string();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    // The connection is driven until the answer is read; it ends with
    // the sender.
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "webhook connection ended");
        }
    });
    let authority = match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let signature = sign::signature(secret, &body);
    let request = hyper::Request::post(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(sign::HEADER, signature)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let answer = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
