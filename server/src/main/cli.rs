//! The command line: clap's types for every subcommand and flag, and the
//! parsers of their values. Parsing only: nothing here opens a store or
//! binds a socket. Each flag's env variable and help text are part of the
//! interface that scripts and the CLI tests rely on.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A real-time chat server for teams"
)]
pub(crate) struct Cli {
    /// How log lines are written to stderr. Which lines: `SWITCHBOARD_LOG`
    /// (or `RUST_LOG`), an env filter such as `info` or
    /// `switchboard_server=debug`; `info` without either.
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub(crate) log_format: LogFormat,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Runs the server.
    Serve(Box<ServeArgs>),
    /// Serves a bare WebSocket echo with `/ws`'s configuration, for the
    /// Autobahn conformance run (`scripts/autobahn.sh`). Not for production.
    #[command(hide = true)]
    AutobahnEcho {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9001")]
        listen: SocketAddr,
    },
    /// Administers a data folder (the server must not be running on it).
    Admin {
        /// Folder of the embedded database.
        #[arg(long, env = "SWITCHBOARD_DATA", default_value = "./switchboard-data")]
        data: PathBuf,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
pub(crate) enum AdminCommand {
    /// Creates an account and its owner.
    CreateAccount {
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_email: String,
        #[arg(long)]
        owner_name: String,
        #[arg(long)]
        owner_handle: Option<String>,
        /// Read the owner's password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Creates a team in an account; the owner becomes its Manager.
    CreateTeam {
        #[arg(long)]
        account: u64,
        #[arg(long)]
        name: String,
        #[arg(long)]
        handle: String,
        /// The team's chat identity (phone number or handle).
        #[arg(long, default_value = "")]
        identity: String,
    },
    /// Creates a user.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        handle: Option<String>,
        /// Read the user's password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sets a user's password, read from the first line of stdin (never
    /// from the command line, where other users of the machine could see it).
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Gives a user (by email) a role in a team.
    AddMember {
        #[arg(long)]
        team: u64,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value = "member")]
        role: RoleArg,
    },
    /// Prints the mails in the outbox (invitations), oldest first.
    Outbox,
    /// Checks the store (opening it repairs and checks it) and prints what
    /// was checked.
    Check,
    /// Writes a consistent backup of the store to a file. With `--server`,
    /// the running server on the data folder writes it (into its
    /// `--backup-dir`) and it is then moved to `--to`.
    Backup {
        /// The backup file to write, or an existing folder to write it in.
        #[arg(long)]
        to: PathBuf,
        /// Address of the running server (e.g. `127.0.0.1:8080`), which
        /// holds the store's lock; connect over loopback. The command
        /// sends the data folder's `operator.secret`, so run it as the
        /// user the server runs as.
        #[arg(long)]
        server: Option<SocketAddr>,
    },
    /// Restores a backup into the data folder, which must be empty (or
    /// missing) unless `--force`. The server must not be running.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// Replace what the data folder holds.
        #[arg(long)]
        force: bool,
    },
    /// Issues a token for a user (by email) and prints it.
    Token {
        #[arg(long)]
        email: String,
        /// Days until it expires (0: never).
        #[arg(long, default_value_t = 30)]
        ttl_days: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Manager,
    Member,
}

/// The flags of `switchboard serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Folder of the embedded database.
    #[arg(long, env = "SWITCHBOARD_DATA", default_value = "./switchboard-data")]
    pub(crate) data: PathBuf,
    /// Join a cluster of Switchboard nodes on these NATS servers
    /// (`nats://host:port`, comma-separated; JetStream enabled). The
    /// cluster's streams hold the data; `--data` then keeps only this
    /// node's copy of them. Without it, the node stands alone on its
    /// embedded database.
    #[arg(long, env = "SWITCHBOARD_NATS", value_delimiter = ',')]
    pub(crate) nats: Vec<String>,
    /// How many NATS servers keep each copy of the cluster's data (the
    /// stream's and buckets' replicas, when this node creates them).
    #[arg(long, env = "SWITCHBOARD_NATS_REPLICAS", default_value_t = 3)]
    pub(crate) nats_replicas: usize,
    /// How long a node's hold on a team's log lasts without renewal: a
    /// node that stops (or is cut off) loses its teams to the others
    /// within this, plus one renewal.
    #[arg(long, env = "SWITCHBOARD_LEASE_TTL", default_value = "5s", value_parser = parse_duration)]
    pub(crate) lease_ttl: Duration,
    /// Seed a demo account on first start and print tokens to log in with.
    #[arg(long, env = "SWITCHBOARD_DEMO")]
    pub(crate) demo: bool,
    /// Send invitation mail through this SMTP relay (`smtp://host[:port]`,
    /// plain SMTP, no TLS or login). Without it, mail stays in the outbox
    /// (`switchboard admin outbox`).
    #[arg(long, env = "SWITCHBOARD_SMTP_URL")]
    pub(crate) smtp_url: Option<String>,
    /// The sender of mail sent over SMTP.
    #[arg(
        long,
        env = "SWITCHBOARD_MAIL_FROM",
        default_value = "Switchboard <switchboard@localhost>"
    )]
    pub(crate) mail_from: String,
    /// Folder where `POST /api/admin/backup` (loopback clients holding
    /// the data folder's `operator.secret`: `switchboard admin backup
    /// --server`) writes backups of the live store, one at a time. Without
    /// it, that endpoint is off.
    #[arg(long, env = "SWITCHBOARD_BACKUP_DIR")]
    pub(crate) backup_dir: Option<PathBuf>,
    /// Also accept WebSocket handshakes from browser pages of this
    /// origin (`https://app.example.com`; repeatable, or
    /// comma-separated in the variable; `*` allows every origin). The
    /// server's own origin is always allowed, and clients that send no
    /// `Origin` (programs, not browsers) are never refused for it.
    #[arg(long, env = "SWITCHBOARD_ALLOW_ORIGIN", value_delimiter = ',')]
    pub(crate) allow_origin: Vec<String>,
    /// The address people reach the server at (`https://chat.example.com`):
    /// links in mail (invitations, sign-up confirmations) start with it,
    /// and an https one makes the session cookie Secure. Default:
    /// `http://` and the listening address.
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL", value_parser = parse_public_url)]
    pub(crate) public_url: Option<String>,
    /// Drop a TCP connection that has not sent its HTTP request
    /// (WebSocket handshake) within this long (`10s`, `500ms`).
    #[arg(long, env = "SWITCHBOARD_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub(crate) handshake_timeout: Duration,
    /// Close a connection that sent no hello within this long (4003).
    #[arg(long, env = "SWITCHBOARD_HELLO_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub(crate) hello_timeout: Duration,
    /// Ping every connection this often.
    #[arg(long, env = "SWITCHBOARD_PING_INTERVAL", default_value = "20s", value_parser = parse_duration)]
    pub(crate) ping_interval: Duration,
    /// Close (4010) a connection silent this long past a ping.
    #[arg(long, env = "SWITCHBOARD_PING_TIMEOUT", default_value = "20s", value_parser = parse_duration)]
    pub(crate) ping_timeout: Duration,
    /// Close an HTTP connection that has been idle this long between
    /// requests, or takes this long to send a request's headers.
    #[arg(long, env = "SWITCHBOARD_HTTP_IDLE_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub(crate) http_idle_timeout: Duration,
    /// TCP connections held open at once, every kind counted (HTTP,
    /// WebSockets before and after their hello); at the cap the server
    /// stops accepting until one closes. Held below the open files limit
    /// (raised to its hard limit at startup), less a reserve of up to 512
    /// for the server's own files.
    #[arg(
        long,
        env = "SWITCHBOARD_MAX_OPEN_CONNECTIONS",
        default_value_t = 110_000
    )]
    pub(crate) max_open_connections: usize,
    /// Run the sweep of expired tokens, expired invitations and old mail
    /// this often.
    #[arg(long, env = "SWITCHBOARD_SWEEP_INTERVAL", default_value = "1m", value_parser = parse_duration)]
    pub(crate) sweep_interval: Duration,
    /// Keep mail in the outbox this long; the sweep deletes older mail.
    #[arg(long, env = "SWITCHBOARD_MAIL_RETENTION", default_value = "7d", value_parser = parse_duration)]
    pub(crate) mail_retention: Duration,
    /// Throttles of login, sign-up, invitation acceptance and password
    /// change; unset ones keep their defaults.
    #[command(flatten)]
    pub(crate) auth: Box<AuthFlags>,
    /// On SIGTERM or Ctrl-C, give in-flight writes and goodbyes this long
    /// before flushing the store and exiting anyway.
    #[arg(long, env = "SWITCHBOARD_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub(crate) shutdown_timeout: Duration,
    /// Report the store unready (`/readyz` 503) while one flush runs
    /// longer than this (a failed flush reports it at once).
    #[arg(long, env = "SWITCHBOARD_FLUSH_PATIENCE", default_value = "5s", value_parser = parse_duration)]
    pub(crate) flush_patience: Duration,
    /// Threads that serve the connections (reading, writing, the
    /// HTTP API). Default: one per core. On a small machine that is
    /// saturated, one fewer than the cores leaves the hubs, the store's
    /// flushes and whatever else runs there a core to wake on (see
    /// README, Performance: the connections' threads).
    #[arg(long, env = "SWITCHBOARD_CONNECTION_THREADS")]
    pub(crate) connection_threads: Option<NonZeroUsize>,
    /// Limits (rates, connections, queues); unset ones keep their defaults.
    #[command(flatten)]
    pub(crate) limits: Box<LimitFlags>,
}

