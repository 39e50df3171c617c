//! `switchboard serve` and `autobahn-echo`: builds the server's
//! configuration from the flags, starts it, prints where it listens, and
//! shuts it down gracefully on Ctrl-C or SIGTERM.
//!
//! The first line on stdout is `listening on ADDR`: scripts and tests read
//! it to find the port. Shutdown exits 0 once every acknowledged write is on
//! disk; past `--shutdown-timeout` it flushes the store and exits anyway
//! (1 if that flush fails).

use crate::cli::ServeArgs;
use anyhow::Context;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_server::cluster::{Cluster, ClusterOptions};
use switchboard_server::mail::SmtpConfig;
use switchboard_server::{demo, Config, Server};

/// Runs `switchboard serve` with its flags until a shutdown signal.
pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        listen,
        data,
        nats,
        nats_replicas,
        lease_ttl,
        demo,
        smtp_url,
        mail_from,
        backup_dir,
        allow_origin,
        public_url,
        handshake_timeout,
        hello_timeout,
        ping_interval,
        ping_timeout,
        http_idle_timeout,
        max_open_connections,
        sweep_interval,
        mail_retention,
        auth,
        shutdown_timeout,
        flush_patience,
        // Read in `main`, which builds the runtime this runs on.
        connection_threads: _,
        limits,
    } = args;
    let mut config = Config::new(listen, &data);
    limits.apply(&mut config.limits);
    config.smtp = smtp_url
        .map(|url| SmtpConfig::parse(&url, &mail_from))
        .transpose()?;
    config.backup_dir = backup_dir;
    config.allowed_origins = allow_origin;
    config.public_url = public_url;
    config.handshake_timeout = handshake_timeout;
    config.hello_timeout = hello_timeout;
    config.ping_interval = ping_interval;
    config.ping_timeout = ping_timeout;
    config.flush_patience = flush_patience;
    config.http_idle_timeout = http_idle_timeout;
    config.max_open_connections = crate::files::fit_connections(max_open_connections);
    config.sweep_interval = sweep_interval;
    config.mail_retention = mail_retention;
    auth.apply(&mut config.auth);
    let cluster = if nats.is_empty() {
        None
    } else {
        let options = ClusterOptions {
            urls: nats,
            data_dir: data,
            replicas: nats_replicas,
            lease_ttl,
        };
        let cluster = Cluster::connect(options)
            .await
            .context("joining the cluster")?;
        tracing::info!(node = cluster.node(), "joined the cluster");
        Some(cluster)
    };
    serve(config, cluster, demo, shutdown_timeout).await
}

/// Serves the bare WebSocket echo for the Autobahn conformance run.
pub(crate) async fn autobahn_echo(listen: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(addr = %listener.local_addr()?, "autobahn echo listening");
    switchboard_server::echo::serve(listener, switchboard_server::LimitsConfig::default())
        .await
        .context("serving the echo endpoint")
}

/// Starts the server on `config`'s store, prints its address (and the demo
/// logins when seeded), then waits for a signal and shuts down.
async fn serve(
    config: Config,
    cluster: Option<Arc<Cluster>>,
    with_demo: bool,
    shutdown_timeout: Duration,
) -> anyhow::Result<()> {
    let data = config.data_dir.clone();
    let store = match &cluster {
        Some(cluster) => cluster.store(),
        None => crate::open(&data)?,
    };
    let logins = if with_demo {
        demo::seed(store.as_ref()).context("seeding the demo data")?
    } else {
        Vec::new()
    };
    let server = match &cluster {
        Some(cluster) => Server::start_in_cluster(config, Arc::clone(cluster)).await?,
        None => Server::start_with_store(config, store).await?,
    };
    let addr = server.local_addr();
    // The first line on stdout is for scripts and tests to find the port.
    // A closed stdout must not stop the server, so write errors are ignored.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {addr}");
    let _ = writeln!(
        out,
        "app: http://{addr}/   WebSocket endpoint: ws://{addr}/ws   data: {}",
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
            "demo password (DEMO DATA ONLY, public, never for real users): {}   open the app at http://{addr}/ and log in as {}",
            demo::DEMO_PASSWORD,
            logins[0].email,
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
            if let Some(cluster) = cluster {
                // Its teams' leases go at once rather than at their expiry.
                cluster.shutdown().await;
            }
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
