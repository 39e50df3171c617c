//! How a [`Client`](crate::Client) connects, reconnects and bounds its work.
//!
//! Every field has a default suited to a long-running bot; [`ClientConfig::new`]
//! (one server) and [`ClientConfig::with_servers`] (the nodes of a cluster)
//! fill them in. Durations of zero and buffers of zero are not useful and are
//! raised to the smallest workable value when the client starts.

use std::time::Duration;
use switchboard_protocol::Encoding;

/// Exponential backoff with full jitter between reconnect attempts.
///
/// Attempt `n` (from 0) waits a uniformly random time in
/// `[0, min(max, initial * 2^n)]`, so that many clients dropped at once by a
/// restarting server do not come back in lockstep. The attempt count starts
/// again from 0 once a connection has stayed up for `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait.
    pub initial: Duration,
    /// The largest ceiling any wait may have.
    pub max: Duration,
}

impl Default for Backoff {
    /// 100 ms initially, at most 5 s.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
        }
    }
}

impl Backoff {
    /// The upper bound of the wait before attempt `attempt` (0-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        // 2^20 * initial is already far above any sensible max; capping the
        // exponent keeps the multiplication from overflowing.
        let factor = 1u32 << attempt.min(20);
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// A random wait before attempt `attempt` (0-based): full jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        use rand::Rng;
        let ceiling = self.ceiling(attempt);
        // Durations up to u64::MAX nanoseconds (584 years) cover every ceiling
        // a person would configure; saturate rather than panic beyond that.
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

/// Everything a [`Client`](crate::Client) needs to know to connect.
///
/// # Several servers
///
/// A deployment of several Switchboard nodes is reached through any of
/// them: give them all, in the order to try them, with
/// [`ClientConfig::with_servers`] (or push onto `fallback_urls`). The
/// client tries them in turn, round robin:
/// - [`Client::connect`](crate::Client::connect) tries each once, from the
///   first, and fails only if none welcomes it;
/// - after a lost connection it starts with the server *after* the one it
///   was connected to (the one that went away is tried last), and goes
///   round the list. It waits the jittered `reconnect` backoff before each
///   full round, not between the servers of a round, so a node that died
///   is replaced by the next one at once; a round that found none up makes
///   the next wait longer. A server that refuses connections is passed
///   at once; one that does not answer at all costs `request_timeout`.
///
/// Positions belong to a team's log, which every node serves, so a
/// client resumes its subscriptions on another node as on the same one,
/// and resends what was not acknowledged with the same `client_msg_id` or
/// `key`: nothing is lost or doubled.
/// [`Client::server_url`](crate::Client::server_url) says which server
/// the client is connected to.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The server's WebSocket endpoint, e.g. `ws://127.0.0.1:8080/ws`: the
    /// first one tried.
    pub url: String,
    /// Other servers of the same deployment, tried in this order after
    /// `url` (see [Several servers](ClientConfig#several-servers)). Empty
    /// by default.
    pub fallback_urls: Vec<String>,
    /// A session or bot token, sent in the `hello` frame.
    pub token: String,
    /// The frame encoding to ask for (default: MessagePack).
    pub encoding: Encoding,
    /// The waits between reconnect attempts.
    pub reconnect: Backoff,
    /// How long a request may wait for its reply, counting any time spent
    /// waiting for a reconnect, and the retries of a request that can be
    /// repeated safely after an `unavailable` refusal (see
    /// [`Error::Server`](crate::Error::Server)). Also bounds the connect + hello handshake, a
    /// socket write, and the wait for a keepalive reply. Default 30 s.
    pub request_timeout: Duration,
    /// How many events may wait in [`Events`](crate::Events) before the
    /// client stops reading the socket (backpressure). Default 1024.
    pub event_buffer: usize,
    /// The largest server message the client accepts, in bytes. A larger one
    /// drops the connection (and the client reconnects). Default 1 MiB.
    pub max_frame_bytes: usize,
    /// How often to ping the server when connected; `None` disables
    /// keepalive. A ping without reply within `request_timeout` marks the
    /// connection dead, and the client reconnects. Default 15 s.
    pub keepalive: Option<Duration>,
}

impl ClientConfig {
    /// A configuration with the defaults for everything but where and who.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        ClientConfig {
            url: url.into(),
            fallback_urls: Vec::new(),
            token: token.into(),
            encoding: Encoding::MsgPack,
            reconnect: Backoff::default(),
            request_timeout: Duration::from_secs(30),
            event_buffer: 1024,
            max_frame_bytes: 1 << 20,
            keepalive: Some(Duration::from_secs(15)),
        }
    }

    /// A configuration for a deployment of several servers, tried in this
    /// order (see [Several servers](ClientConfig#several-servers)), with
    /// the defaults for everything else. The first is `url`, the others
    /// `fallback_urls`; an empty list leaves `url` empty, which
    /// [`Client::connect`](crate::Client::connect) refuses as a bad URL.
    ///
    /// ```
    /// use switchboard_client::ClientConfig;
    ///
    /// let config = ClientConfig::with_servers(
    ///     ["ws://node-a:8080/ws", "ws://node-b:8080/ws", "ws://node-c:8080/ws"],
    ///     "bot-token",
    /// );
    /// assert_eq!(config.url, "ws://node-a:8080/ws");
    /// assert_eq!(config.servers().count(), 3);
    /// ```
    pub fn with_servers<I, S>(servers: I, token: impl Into<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut servers = servers.into_iter().map(Into::into);
        let url = servers.next().unwrap_or_default();
        ClientConfig {
            fallback_urls: servers.collect(),
            ..ClientConfig::new(url, token)
        }
    }

    /// Every server, in the order they are tried: `url`, then
    /// `fallback_urls`.
    pub fn servers(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str()).chain(self.fallback_urls.iter().map(String::as_str))
    }

    /// The same configuration with unusable values raised to workable ones.
    pub(crate) fn normalized(mut self) -> Self {
        let floor = Duration::from_millis(1);
        self.request_timeout = self.request_timeout.max(floor);
        self.event_buffer = self.event_buffer.max(1);
        self.max_frame_bytes = self.max_frame_bytes.max(1024);
        self.keepalive = self.keepalive.map(|every| every.max(floor));
        self.reconnect.initial = self.reconnect.initial.max(floor);
        self.reconnect.max = self.reconnect.max.max(self.reconnect.initial);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_up_to_max() {
        let backoff = Backoff::default();
        assert_eq!(backoff.ceiling(0), Duration::from_millis(100));
        assert_eq!(backoff.ceiling(1), Duration::from_millis(200));
        assert_eq!(backoff.ceiling(5), Duration::from_millis(3200));
        assert_eq!(backoff.ceiling(6), Duration::from_secs(5));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn delay_stays_within_ceiling() {
        let backoff = Backoff::default();
        for attempt in 0..40 {
            assert!(backoff.delay(attempt) <= backoff.ceiling(attempt));
        }
    }
}