/// Checks a `--public-url`.
fn parse_public_url(text: &str) -> Result<String, String> {
    switchboard_server::config::check_public_url(text)
}

/// Parses `10s`, `500ms`, `2m`, `12h`, `7d` or a bare number of seconds;
/// never zero.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 10s or 500ms"))?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        "d" => number * 86_400.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?}: use ms, s, m, h or d"
            ))
        }
    };
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d.is_zero() => Err(format!("{text:?}: must be more than zero")),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{text:?}: {e}")),
    }
}

/// The limits `serve` can be given (PROTOCOL.md section 16); each flag left
/// out keeps the default.
#[derive(clap::Args)]
pub(crate) struct LimitFlags {
    /// Largest WebSocket message accepted, in bytes (larger: close 1009).
    #[arg(long, env = "SWITCHBOARD_MAX_FRAME_BYTES")]
    max_frame_bytes: Option<usize>,
    /// Frames that may wait for one connection before it is closed (4008).
    #[arg(long, env = "SWITCHBOARD_OUTBOUND_QUEUE_FRAMES")]
    outbound_queue_frames: Option<usize>,
    /// Bytes that may wait for one connection before it is closed (4008).
    #[arg(long, env = "SWITCHBOARD_OUTBOUND_QUEUE_BYTES")]
    outbound_queue_bytes: Option<usize>,
    /// Sustained requests a second per connection (0: no limit).
    #[arg(long, env = "SWITCHBOARD_RATE_PER_CONNECTION")]
    rate_per_connection: Option<u32>,
    /// Requests at once above the rate, per connection.
    #[arg(long, env = "SWITCHBOARD_BURST_PER_CONNECTION")]
    burst_per_connection: Option<u32>,
    /// Sustained requests a second per user, all connections together (0: no limit).
    #[arg(long, env = "SWITCHBOARD_RATE_PER_USER")]
    rate_per_user: Option<u32>,
    /// Requests at once above the rate, per user.
    #[arg(long, env = "SWITCHBOARD_BURST_PER_USER")]
    burst_per_user: Option<u32>,
    /// Refusals for rate within the window past which a connection is closed (4029).
    #[arg(long, env = "SWITCHBOARD_RATE_REFUSALS_TO_CLOSE")]
    rate_refusals_to_close: Option<usize>,
    /// The window refusals for rate are counted over, in seconds.
    #[arg(long, env = "SWITCHBOARD_RATE_WINDOW_SECS")]
    rate_window_secs: Option<u64>,
    /// Connections one user may hold open (more: close 4030).
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS_PER_USER")]
    max_connections_per_user: Option<usize>,
    /// Connections the server holds open (more: close 4030).
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Writes a team may have waiting for the store's flush (more: `unavailable`).
    #[arg(long, env = "SWITCHBOARD_PENDING_WRITES")]
    pending_writes: Option<usize>,
    /// Bytes a team may have waiting for the store's flush (more: `unavailable`).
    #[arg(long, env = "SWITCHBOARD_PENDING_WRITE_BYTES")]
    pending_write_bytes: Option<usize>,
    /// Messages a minute one web chat visitor may send (0: no limit).
    #[arg(long, env = "SWITCHBOARD_VISITOR_MESSAGES_PER_MINUTE")]
    visitor_messages_per_minute: Option<u32>,
    /// Messages a visitor may send at once above that rate.
    #[arg(long, env = "SWITCHBOARD_VISITOR_MESSAGE_BURST")]
    visitor_message_burst: Option<u32>,
    /// The longest message a visitor may send, in characters.
    #[arg(long, env = "SWITCHBOARD_VISITOR_MESSAGE_CHARS")]
    visitor_message_chars: Option<usize>,
    /// Visitors one client address may create a minute (0: no limit).
    #[arg(long, env = "SWITCHBOARD_VISITOR_CREATIONS_PER_MINUTE")]
    visitor_creations_per_minute: Option<u32>,
    /// Visitor connections one client address may hold open (more: 4030).
    #[arg(long, env = "SWITCHBOARD_VISITOR_CONNECTIONS_PER_ADDRESS")]
    visitor_connections_per_address: Option<usize>,
}

