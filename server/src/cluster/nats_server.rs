//! For tests: a throwaway `nats-server` with JetStream on a free loopback
//! port and a temporary folder, killed when dropped; and a cluster node
//! on it, on a runtime of its own, for the store's synchronous tests.
//!
//! Without `nats-server` on the PATH the tests that need it fail when
//! `CI=true` (a CI run must not pass by skipping them) and otherwise say
//! why and return.

use super::{Cluster, ClusterOptions};
use crate::store::Store;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running `nats-server`, killed on drop.
pub(crate) struct NatsServer {
    child: Child,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl NatsServer {
    /// Starts one, or says why not and returns `None` (panics under CI).
    pub(crate) fn start() -> Option<NatsServer> {
        let Some(binary) = find_binary() else {
            let why = "nats-server is not on the PATH";
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{why}: the cluster tests cannot run");
            }
            eprintln!("{why}: skipping a cluster test");
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary folder");
        // A port free a moment ago may be taken before the server binds it
        // (by another test's connection): the server then exits, and
        // another port is tried.
        for _ in 0..START_ATTEMPTS {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let mut child = Command::new(&binary)
                .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("nats-server starts");
            if listening(&mut child, port) {
                return Some(NatsServer {
                    child,
                    url: format!("nats://127.0.0.1:{port}"),
                    _dir: dir,
                });
            }
        }
        panic!("nats-server did not start on any of {START_ATTEMPTS} ports");
    }

    /// Options for a node of this server, with its data in `data_dir`.
    pub(crate) fn options(&self, data_dir: &std::path::Path, ttl: Duration) -> ClusterOptions {
        ClusterOptions {
            urls: vec![self.url.clone()],
            data_dir: data_dir.to_owned(),
            replicas: 1,
            lease_ttl: ttl,
        }
    }
}

/// Two nodes of one cluster on a [`NatsServer`], each on a data folder of
/// its own (kept as long as the nodes are).
pub(crate) struct TwoNodes {
    pub(crate) a: Arc<Cluster>,
    pub(crate) b: Arc<Cluster>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl NatsServer {
    /// Joins two nodes, A then B, with leases of `ttl`.
    pub(crate) async fn two_nodes(&self, ttl: Duration) -> TwoNodes {
        let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = Cluster::connect(self.options(dirs.0.path(), ttl))
            .await
            .unwrap();
        let b = Cluster::connect(self.options(dirs.1.path(), ttl))
            .await
            .unwrap();
        TwoNodes { a, b, _dirs: dirs }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        // Already gone is fine: the test is over either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many ports `NatsServer::start` tries.
const START_ATTEMPTS: usize = 5;

/// Waits until the server on `port` greets a client with its `INFO` line:
/// true once it does; false if it exited first (the port was taken). A
/// bare successful connect is not enough: a connect to a free port in the
/// ephemeral range can meet itself (the kernel's simultaneous open), and
/// "listening" then holds for no server at all.
fn listening(child: &mut Child, port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        if let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            let mut greeting = [0u8; 4];
            let greeted = stream.local_addr().ok() != stream.peer_addr().ok()
                && stream
                    .set_read_timeout(Some(Duration::from_millis(500)))
                    .is_ok()
                && stream.read_exact(&mut greeting).is_ok()
                && &greeting == b"INFO";
            if greeted {
                return true;
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nats-server did not greet on port {port} within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn find_binary() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
}

/// A cluster node on a server of its own, on a runtime of its own, for
/// synchronous tests: what the store's contract tests run against.
pub(crate) struct Fixture {
    // Dropped in this order: the node, its runtime, the server, the data.
    pub(crate) cluster: Arc<Cluster>,
    _runtime: tokio::runtime::Runtime,
    _server: NatsServer,
    _data: tempfile::TempDir,
}

impl Fixture {
    pub(crate) fn start() -> Option<Fixture> {
        let server = NatsServer::start()?;
        let data = tempfile::tempdir().expect("a temporary folder");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let options = server.options(data.path(), Duration::from_secs(5));
        let cluster = runtime
            .block_on(Cluster::connect(options))
            .expect("a node joins");
        Some(Fixture {
            cluster,
            _runtime: runtime,
            _server: server,
            _data: data,
        })
    }

    /// The node's store, keeping the whole fixture alive as long as it.
    pub(crate) fn into_store(self) -> Box<dyn Store> {
        let mut store = super::store::NatsStore::new(Arc::clone(&self.cluster.node));
        store.keep = Some(Box::new(self));
        Box::new(store)
    }
}
