//! `switchboard`: runs the server, or administers its data folder.

#[path = "main/ops.rs"]
mod ops;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::{AccountId, TeamId};
use switchboard_protocol::model::Role;
use switchboard_server::admin::{self, NewUser};
use switchboard_server::mail::SmtpConfig;
use switchboard_server::password::{self, Password};
use switchboard_server::store::{SledStore, Store, TokenKind};
use switchboard_server::{demo, Config, Server};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A real-time chat server for teams"
)]
struct Cli {
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
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server.
    Serve {
        /// Address to listen on (port 0: any free port).
        #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder of the embedded database.
        #[arg(long, env = "SWITCHBOARD_DATA", default_value = "./switchboard-data")]
        data: PathBuf,
        /// Seed a demo account on first start and print tokens to log in with.
        #[arg(long, env = "SWITCHBOARD_DEMO")]
        demo: bool,
        /// Send invitation mail through this SMTP relay (`smtp://host[:port]`,
        /// plain SMTP, no TLS or login). Without it, mail stays in the outbox
        /// (`switchboard admin outbox`).
        #[arg(long, env = "SWITCHBOARD_SMTP_URL")]
        smtp_url: Option<String>,
        /// The sender of mail sent over SMTP.
        #[arg(
            long,
            env = "SWITCHBOARD_MAIL_FROM",
            default_value = "Switchboard <switchboard@localhost>"
        )]
        mail_from: String,
        /// Folder where `POST /api/admin/backup` (loopback clients only;
        /// `switchboard admin backup --server`) writes backups of the live
        /// store. Without it, that endpoint is off.
        #[arg(long, env = "SWITCHBOARD_BACKUP_DIR")]
        backup_dir: Option<PathBuf>,
        /// Also accept WebSocket handshakes from browser pages of this
        /// origin (`https://app.example.com`; repeatable, or
        /// comma-separated in the variable; `*` allows every origin). The
        /// server's own origin is always allowed, and clients that send no
        /// `Origin` (programs, not browsers) are never refused for it.
        #[arg(long, env = "SWITCHBOARD_ALLOW_ORIGIN", value_delimiter = ',')]
        allow_origin: Vec<String>,
        /// Drop a TCP connection that has not sent its HTTP request
        /// (WebSocket handshake) within this long (`10s`, `500ms`).
        #[arg(long, env = "SWITCHBOARD_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
        handshake_timeout: Duration,
        /// Close a connection that sent no hello within this long (4003).
        #[arg(long, env = "SWITCHBOARD_HELLO_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
        hello_timeout: Duration,
        /// Ping every connection this often.
        #[arg(long, env = "SWITCHBOARD_PING_INTERVAL", default_value = "20s", value_parser = parse_duration)]
        ping_interval: Duration,
        /// Close (4010) a connection silent this long past a ping.
        #[arg(long, env = "SWITCHBOARD_PING_TIMEOUT", default_value = "20s", value_parser = parse_duration)]
        ping_timeout: Duration,
        /// On SIGTERM or Ctrl-C, give in-flight writes and goodbyes this long
        /// before flushing the store and exiting anyway.
        #[arg(long, env = "SWITCHBOARD_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
        shutdown_timeout: Duration,
        /// Limits (rates, connections, queues); unset ones keep their defaults.
        #[command(flatten)]
        limits: Box<LimitFlags>,
    },
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
enum AdminCommand {
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
        /// holds the store's lock; connect over loopback.
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
enum RoleArg {
    Manager,
    Member,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    match cli.command {
        Command::Serve {
            listen,
            data,
            demo,
            smtp_url,
            mail_from,
            backup_dir,
            allow_origin,
            handshake_timeout,
            hello_timeout,
            ping_interval,
            ping_timeout,
            shutdown_timeout,
            limits,
        } => {
            let mut config = Config::new(listen, &data);
            limits.apply(&mut config.limits);
            config.smtp = smtp_url
                .map(|url| SmtpConfig::parse(&url, &mail_from))
                .transpose()?;
            config.backup_dir = backup_dir;
            config.allowed_origins = allow_origin;
            config.handshake_timeout = handshake_timeout;
            config.hello_timeout = hello_timeout;
            config.ping_interval = ping_interval;
            config.ping_timeout = ping_timeout;
            serve(config, demo, shutdown_timeout).await
        }
        Command::Admin {
            data,
            command: AdminCommand::Backup { to, server },
        } => ops::backup(&data, &to, server).await,
        Command::Admin {
            data,
            command: AdminCommand::Restore { from, force },
        } => ops::restore(&data, &from, force),
        Command::Admin {
            data,
            command: AdminCommand::Check,
        } => {
            let report = open(&data)?.check()?;
            println!("store in {} is sound: {report}", data.display());
            Ok(())
        }
        Command::AutobahnEcho { listen } => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            tracing::info!(addr = %listener.local_addr()?, "autobahn echo listening");
            switchboard_server::echo::serve(listener, switchboard_server::LimitsConfig::default())
                .await
                .context("serving the echo endpoint")
        }
        Command::Admin { data, command } => {
            let store = open(&data)?;
            let result = run_admin(&store, command);
            store.flush().context("flushing the store")?;
            result
        }
    }
}

