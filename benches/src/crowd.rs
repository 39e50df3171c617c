//! Connecting many clients at once: each one opens a socket from one of the
//! bench's source addresses, says hello, subscribes to its team, and counts
//! as joined once the `subscribed` reply is in ([`join`]); [`gather`] does
//! the same pacing for any other way of joining (a peer's rooms).
//!
//! At most `concurrency` clients are between their first SYN and their
//! subscribed reply at any moment; each one has its own timeout, and the
//! whole crowd a deadline, so a server that stops answering ends the
//! phase instead of hanging it. Connections are spawned as tasks so that
//! both of the runtime's threads do the clients' share of the handshakes.

use crate::progress;
use crate::report;
use crate::target::Target;
use crate::wire::{self, Socket};
use hdrhistogram::Histogram;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::ids::{RequestId, TeamId};
use switchboard_protocol::server::Subscribed;
use tokio::sync::{mpsc, Semaphore};

/// The request id of a client's subscribe.
pub(crate) const SUBSCRIBE_ID: RequestId = RequestId(1);

/// A client that has joined its team.
pub(crate) struct Member {
    /// Its number in the crowd.
    pub(crate) index: usize,
    /// The team's index in the layout.
    pub(crate) team: usize,
    /// The token it said hello with.
    pub(crate) token: Arc<str>,
    /// The socket, subscribed.
    pub(crate) socket: Socket,
    /// The subscribe reply.
    pub(crate) subscribed: Subscribed,
}

/// How a crowd's joining went.
pub(crate) struct Joining<T = Member> {
    /// Those who made it, in no particular order.
    pub(crate) members: Vec<T>,
    /// Those who did not, and the first few reasons.
    pub(crate) failures: u64,
    pub(crate) failure_samples: Vec<String>,
    /// From the first connect to the last reply.
    pub(crate) elapsed: Duration,
    /// Connect to joined, per client.
    pub(crate) setup: Histogram<u64>,
}

/// Who joins: client `n` goes to team `teams[n]`.
pub(crate) struct Plan {
    /// The team index of each client.
    pub(crate) teams: Vec<usize>,
    /// Clients joining at once.
    pub(crate) concurrency: usize,
    /// How long one client may take.
    pub(crate) timeout: Duration,
    /// The progress bar's label.
    pub(crate) label: &'static str,
}

impl Plan {
    /// `count` clients spread round robin over `teams` teams.
    pub(crate) fn spread(count: usize, teams: usize, concurrency: usize) -> Plan {
        Plan {
            teams: (0..count).map(|n| n % teams.max(1)).collect(),
            concurrency,
            timeout: Duration::from_secs(20),
            label: "joining",
        }
    }
}

/// Connects and subscribes every client of `plan` to Switchboard.
pub(crate) async fn join(target: &Target, plan: Plan) -> Joining {
    // Each team's members take the team's tokens in turn.
    let mut per_team = vec![0usize; target.layout.teams.len()];
    gather(plan, |index, team| {
        let token: Arc<str> = Arc::from(target.layout.member_token(team, per_team[team]));
        per_team[team] += 1;
        let team_id = target.layout.teams[team].id;
        let endpoint = target.endpoint.clone();
        let source = target.sources.pick();
        async move {
            let (socket, subscribed) = connect(&endpoint, &token, team_id, source).await?;
            Ok(Member {
                index,
                team,
                token,
                socket,
                subscribed,
            })
        }
    })
    .await
}

/// Joins every client of `plan` with `connect(index, team)`, which yields
/// the client once it is in its team (against any server).
pub(crate) async fn gather<T, F, J>(plan: Plan, mut connect: F) -> Joining<T>
where
    T: Send + 'static,
    F: FnMut(usize, usize) -> J,
    J: Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let total = plan.teams.len();
    let bar = progress::counter(total as u64, plan.label);
    let gate = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let (results, mut incoming) = mpsc::channel(1024);
    let start = Instant::now();
    for (index, &team) in plan.teams.iter().enumerate() {
        let joining = connect(index, team);
        let gate = Arc::clone(&gate);
        let results = results.clone();
        let timeout = plan.timeout;
        tokio::spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = gate.acquire_owned().await;
            let began = Instant::now();
            let joined = tokio::time::timeout(timeout, joining)
                .await
                .unwrap_or_else(|_| Err(anyhow::anyhow!("not joined within {timeout:?}")));
            // The receiver only goes away if the crowd was abandoned.
            let _ = results
                .send(joined.map(|member| (member, began.elapsed())))
                .await;
        });
    }
    drop(results);
    let mut joining = Joining {
        members: Vec::with_capacity(total),
        failures: 0,
        failure_samples: Vec::new(),
        elapsed: Duration::ZERO,
        setup: report::histogram(),
    };
    let deadline = tokio::time::Instant::now() + plan.timeout * 4 + Duration::from_secs(10);
    while let Ok(Some(result)) = tokio::time::timeout_at(deadline, incoming.recv()).await {
        match result {
            Ok((member, took)) => {
                report::record_nanos(&mut joining.setup, took.as_nanos() as u64);
                joining.members.push(member);
            }
            Err(e) => {
                joining.failures += 1;
                if joining.failure_samples.len() < 3 {
                    joining.failure_samples.push(format!("{e:#}"));
                }
            }
        }
        bar.inc(1);
        if joining.failures > 0 {
            bar.set_message(format!("{} failed", joining.failures));
        }
    }
    joining.elapsed = start.elapsed();
    let missing = total - joining.members.len() - joining.failures as usize;
    if missing > 0 {
        joining.failures += missing as u64;
        joining
            .failure_samples
            .push(format!("{missing} clients still joining at the deadline"));
    }
    bar.finish_and_clear();
    joining
}

/// One client: connect, hello, subscribe from the head.
pub(crate) async fn connect(
    endpoint: &wire::Endpoint,
    token: &str,
    team: TeamId,
    source: Option<IpAddr>,
) -> anyhow::Result<(Socket, Subscribed)> {
    let (mut socket, _welcome) = wire::connect(endpoint, token, source).await?;
    let subscribed = wire::subscribe(&mut socket, SUBSCRIBE_ID, team, None).await?;
    Ok((socket, subscribed))
}

/// Closes every member's socket, a few hundred at a time.
pub(crate) async fn close_all(members: Vec<Member>) {
    use futures::StreamExt;
    futures::stream::iter(members)
        .for_each_concurrent(256, |m| wire::close(m.socket))
        .await;
}
