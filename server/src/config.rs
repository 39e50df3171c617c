//! Server configuration: where to listen, where the data lives, and the
//! limits the server enforces and advertises in `welcome`.

use crate::mail::SmtpConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use switchboard_protocol::model::Limits;

/// Everything a server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The folder of the sled database.
    pub data_dir: PathBuf,
    /// The limits enforced on every connection.
    pub limits: LimitsConfig,
    /// How long a new connection may take to send its hello.
    pub hello_timeout: Duration,
    /// How long a hub with no subscribers and no work stays alive.
    pub hub_idle: Duration,
    /// How many commands may wait for one hub.
    pub hub_inbox: usize,
    /// How many scans of whole logs (reports, usage) may run at once, on
    /// the blocking pool: by default half the machine's cores (at least
    /// one), so that the other half keeps serving connections.
    pub scans_running: usize,
    /// How many more may wait for their turn; past that a report or usage
    /// request is refused with `unavailable`.
    pub scans_waiting: usize,
    /// How long a session token from sign-up or login stays valid.
    pub session_ttl: Duration,
    /// The SMTP relay invitations are sent through; `None` keeps them in
    /// the store's outbox (`switchboard admin outbox`).
    pub smtp: Option<SmtpConfig>,
    /// How long a user stays online after their last connection to a team
    /// went, so that a quick reconnect shows no flicker.
    pub presence_grace: Duration,
    /// How long a `typing` lasts without a repeat before it ends by itself.
    pub typing_expiry: Duration,
    /// Where `POST /api/admin/backup` writes backups; without it, that
    /// endpoint is off.
    pub backup_dir: Option<PathBuf>,
    /// Origins (`scheme://host[:port]`) whose browser pages may open a
    /// WebSocket besides the server's own; `*` allows every origin. See
    /// PROTOCOL.md section 1.
    pub allowed_origins: Vec<String>,
    /// How long a new TCP connection may take to send its HTTP request
    /// (for `/ws`: until the upgrade is answered) before it is dropped.
    pub handshake_timeout: Duration,
    /// How often the server pings each WebSocket connection.
    pub ping_interval: Duration,
    /// How long past a ping the server waits for any frame (a pong or
    /// anything else) before it closes the connection as dead.
    pub ping_timeout: Duration,
    /// How long one flush of the store may run before `/readyz` reports
    /// that the store cannot flush (a failed flush reports it at once).
    pub flush_patience: Duration,
    /// How long an HTTP connection may wait between requests (keep-alive)
    /// or take to send a request's headers before it is closed.
    pub http_idle_timeout: Duration,
    /// TCP connections held open at once, of every kind: HTTP requests,
    /// WebSockets before and after their hello. Past it the server stops
    /// accepting until one closes.
    pub max_open_connections: usize,
    /// The throttles of the password endpoints (login, sign-up, invitation
    /// acceptance, password change).
    pub auth: AuthLimits,
    /// How often expired tokens, spent invitations and old mail are swept.
    pub sweep_interval: Duration,
    /// How long a mail stays in the outbox before the sweep removes it.
    pub mail_retention: Duration,
    /// The address people reach the server at (`https://chat.example.com`,
    /// without a trailing slash; see [`check_public_url`]): the links in
    /// mail start with it, and an `https` one makes the session cookie
    /// `Secure`. `None`: `http://` and the address the server listens on.
    pub public_url: Option<String>,
    /// How long a WebSocket ticket (`POST /api/ws-ticket`) may wait for
    /// the hello that uses it.
    pub ws_ticket_ttl: Duration,
    /// The largest CSV an import accepts, in bytes (spooled to disk, never
    /// held in memory).
    pub import_max_bytes: u64,
    /// How the built-in webhook bridges POST outbound messages.
    pub webhook: WebhookConfig,
}

/// How the built-in webhook bridges POST outbound messages (see
/// `crate::webhook`).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// POSTs of one message before it becomes a dead letter.
    pub attempts: u32,
    /// The wait before the second POST; each later wait doubles it.
    pub backoff: Duration,
    /// The longest wait between two POSTs.
    pub max_backoff: Duration,
    /// How long one POST may take, connecting included.
    pub timeout: Duration,
    /// How often a bridge looks for new outbound messages in its team's
    /// log.
    pub poll: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            attempts: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(500),
        }
    }
}