/// Logs to stderr, filtered by `SWITCHBOARD_LOG`, else `RUST_LOG`, else
/// `info`.
fn init_logs(format: LogFormat) {
    let filter = ["SWITCHBOARD_LOG", "RUST_LOG"]
        .iter()
        .find_map(|var| tracing_subscriber::EnvFilter::try_from_env(var).ok())
        .unwrap_or_else(|| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

pub(crate) fn open(data: &Path) -> anyhow::Result<SledStore> {
    SledStore::open(data).map_err(|e| {
        // sled reports a held lock as an I/O error naming the lock.
        let hint = if e.to_string().contains("lock") {
            " (is a server running on it?)"
        } else {
            ""
        };
        anyhow::anyhow!("cannot open the store in {}{hint}: {e}", data.display())
    })
}

async fn serve(config: Config, with_demo: bool, shutdown_timeout: Duration) -> anyhow::Result<()> {
    let data = config.data_dir.clone();
    let store = open(&data)?;
    let logins = if with_demo {
        demo::seed(&store).context("seeding the demo data")?
    } else {
        Vec::new()
    };
    let server = Server::start_with_store(config, Arc::new(store)).await?;
    let addr = server.local_addr();
    // The first line on stdout is for scripts and tests to find the port.
    // A closed stdout must not stop the server, so write errors are ignored.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {addr}");
    let _ = writeln!(
        out,
        "WebSocket endpoint: ws://{addr}/ws   data: {}",
        data.display()
    );
    for login in &logins {
        let _ = writeln!(
            out,
            "demo login: {} ({:?}) token {}",
            login.email, login.role, login.token
        );
    }
    if !logins.is_empty() {
        let _ = writeln!(
            out,
            "demo password (DEMO DATA ONLY, public, never for real users): {}   log in at POST http://{addr}/api/login",
            demo::DEMO_PASSWORD
        );
    }
    if let Some(login) = logins.first() {
        let _ = writeln!(
            out,
            "try: cargo run -p switchboard-client --example echo_bot -- ws://{addr}/ws {}",
            login.token
        );
    }
    let _ = out.flush();
    drop(out);
    let signal = shutdown_signal().await;
    tracing::info!(
        signal,
        timeout = ?shutdown_timeout,
        "shutting down: no new connections, in-flight writes answered, clients told to reconnect (1012)"
    );
    let started = std::time::Instant::now();
    let store = server.store();
    match tokio::time::timeout(shutdown_timeout, server.shutdown()).await {
        Ok(()) => {
            tracing::info!(elapsed = ?started.elapsed(), "shut down cleanly: every acknowledged write is on disk");
            Ok(())
        }
        Err(_) => {
            // Acknowledged writes were flushed before their ack; this flush
            // is for whatever else is buffered. Exit now: waiting on the
            // runtime's remaining tasks could take unbounded time.
            tracing::warn!(timeout = ?shutdown_timeout, "shutdown took too long: flushing the store and exiting");
            if let Err(e) = store.flush() {
                tracing::error!(error = %e, "final flush failed");
                std::process::exit(1);
            }
            std::process::exit(0);
        }
    }
}

/// Parses `10s`, `500ms`, `2m` or a bare number of seconds; never zero.
fn parse_duration(text: &str) -> Result<Duration, String> {
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
        _ => return Err(format!("unknown unit {unit:?} in {text:?}: use ms, s or m")),
    };
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d.is_zero() => Err(format!("{text:?}: must be more than zero")),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{text:?}: {e}")),
    }
}

