//! The origin allow-list of the WebSocket endpoint, which also guards
//! the requests a browser makes with its session cookie (see
//! [`super::session`]: there an `Origin` is required).
//!
//! Browsers send an `Origin` header with every WebSocket handshake and let
//! any page open a socket to any server, so a page elsewhere could ride on
//! a user's session. A handshake with an `Origin` is accepted only from the
//! server's own origin (`http://` or `https://` plus the `Host` the request
//! came to) or from an origin in the configured list (`*` allows all; the
//! server adds its public URL's origin).
//! A handshake without `Origin` comes from a program, not a browser page,
//! and is accepted: it still needs a valid token in its hello.
//!
//! Invariant: the decision is made before the upgrade; a refused handshake
//! gets HTTP 403 and never becomes a WebSocket.

use axum::http::header::{HOST, ORIGIN};
use axum::http::HeaderMap;

/// The allow-list, normalized once from the configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origins {
    any: bool,
    /// Lowercase, without a trailing slash or a default port.
    allowed: Vec<String>,
}

impl Origins {
    /// The list from `--allow-origin` values (`*` allows every origin).
    pub(crate) fn new(configured: &[String]) -> Origins {
        let any = configured.iter().any(|o| o.trim() == "*");
        let allowed = configured
            .iter()
            .filter_map(|o| normalize(o.trim().trim_end_matches('/')))
            .collect();
        Origins { any, allowed }
    }

    /// Whether a handshake with these headers may be upgraded.
    pub(crate) fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(ORIGIN) else {
            return true;
        };
        if self.any {
            return true;
        }
        let Some(origin) = origin.to_str().ok().and_then(normalize) else {
            return false;
        };
        if self.allowed.contains(&origin) {
            return true;
        }
        let host = headers.get(HOST).and_then(|h| h.to_str().ok());
        host.is_some_and(|host| is_own(&origin, host))
    }
}

/// `scheme://host[:port]` lowercase, without a default port; None unless
/// the scheme is http or https and a host follows.
fn normalize(origin: &str) -> Option<String> {
    let origin = origin.to_ascii_lowercase();
    let (scheme, authority) = origin.split_once("://")?;
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    Some(format!("{scheme}://{authority}"))
}

/// Whether a normalized origin is the server's own for a request to `host`.
fn is_own(origin: &str, host: &str) -> bool {
    ["http://", "https://"]
        .iter()
        .any(|scheme| normalize(&format!("{scheme}{host}")).is_some_and(|own| own == origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn no_origin_is_a_program_and_allowed() {
        assert!(Origins::new(&[]).allows(&headers(None, "chat.test")));
    }

    #[test]
    fn the_servers_own_origin_is_allowed_on_either_scheme() {
        let origins = Origins::new(&[]);
        assert!(origins.allows(&headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080")));
        assert!(origins.allows(&headers(Some("https://Chat.test"), "chat.test")));
        assert!(origins.allows(&headers(Some("https://chat.test:443"), "chat.test")));
        assert!(origins.allows(&headers(Some("http://chat.test"), "chat.test:80")));
    }

    #[test]
    fn other_origins_are_refused_unless_listed() {
        let origins = Origins::new(&[]);
        let evil = headers(Some("https://evil.test"), "chat.test");
        assert!(!origins.allows(&evil));
        assert!(!origins.allows(&headers(Some("http://chat.test:8081"), "chat.test:8080")));
        assert!(!origins.allows(&headers(Some("null"), "chat.test")));
        assert!(!origins.allows(&headers(Some("file://chat.test"), "chat.test")));
        assert!(Origins::new(&["https://EVIL.test/".into()]).allows(&evil));
        assert!(Origins::new(&["*".into()]).allows(&evil));
        assert!(!Origins::new(&["https://other.test".into()]).allows(&evil));
    }
}