impl LimitFlags {
    /// Overrides the limits that were given.
    pub(crate) fn apply(self, limits: &mut switchboard_server::LimitsConfig) {
        fn set<T>(slot: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *slot = value;
            }
        }
        set(&mut limits.max_frame_bytes, self.max_frame_bytes);
        set(
            &mut limits.outbound_queue_frames,
            self.outbound_queue_frames,
        );
        set(&mut limits.outbound_queue_bytes, self.outbound_queue_bytes);
        set(&mut limits.rate_per_connection, self.rate_per_connection);
        set(&mut limits.burst_per_connection, self.burst_per_connection);
        set(&mut limits.rate_per_user, self.rate_per_user);
        set(&mut limits.burst_per_user, self.burst_per_user);
        set(
            &mut limits.rate_refusals_to_close,
            self.rate_refusals_to_close,
        );
        let window = self.rate_window_secs.map(std::time::Duration::from_secs);
        set(&mut limits.rate_window, window);
        set(
            &mut limits.max_connections_per_user,
            self.max_connections_per_user,
        );
        set(&mut limits.max_connections, self.max_connections);
        set(&mut limits.pending_writes, self.pending_writes);
        set(&mut limits.pending_write_bytes, self.pending_write_bytes);
        let visitors = &mut limits.visitors;
        set(
            &mut visitors.messages_per_minute,
            self.visitor_messages_per_minute,
        );
        set(&mut visitors.message_burst, self.visitor_message_burst);
        set(&mut visitors.message_chars, self.visitor_message_chars);
        set(
            &mut visitors.creations_per_minute,
            self.visitor_creations_per_minute,
        );
        set(
            &mut visitors.connections_per_address,
            self.visitor_connections_per_address,
        );
    }
}