/// The throttles of the password endpoints. A rate of 0 turns that
/// throttle off.
#[derive(Debug, Clone)]
pub struct AuthLimits {
    /// Sustained attempts a minute from one client address (an IPv6
    /// address counts by its /64).
    pub per_address_per_minute: u32,
    /// Attempts one address may make at once above its rate.
    pub per_address_burst: u32,
    /// Sustained attempts a minute on one email (or user).
    pub per_email_per_minute: u32,
    /// Attempts on one email at once above its rate.
    pub per_email_burst: u32,
    /// Password hashes or checks that run at once (each takes a core and
    /// 19 MiB for tens of milliseconds).
    pub hash_concurrency: usize,
    /// Requests that may wait for a hashing slot; past it they get 503.
    pub hash_queue: usize,
}

impl Default for AuthLimits {
    fn default() -> Self {
        AuthLimits {
            per_address_per_minute: 60,
            per_address_burst: 20,
            per_email_per_minute: 10,
            per_email_burst: 10,
            hash_concurrency: 4,
            hash_queue: 64,
        }
    }
}

impl Config {
    /// The defaults, listening on `listen` and storing in `data_dir`.
    /// The limits `welcome` advertises: the limits proper and the
    /// keepalive's timing.
    pub fn advertised_limits(&self) -> Limits {
        let millis = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
        Limits {
            ping_interval_ms: millis(self.ping_interval),
            ping_timeout_ms: millis(self.ping_timeout),
            ..self.limits.advertised()
        }
    }

    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            listen,
            data_dir: data_dir.into(),
            limits: LimitsConfig::default(),
            hello_timeout: Duration::from_secs(10),
            hub_idle: Duration::from_secs(30),
            hub_inbox: 4096,
            scans_running: std::thread::available_parallelism()
                .map_or(1, |n| n.get() / 2)
                .max(1),
            scans_waiting: 16,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            smtp: None,
            presence_grace: Duration::from_secs(5),
            typing_expiry: Duration::from_secs(6),
            backup_dir: None,
            allowed_origins: Vec::new(),
            handshake_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            ping_timeout: Duration::from_secs(20),
            flush_patience: Duration::from_secs(5),
            http_idle_timeout: Duration::from_secs(30),
            // Room above `limits.max_connections` for connections before
            // their hello and for the HTTP endpoints.
            max_open_connections: 110_000,
            auth: AuthLimits::default(),
            sweep_interval: Duration::from_secs(60),
            mail_retention: crate::invitation::INVITATION_TTL,
            public_url: None,
            ws_ticket_ttl: Duration::from_secs(30),
            import_max_bytes: 256 * 1024 * 1024,
            webhook: WebhookConfig::default(),
        }
    }
}

/// Checks a public URL: `http://` or `https://`, a host, an optional port
/// and path, no query or fragment. Returns it without a trailing slash.
pub fn check_public_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("{url:?} must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@' | '"');
    if host.is_empty() || url.contains(bad) {
        return Err(format!(
            "{url:?} is not a URL like https://chat.example.com (a host, no query, fragment or credentials)"
        ));
    }
    Ok(url.to_string())
}

/// The limits in force; see [`Limits`] for their meaning.
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// Largest WebSocket message accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Longest message body, in bytes.
    pub max_body_bytes: usize,
    /// Most messages in one history page.
    pub max_history_page: usize,
    /// Most events replayed by one subscribe (a chunk also stops at half the
    /// outbound queue's bounds, whatever this says).
    pub replay_chunk: usize,
    /// Frames that may wait for one connection before it counts as slow.
    pub outbound_queue_frames: usize,
    /// Bytes that may wait for one connection before it counts as slow;
    /// ephemeral signals are dropped past half of it.
    pub outbound_queue_bytes: usize,
    /// Sustained requests a second one connection may send (0: no limit).
    pub rate_per_connection: u32,
    /// Requests one connection may send at once above its rate.
    pub burst_per_connection: u32,
    /// Sustained requests a second one user may send over all their
    /// connections (0: no limit).
    pub rate_per_user: u32,
    /// Requests one user may send at once above their rate.
    pub burst_per_user: u32,
    /// Refusals for rate within `rate_window` that close the connection
    /// (with 4029) when exceeded.
    pub rate_refusals_to_close: usize,
    /// The window over which refusals for rate are counted.
    pub rate_window: Duration,
    /// Connections one user may hold open at once.
    pub max_connections_per_user: usize,
    /// Connections the server holds open at once.
    pub max_connections: usize,
    /// Writes a team's hub may hold waiting for the store's flush before
    /// it refuses more with `unavailable`.
    pub pending_writes: usize,
    /// Bytes (message bodies, plus a fixed amount per write) a team's hub
    /// may hold waiting for the store's flush before it refuses more.
    pub pending_write_bytes: usize,
    /// Web chat: what one visitor, or one client address, may do.
    pub visitors: VisitorLimits,
}

