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
}

impl Config {
    /// The defaults, listening on `listen` and storing in `data_dir`.
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            listen,
            data_dir: data_dir.into(),
            limits: LimitsConfig::default(),
            hello_timeout: Duration::from_secs(10),
            hub_idle: Duration::from_secs(30),
            hub_inbox: 4096,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            smtp: None,
            presence_grace: Duration::from_secs(5),
            typing_expiry: Duration::from_secs(6),
            allowed_origins: Vec::new(),
            handshake_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            ping_timeout: Duration::from_secs(20),
        }
    }
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
    /// Most events replayed by one subscribe.
    pub replay_chunk: usize,
    /// Frames that may wait for one connection before it counts as slow.
    pub outbound_queue_frames: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_frame_bytes: 64 * 1024,
            max_body_bytes: 16 * 1024,
            max_history_page: 200,
            replay_chunk: 1000,
            outbound_queue_frames: 4096,
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
        }
    }
}
