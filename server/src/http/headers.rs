//! The security headers of every answer on the port, the app's pages and
//! the API alike, set in this one layer:
//!
//! - `Content-Security-Policy`: scripts, styles, fonts, images, frames,
//!   the app's service worker and its manifest only from the server
//!   itself (`'self'`), no inline script or style, no
//!   `eval`, no plugins; connections only to the server itself, its
//!   WebSocket (`ws://` and `wss://` of the `Host` the page was loaded
//!   from: older browsers do not count those as `'self'`) included; no
//!   other page may frame it (`frame-ancestors 'none'`), but for a page
//!   whose handler said who may ([`FrameAncestors`]: the web chat's page,
//!   framed by the team's allowed origins); forms post only to the server
//!   and `<base>` is refused.
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (for
//!   browsers without `frame-ancestors`), `Referrer-Policy: no-referrer`,
//!   `Cross-Origin-Opener-Policy: same-origin`.
//! - Under `/api`, `Cache-Control: no-store` unless the handler set one:
//!   answers there may carry a token or who is logged in.
//!
//! Invariant: a header a handler set is never overwritten, except the
//! policy headers above, which are the server's alone.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy without its `connect-src`, which depends on the host, and
/// its `frame-ancestors`, which depends on the page.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; worker-src 'self'; manifest-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'";

/// Set by a handler on its response: the origins (checked
/// `http(s)://host[:port]`, see `widget::check_settings`) whose pages may
/// frame this page besides the server's own.
#[derive(Debug, Clone)]
pub(crate) struct FrameAncestors(pub(crate) Vec<String>);

/// The longest `Host` written into the policy.
const MAX_HOST: usize = 255;

/// Adds the security headers to the answer to `request`.
pub(super) async fn secure(request: Request, next: Next) -> Response {
    let host = websocket_host(request.headers());
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let connect = match host {
        Some(host) => format!("connect-src 'self' ws://{host} wss://{host}"),
        None => "connect-src 'self'".to_string(),
    };
    let framers = response.extensions().get::<FrameAncestors>().cloned();
    let headers = response.headers_mut();
    let frame = match &framers {
        Some(FrameAncestors(origins)) => {
            let mut sources = vec!["'self'"];
            sources.extend(origins.iter().map(String::as_str));
            format!("frame-ancestors {}", sources.join(" "))
        }
        None => "frame-ancestors 'none'".to_string(),
    };
    // Built from constants, a host of checked characters and checked
    // origins: valid.
    if let Ok(policy) = HeaderValue::from_str(&format!("{POLICY}; {frame}; {connect}")) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    if framers.is_none() {
        // For browsers without `frame-ancestors`; a page others may frame
        // relies on the policy alone.
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The request's `Host`, if it is a plain `host[:port]` (letters, digits,
/// `.`, `-`, `:`, and the brackets of an IPv6 address): anything else could
/// smuggle a directive into the policy, and is left out.
fn websocket_host(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!host.is_empty() && host.len() <= MAX_HOST && host.chars().all(plain))
        .then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host(host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        headers
    }

    #[test]
    fn a_plain_host_goes_into_the_policy_and_anything_else_stays_out() {
        assert_eq!(
            websocket_host(&with_host("Chat.test:8080")).as_deref(),
            Some("chat.test:8080")
        );
        assert_eq!(
            websocket_host(&with_host("[::1]:8080")).as_deref(),
            Some("[::1]:8080")
        );
        assert_eq!(websocket_host(&with_host("a; script-src *")), None);
        assert_eq!(websocket_host(&HeaderMap::new()), None);
    }
}