/// What web chat visitors may do (see [`Limits`]); a rate of 0 turns that
/// limit off.
#[derive(Debug, Clone)]
pub struct VisitorLimits {
    /// Sustained messages a minute one visitor may send.
    pub messages_per_minute: u32,
    /// Messages a visitor may send at once above that rate.
    pub message_burst: u32,
    /// Longest message a visitor may send, in characters.
    pub message_chars: usize,
    /// Visitors one client address may create a minute (also the burst).
    pub creations_per_minute: u32,
    /// Visitor connections one client address may hold open at once.
    pub connections_per_address: usize,
}

impl Default for VisitorLimits {
    fn default() -> Self {
        VisitorLimits {
            messages_per_minute: 20,
            message_burst: 5,
            message_chars: 2000,
            creations_per_minute: 5,
            connections_per_address: 20,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_frame_bytes: 64 * 1024,
            max_body_bytes: 16 * 1024,
            max_history_page: 200,
            replay_chunk: 1000,
            outbound_queue_frames: 4096,
            outbound_queue_bytes: 4 * 1024 * 1024,
            // Far above what people and the benches send (a few thousand
            // messages a second on one connection): the limits are there
            // for floods, not for busy clients.
            rate_per_connection: 20_000,
            burst_per_connection: 20_000,
            rate_per_user: 50_000,
            burst_per_user: 50_000,
            rate_refusals_to_close: 1000,
            rate_window: Duration::from_secs(10),
            max_connections_per_user: 1000,
            max_connections: 100_000,
            // Far above what a healthy store leaves waiting (a few
            // milliseconds of a team's writes, a few hundred at the
            // benches' rates); reached only when flushes stall or fail.
            pending_writes: 10_000,
            pending_write_bytes: 16 * 1024 * 1024,
            visitors: VisitorLimits::default(),
        }
    }
}

impl LimitsConfig {
    /// The limits as advertised to clients.
    pub fn advertised(&self) -> Limits {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Limits {
            max_frame_bytes: clamp(self.max_frame_bytes),
            max_body_bytes: clamp(self.max_body_bytes),
            max_history_page: clamp(self.max_history_page),
            replay_chunk: clamp(self.replay_chunk),
            outbound_queue_frames: clamp(self.outbound_queue_frames),
            outbound_queue_bytes: clamp(self.outbound_queue_bytes),
            rate_per_connection: self.rate_per_connection,
            burst_per_connection: self.burst_per_connection,
            rate_per_user: self.rate_per_user,
            burst_per_user: self.burst_per_user,
            rate_refusals_to_close: clamp(self.rate_refusals_to_close),
            rate_window_secs: u32::try_from(self.rate_window.as_secs()).unwrap_or(u32::MAX),
            max_connections_per_user: clamp(self.max_connections_per_user),
            max_connections: clamp(self.max_connections),
            pending_writes: clamp(self.pending_writes),
            pending_write_bytes: clamp(self.pending_write_bytes),
            visitor_messages_per_minute: self.visitors.messages_per_minute,
            visitor_message_burst: self.visitors.message_burst,
            visitor_message_chars: clamp(self.visitors.message_chars),
            visitor_creations_per_minute: self.visitors.creations_per_minute,
            visitor_connections_per_address: clamp(self.visitors.connections_per_address),
            // The keepalive is the connection's, not a limit's: filled in by
            // `Config::advertised_limits`.
            ping_interval_ms: 0,
            ping_timeout_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_public_url;

    #[test]
    fn a_public_url_is_http_or_https_with_a_host_and_loses_its_trailing_slash() {
        assert_eq!(
            check_public_url(" https://chat.example.test/app/ ").as_deref(),
            Ok("https://chat.example.test/app")
        );
        assert_eq!(
            check_public_url("http://[::1]:8080").as_deref(),
            Ok("http://[::1]:8080")
        );
        for bad in [
            "chat.example.test",
            "ftp://chat.example.test",
            "https://",
            "https:///app",
            "https://chat.example.test/?a=1",
            "https://chat.example.test/#x",
            "https://user@chat.example.test",
            "https://chat example.test",
        ] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
    }
}
