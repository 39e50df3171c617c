//! `storm`: every client drops at once and comes back. N clients are
//! subscribed over several teams while senders write to every team; then
//! all of them drop their connection at the same instant, messages keep
//! coming, and each reconnects after a random jitter (0 to `--jitter-ms`)
//! and resumes from the last offset it saw.
//!
//! Caught up, precisely: the cutoff is the moment the last client's resume
//! is answered (everyone is back); a client is caught up once it has every
//! event of its team up to the highest offset acknowledged to the senders
//! by the cutoff. The storm's figure is the time from the drop until the
//! last client is caught up (polled every few milliseconds).
//!
//! Then the senders stop, every client drains to its team's final offset,
//! and each is checked: offsets contiguous (no gap, no repeat), and exactly
//! as many of this run's messages as the senders had acknowledged in its
//! team after it first subscribed. Each of the `--repeat` runs has a
//! fresh server, alternating with `--compare`'s binary when one is given.

use super::storm_client::{self, Shared, Signal};
use super::storm_report::{self, Check, StormRun, Usage};
use super::{capped, cpu, runs};
use crate::crowd::{self, Plan};
use crate::report::{self, Section};
use crate::seed::SeedPlan;
use crate::sender::{Crew, Fleet, Phase, Stream};
use crate::target::{ServerArgs, Target};
use crate::traffic::Clock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often catch-up is checked.
const POLL: Duration = Duration::from_millis(5);

/// Options of `storm`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StormArgs {
    /// Clients (capped by the open-files limit).
    #[arg(long, default_value_t = 19_000)]
    pub(crate) clients: usize,
    /// Teams the clients are spread over.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) teams: u32,
    /// Messages per second over all teams, before, during and after the drop.
    #[arg(long, default_value_t = 100.0)]
    pub(crate) rate: f64,
    /// Sending connections.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub(crate) senders: u32,
    /// Seconds of traffic before the drop.
    #[arg(long, default_value_t = 1)]
    pub(crate) before: u64,
    /// The reconnect jitter's span, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub(crate) jitter_ms: u64,
    /// The longest wait for everyone to catch up, in seconds.
    #[arg(long, default_value_t = 30)]
    pub(crate) timeout: u64,
    /// Clients joining at once (first join only).
    #[arg(long, default_value_t = 256)]
    pub(crate) concurrency: usize,
}

/// Runs `storm`: `--repeat` runs per server, each on a fresh one.
pub(crate) async fn run(server: &ServerArgs, args: &StormArgs) -> anyhow::Result<Section> {
    let runs = runs::repeat(server, "storm", |server| once(server, args)).await?;
    Ok(storm_report::section(args, &runs))
}

