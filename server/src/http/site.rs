//! The address people reach the server at (`--public-url`), and what
//! follows from it: the links mail carries, and whether the session
//! cookie is `Secure`.
//!
//! Links carry their one-time token in the fragment (`#token=...`): a
//! browser never sends the fragment to a server, so the token stays out of
//! access logs (the server's and any proxy's) and out of `Referer`; the
//! app's page reads it from there and posts it to the API.

use std::net::SocketAddr;

/// The public address, without a trailing slash.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    url: String,
}

impl Site {
    /// The configured URL (already checked by
    /// [`crate::config::check_public_url`]), or `http://` and the address
    /// the server listens on.
    pub(crate) fn new(configured: Option<&str>, listening: SocketAddr) -> Site {
        let url = match configured {
            Some(url) => url.trim().trim_end_matches('/').to_string(),
            None => format!("http://{listening}"),
        };
        Site { url }
    }

    /// Whether people reach the server over TLS (the cookie is then
    /// `Secure`, and named with the `__Host-` prefix).
    pub(crate) fn is_https(&self) -> bool {
        self.url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

    /// The public address's origin (`scheme://host[:port]`), which the
    /// origin checks allow besides the `Host` a request came to.
    pub(crate) fn origin(&self) -> &str {
        let after_scheme = self.url.find("://").map_or(0, |at| at + 3);
        match self.url[after_scheme..].find('/') {
            Some(path) => &self.url[..after_scheme + path],
            None => &self.url,
        }
    }

    /// The app's page that accepts an invitation.
    pub(crate) fn invitation_link(&self, token: &str) -> String {
        format!("{}/invite#token={token}", self.url)
    }

    /// The app's page that confirms a sign-up.
    pub(crate) fn confirmation_link(&self, token: &str) -> String {
        format!("{}/signup/confirm#token={token}", self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(url: Option<&str>) -> Site {
        Site::new(url, "127.0.0.1:8080".parse().unwrap())
    }

    #[test]
    fn the_default_is_the_listening_address_over_http() {
        let site = site(None);
        assert!(!site.is_https());
        assert_eq!(site.origin(), "http://127.0.0.1:8080");
        assert_eq!(
            site.invitation_link("sbi_1"),
            "http://127.0.0.1:8080/invite#token=sbi_1"
        );
    }

    #[test]
    fn a_configured_url_keeps_its_path_in_links_but_not_in_its_origin() {
        let site = site(Some("HTTPS://chat.example.test/support/"));
        assert!(site.is_https());
        assert_eq!(site.origin(), "HTTPS://chat.example.test");
        assert_eq!(
            site.confirmation_link("sbs_2"),
            "HTTPS://chat.example.test/support/signup/confirm#token=sbs_2"
        );
    }
}