/// The throttles of the password endpoints (README, "Limits"); each flag
/// left out keeps the default, and a rate of 0 turns that throttle off.
#[derive(clap::Args)]
pub(crate) struct AuthFlags {
    /// Password attempts a minute from one client address (an IPv6 /64).
    #[arg(long, env = "SWITCHBOARD_AUTH_PER_ADDRESS_PER_MINUTE")]
    auth_per_address_per_minute: Option<u32>,
    /// Attempts at once above that rate, per address.
    #[arg(long, env = "SWITCHBOARD_AUTH_PER_ADDRESS_BURST")]
    auth_per_address_burst: Option<u32>,
    /// Password attempts a minute on one email.
    #[arg(long, env = "SWITCHBOARD_AUTH_PER_EMAIL_PER_MINUTE")]
    auth_per_email_per_minute: Option<u32>,
    /// Attempts at once above that rate, per email.
    #[arg(long, env = "SWITCHBOARD_AUTH_PER_EMAIL_BURST")]
    auth_per_email_burst: Option<u32>,
    /// Password hashes or checks run at once.
    #[arg(long, env = "SWITCHBOARD_HASH_CONCURRENCY")]
    hash_concurrency: Option<usize>,
    /// Requests that may wait for a hashing slot (more: 503).
    #[arg(long, env = "SWITCHBOARD_HASH_QUEUE")]
    hash_queue: Option<usize>,
}

impl AuthFlags {
    /// Overrides the throttles that were given.
    pub(crate) fn apply(self, auth: &mut switchboard_server::config::AuthLimits) {
        fn set<T>(slot: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *slot = value;
            }
        }
        set(
            &mut auth.per_address_per_minute,
            self.auth_per_address_per_minute,
        );
        set(&mut auth.per_address_burst, self.auth_per_address_burst);
        set(
            &mut auth.per_email_per_minute,
            self.auth_per_email_per_minute,
        );
        set(&mut auth.per_email_burst, self.auth_per_email_burst);
        set(&mut auth.hash_concurrency, self.hash_concurrency);
        set(&mut auth.hash_queue, self.hash_queue);
    }
}