/// One run against a fresh server (or `--url`).
async fn once(server: ServerArgs, args: &StormArgs) -> anyhow::Result<StormRun> {
    let mut capping = Section::new("storm", String::new());
    let senders = args.senders as usize;
    let count = capped(args.clients + senders, &mut capping) - senders;
    let teams = args.teams as usize;
    let plan = SeedPlan {
        teams,
        users_per_team: count.div_ceil(teams).clamp(1, 200),
        senders,
        conversations_per_team: 1,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(&server, &plan).await?;
    let teams = target.layout.teams.len();
    let joining = crowd::join(&target, Plan::spread(count, teams, args.concurrency)).await;
    if joining.failures > 0 {
        anyhow::bail!(
            "{} clients could not join: {}",
            joining.failures,
            joining.failure_samples.join("; ")
        );
    }
    let clock = Arc::new(Clock::new());
    let shared = Arc::new(Shared {
        clock: Arc::clone(&clock),
        progress: (0..count).map(|_| AtomicU64::new(0)).collect(),
        back: AtomicU64::new(0),
        dropped_at: AtomicU64::new(0),
        jitter: Duration::from_millis(args.jitter_ms),
        endpoint: target.endpoint.clone(),
        sources: Arc::clone(&target.sources),
    });
    let (signal, signal_rx) = watch::channel(Signal::Run);
    let mut client_team = vec![0usize; count];
    let tasks: Vec<_> = joining
        .members
        .into_iter()
        .map(|m| {
            client_team[m.index] = m.team;
            shared.progress[m.index].store(m.subscribed.offset.0, Ordering::Relaxed);
            let setup = storm_client::Setup {
                index: m.index,
                team: m.team,
                team_id: target.layout.teams[m.team].id,
                token: m.token,
                epoch: m.subscribed.epoch,
                start_offset: m.subscribed.offset.0,
            };
            tokio::spawn(storm_client::run(
                setup,
                m.socket,
                Arc::clone(&shared),
                signal_rx.clone(),
            ))
        })
        .collect();
    let crew = Crew::Switchboard {
        endpoint: target.endpoint.clone(),
        tokens: target.layout.sender_tokens.clone(),
        conversations: target.layout.first_conversations(),
    };
    let fleet = Fleet::connect(crew, Arc::clone(&target.sources), Arc::clone(&clock)).await?;
    let phase = Phase {
        step: 0,
        start: Instant::now(),
        duration: Duration::from_secs(args.before + args.timeout + 5),
        grace: Duration::from_secs(5),
        streams: (0..teams)
            .map(|t| Stream {
                team: t,
                rate: args.rate / teams as f64,
            })
            .collect(),
        body_bytes: 200,
    };
    let (stop_sending, stop_rx) = watch::channel(false);
    let storm = async {
        crate::progress::wait(Duration::from_secs(args.before), "flowing").await;
        let before = (target.sample(), crate::proc_stats::sample_self());
        let drop_nanos = clock.now();
        shared.dropped_at.store(drop_nanos, Ordering::Relaxed);
        let _ = signal.send(Signal::Drop);
        let timeline = catch_up(
            &shared,
            &fleet,
            &client_team,
            Duration::from_secs(args.timeout),
        )
        .await;
        let after = (target.sample(), crate::proc_stats::sample_self());
        let _ = stop_sending.send(true);
        (timeline, before, after)
    };
    let (sent, (timeline, before, after)) = tokio::join!(fleet.run(phase, stop_rx), storm);
    let sent = sent?;
    fleet.close().await;
    // Every client drains to its team's final offset (bounded).
    let finals: Vec<u64> = sent
        .acked_offsets
        .iter()
        .map(|o| o.iter().copied().max().unwrap_or(0))
        .collect();
    let drain_end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < drain_end
        && !(0..count).all(|i| shared.progress[i].load(Ordering::Relaxed) >= finals[client_team[i]])
    {
        tokio::time::sleep(POLL).await;
    }
    let _ = signal.send(Signal::Stop);
    let mut ends = Vec::with_capacity(count);
    for task in tasks {
        if let Ok(Ok(end)) = tokio::time::timeout(Duration::from_secs(10), task).await {
            ends.push(end);
        }
    }
    let mut acked = sent.acked_offsets;
    for offsets in &mut acked {
        offsets.sort_unstable();
    }
    let check = Check::of(&ends, &acked, &finals, count);
    let usage = Usage {
        server_cpu: cpu(before.0, after.0),
        bench_cpu: cpu(before.1, after.1),
        server_rss_kib: after.0.map(|s| s.rss_kib),
    };
    let mut measured = StormRun::of(&timeline, check, usage);
    measured.server = target.describe();
    measured.clients = count;
    measured.teams = teams;
    measured.timeout = args.timeout;
    measured.messages_acked = sent.acked;
    measured.notes = capping.notes;
    Ok(measured)
}

/// When things happened after the drop.
pub(super) struct Timeline {
    /// Clients back, and when the last came back (from the drop).
    pub(super) back: u64,
    pub(super) all_back: Option<Duration>,
    /// Clients caught up, and the time each took (from the drop).
    pub(super) caught: u64,
    pub(super) catch_up: hdrhistogram::Histogram<u64>,
    pub(super) all_caught: Option<Duration>,
}

/// Waits for everyone to come back, fixes the cutoff, then waits for
/// everyone to reach it.
async fn catch_up(
    shared: &Shared,
    fleet: &Fleet,
    client_team: &[usize],
    timeout: Duration,
) -> Timeline {
    let count = client_team.len() as u64;
    let start = Instant::now();
    let bar = crate::progress::counter(count, "back");
    let mut timeline = Timeline {
        back: 0,
        all_back: None,
        caught: 0,
        catch_up: report::histogram(),
        all_caught: None,
    };
    while start.elapsed() < timeout {
        timeline.back = shared.back.load(Ordering::Relaxed);
        bar.set_position(timeline.back);
        if timeline.back >= count {
            timeline.all_back = Some(start.elapsed());
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    bar.finish_and_clear();
    let cutoff: Vec<u64> = fleet
        .live
        .acked_offset
        .iter()
        .map(|o| o.load(Ordering::Relaxed))
        .collect();
    let bar = crate::progress::counter(count, "caught up");
    let mut caught = vec![false; client_team.len()];
    while start.elapsed() < timeout && timeline.caught < count {
        let now = start.elapsed();
        for (i, done) in caught.iter_mut().enumerate() {
            if !*done && shared.progress[i].load(Ordering::Relaxed) >= cutoff[client_team[i]] {
                *done = true;
                timeline.caught += 1;
                report::record_nanos(&mut timeline.catch_up, now.as_nanos() as u64);
            }
        }
        bar.set_position(timeline.caught);
        if timeline.caught == count {
            timeline.all_caught = Some(now);
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    bar.finish_and_clear();
    timeline
}
