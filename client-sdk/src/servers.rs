//! Which server to connect to next, among the several a deployment may
//! have (see [Several servers](crate::ClientConfig#several-servers)).
//!
//! Invariants:
//! - a round tries every server once, in the configured order, starting
//!   with the one after the server connected last (with the first one
//!   before any connection), so the server that just went away is tried
//!   last and a dead node is never tried twice before the others;
//! - a round has no waits of its own: the caller's backoff comes between
//!   rounds;
//! - a close code that forbids reconnecting (4001: the token is not
//!   valid) ends the round at once: every node answers for the same
//!   accounts, so the next one would refuse the token too.

use crate::config::ClientConfig;
use crate::connection::{self, Socket};
use crate::error::Error;
use switchboard_protocol::close;
use switchboard_protocol::server::Welcome;

/// The configured servers and which of them the client is connected to.
#[derive(Debug)]
pub(crate) struct Servers {
    urls: Vec<String>,
    /// The server connected last; before any connection the last one, so
    /// that the first round starts with the first.
    current: usize,
}

impl Servers {
    pub(crate) fn new(config: &ClientConfig) -> Self {
        let urls: Vec<String> = config.servers().map(str::to_owned).collect();
        // `servers()` always yields `url`, so there is at least one.
        let current = urls.len() - 1;
        Servers { urls, current }
    }

    /// The server connected last.
    pub(crate) fn current(&self) -> &str {
        &self.urls[self.current]
    }

    /// Tries each server once, in turn (see the module's invariants), and
    /// returns the first connection welcomed. When none is, the error of
    /// the last server tried.
    pub(crate) async fn dial_round(
        &mut self,
        config: &ClientConfig,
    ) -> Result<(Socket, Welcome), Error> {
        let count = self.urls.len();
        let mut last_error = None;
        for step in 1..=count {
            let index = (self.current + step) % count;
            let url = &self.urls[index];
            match connection::open(config, url).await {
                Ok(connected) => {
                    self.current = index;
                    return Ok(connected);
                }
                Err(Error::Closed {
                    code: Some(code),
                    reason,
                }) if !close::should_reconnect(code) => {
                    return Err(Error::Closed {
                        code: Some(code),
                        reason,
                    });
                }
                Err(error) => {
                    tracing::debug!(%url, %error, "could not connect");
                    last_error = Some(error);
                }
            }
        }
        // The loop ran at least once (there is always one server) and set
        // it on every failure; the fallback is never used.
        Err(last_error.unwrap_or_else(|| Error::Connect("no server configured".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_round_starts_with_the_first_server() {
        let config = ClientConfig::with_servers(["ws://a/ws", "ws://b/ws"], "t");
        let servers = Servers::new(&config);
        assert_eq!(servers.current(), "ws://b/ws");
        assert_eq!((servers.current + 1) % servers.urls.len(), 0);
    }

    #[test]
    fn one_server_is_the_url() {
        let servers = Servers::new(&ClientConfig::new("ws://only/ws", "t"));
        assert_eq!(servers.current(), "ws://only/ws");
    }
}
