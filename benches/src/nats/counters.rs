//! What the NATS servers counted, read from their monitoring endpoints:
//! `/varz` (messages in and out of each server, routes and replication
//! included) and `/connz?subs=detail` (messages delivered to each client
//! connection and to each of its subscriptions), plus the stream's
//! message counts per subject.
//!
//! Invariant: a connection or subscription is only counted between two
//! readings that both saw it (ids are `cid@server#sid`), so one opened
//! in between adds nothing whose start is unknown.

use anyhow::Context;
use serde::Deserialize;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one monitoring request may take.
const MONITOR_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes of one monitoring answer read (a `/connz` of a few
/// dozen connections is a few KiB).
const MONITOR_MAX_BYTES: u64 = 4 << 20;

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
    /// Its place in [`Breakdown::kinds`]: stream, reply, plain.
    fn index(self) -> usize {
        match self {
            Kind::Stream => 0,
            Kind::Reply => 1,
            Kind::Plain => 2,
        }
    }

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
            kinds[kind.index()] += count;
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
    /// Stream deliveries, replies, plain subjects.
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

impl Counters {
    /// Adds server `i`'s `/varz` and `/connz`, read on port `monitor`.
    pub(super) async fn add_server(&mut self, i: usize, monitor_port: u16) -> anyhow::Result<()> {
        let varz: Varz = monitor(monitor_port, "/varz").await?;
        self.in_msgs += varz.in_msgs;
        self.out_msgs += varz.out_msgs;
        let connz: Connz = monitor(monitor_port, "/connz?limit=4096&subs=detail").await?;
        for c in connz.connections {
            let id = format!("{}@{i}", c.cid);
            for sub in c.subscriptions_list_detail {
                self.subscriptions.push((
                    format!("{id}#{}", sub.sid),
                    c.name.clone(),
                    sub.subject,
                    sub.msgs,
                ));
            }
            self.delivered.push((id, c.name, c.out_msgs));
        }
        Ok(())
    }
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