/// Waits for Ctrl-C or SIGTERM; returns which came.
async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "SIGINT",
        () = term => "SIGTERM",
    }
}

fn run_admin(store: &dyn Store, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateAccount {
            name,
            owner_email,
            owner_name,
            owner_handle,
            password_stdin,
        } => {
            let owner = NewUser {
                email: owner_email,
                name: owner_name,
                handle: owner_handle,
            };
            let hash = password_stdin.then(read_password).transpose()?;
            let (account, owner) = admin::create_account_with_password(store, &name, &owner, hash)?;
            println!("account {} owner {}", account.id, owner.id);
        }
        AdminCommand::CreateTeam {
            account,
            name,
            handle,
            identity,
        } => {
            let team = admin::create_team(store, AccountId(account), &name, &handle, &identity)?;
            println!("team {}", team.id);
        }
        AdminCommand::CreateUser {
            email,
            name,
            handle,
            password_stdin,
        } => {
            let hash = password_stdin.then(read_password).transpose()?;
            let user = admin::create_user_with_password(
                store,
                &NewUser {
                    email,
                    name,
                    handle,
                },
                hash,
            )?;
            println!("user {}", user.id);
        }
        AdminCommand::SetPassword { email } => {
            let hash = read_password()?;
            let user = admin::set_password(store, &email, hash)?;
            println!("password set for user {}", user.id);
        }
        AdminCommand::AddMember { team, email, role } => {
            let user = store
                .user_by_email(&email)?
                .with_context(|| format!("no user with email {email}"))?;
            let role = match role {
                RoleArg::Manager => Role::Manager,
                RoleArg::Member => Role::Member,
            };
            admin::add_member(store, TeamId(team), user.id, role)?;
            println!("user {} is now {role:?} of team {team}", user.id);
        }
        AdminCommand::Outbox => {
            let mails = store.mails()?;
            if mails.is_empty() {
                println!("the outbox is empty");
            }
            for mail in mails {
                println!("--- mail {} queued at {}", mail.id, mail.queued_at);
                println!("To: {}", mail.to);
                println!("Subject: {}", mail.subject);
                println!();
                println!("{}", mail.body);
            }
        }
        AdminCommand::Check | AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => {
            anyhow::bail!("check, backup and restore run before the store is open")
        }
        AdminCommand::Token { email, ttl_days } => {
            let ttl = (ttl_days > 0).then(|| Duration::from_secs(ttl_days * 24 * 3600));
            // Bot tokens belong to bots (`create_bot`), not to users.
            let (_, token) = admin::token_for_email(store, &email, TokenKind::Session, ttl)?;
            println!("{token}");
        }
    }
    Ok(())
}

/// Reads a password from the first line of stdin and hashes it.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        // No echo suppression without another dependency: say so.
        eprint!("password (typed text is visible; prefer piping it in): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = Password::new(line.trim_end_matches(['\n', '\r']));
    Ok(password::hash(&password)?)
}

/// The limits `serve` can be given (PROTOCOL.md section 16); each flag left
/// out keeps the default.
#[derive(clap::Args)]
struct LimitFlags {
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
}

impl LimitFlags {
    /// Overrides the limits that were given.
    fn apply(self, limits: &mut switchboard_server::LimitsConfig) {
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
    }
}
