//! `blast`: a blast at the team's configured rate ceiling beside other
//! teams' traffic. The first team gets `--contacts` contacts by a CSV
//! import, its `blast_rate` set to `--rate`, and a blast to all of them;
//! closed-loop senders write to the other teams for `--duration` seconds
//! alone, then again while the blast runs. Reported side by side: the
//! recipients per second the blast achieved against the rate, and the
//! other teams' send latency in both phases.
//!
//! Bounded: the blast is cancelled if it outlasts `--contacts / --rate`
//! seconds by more than half, or `BLAST_PATIENCE`.

use super::contacts::{generated_csv, wait_for};
use super::durable::{connect_senders, Load, SenderTally};
use crate::report::{self, Latency, Section, Table};
use crate::seed::SeedPlan;
use crate::target::{ServerArgs, Target};
use crate::wire;
use anyhow::{bail, Context};
use futures::SinkExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_protocol::blast::{
    BlastControl, BlastInfo, BlastRequest, BlastStatus, CreateBlast,
};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::ids::{ConversationId, RequestId};
use switchboard_protocol::manage::UpdateTeam;
use switchboard_protocol::server::{Reply, ServerFrame};

/// The longest a blast may run before the bench cancels it.
const BLAST_PATIENCE: Duration = Duration::from_secs(600);

/// Options of `blast`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BlastArgs {
    /// Contacts in the blasting team's book, all of them recipients.
    #[arg(long, default_value_t = 3_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) contacts: u64,
    /// The team's blast rate, messages per second (the ceiling).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) rate: u32,
    /// Other teams, which the senders write to.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) teams: u32,
    /// Sending connections.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) senders: u32,
    /// Sends in flight per sender.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) in_flight: u32,
    /// Seconds of each send phase.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) duration: u64,
}

/// Runs `blast`.
pub(crate) async fn run(server: &ServerArgs, args: &BlastArgs) -> anyhow::Result<Section> {
    let mut section = Section::new("blast", String::new());
    let plan = SeedPlan {
        teams: args.teams as usize + 1,
        users_per_team: 1,
        senders: args.senders as usize,
        conversations_per_team: 1,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(server, &plan).await?;
    let team = target.layout.teams[0].id;
    let owner = (target.layout.owner_token.clone()).context("a blast needs a Manager's token")?;
    let conversations: Arc<[ConversationId]> = (target.layout.teams.iter().skip(1))
        .flat_map(|t| t.conversations.iter().copied())
        .collect();
    section.title = format!(
        "a blast to {} contacts at a rate of {}/s while {} senders x {} in flight write to {} \
         other teams ({} s per phase); {}.",
        args.contacts,
        args.rate,
        args.senders,
        args.in_flight,
        args.teams,
        args.duration,
        target.describe()
    );
    let addr = target.endpoint.addr;
    let path = format!("/api/teams/{}/imports", team.0);
    let answer = crate::http::json(
        addr,
        "POST",
        &path,
        &owner,
        &generated_csv(args.contacts),
        202,
    )
    .await?;
    let job = answer["job"]["id"].as_u64().context("an import job id")?;
    wait_for(addr, team, job, &owner, Instant::now()).await?;

    let (mut control, _) = wire::connect(&target.endpoint, &owner, None).await?;
    let rate = args.rate;
    request(
        &mut control,
        ClientFrame::UpdateTeam(UpdateTeam {
            id: RequestId(1),
            team,
            name: None,
            identity: None,
            statuses: None,
            max_members: None,
            blast_rate: Some(rate),
        }),
    )
    .await?;
    let quiet = phase(&target, args, &conversations, "sends alone").await?;
    let started = Instant::now();
    let created = request(
        &mut control,
        ClientFrame::CreateBlast(CreateBlast {
            id: RequestId(2),
            team,
            key: "bench".into(),
            name: "bench".into(),
            audience: ContactQuery::default(),
            template: "Hi {{first_name|there}}, a bench message.".into(),
        }),
    )
    .await?;
    let Reply::Blast(blast) = created else {
        bail!("create_blast answered {created:?}");
    };
    let expected = Duration::from_secs_f64(args.contacts as f64 / f64::from(rate));
    let bound = (expected * 3 / 2 + Duration::from_secs(5)).min(BLAST_PATIENCE);
    let mut request_id = 3;
    // Watched while the other teams send, so that the blast's own time is
    // measured, not the send phase's.
    let watch = async {
        let done = loop {
            request_id += 1;
            let read = ClientFrame::Blast(BlastRequest {
                id: RequestId(request_id),
                team,
                blast: blast.id,
                after: None,
            });
            let info = match request(&mut control, read).await? {
                Reply::BlastDetail(detail) => detail.info,
                other => bail!("blast answered {other:?}"),
            };
            if info.status == BlastStatus::Finished {
                break info;
            }
            if started.elapsed() > bound {
                let cancel = ClientFrame::CancelBlast(BlastControl {
                    id: RequestId(request_id + 1),
                    team,
                    blast: blast.id,
                });
                request(&mut control, cancel).await?;
                section.failures.push(format!(
                    "the blast was cancelled after {:.1} s with {} of {} sent",
                    started.elapsed().as_secs_f64(),
                    info.sent,
                    info.total
                ));
                break info;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        anyhow::Ok((done, started.elapsed().as_secs_f64()))
    };
    let (loaded, watched) = tokio::join!(
        phase(&target, args, &conversations, "sends while blasting"),
        watch
    );
    let (loaded, (done, seconds)) = (loaded?, watched?);
    wire::close(control).await;
    figures(&mut section, args, &done, seconds, [&quiet, &loaded]);
    Ok(section)
}

/// The tables, notes, targets and data of the run.
fn figures(
    section: &mut Section,
    args: &BlastArgs,
    done: &BlastInfo,
    seconds: f64,
    phases: [&Phase; 2],
) {
    let mut table = Table::new(&[
        "phase",
        "acked sends",
        "sends/s",
        "p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "max (ms)",
    ]);
    let window = Duration::from_secs(args.duration);
    for p in phases {
        let [p50, p99, p999, max] = p.latency.cells();
        let rate = format!("{:.0}", report::per_second(p.sends, window));
        table.row(vec![
            p.name.to_string(),
            p.sends.to_string(),
            rate,
            p50,
            p99,
            p999,
            max,
        ]);
        if p.refused > 0 {
            section
                .failures
                .push(format!("{}: {} sends refused", p.name, p.refused));
        }
    }
    section.tables.push(table);
    let achieved = done.sent as f64 / seconds;
    let mut blast = Table::new(&[
        "recipients",
        "sent",
        "rate (/s)",
        "achieved (/s)",
        "of the rate",
        "took (s)",
    ]);
    blast.row(vec![
        done.total.to_string(),
        done.sent.to_string(),
        args.rate.to_string(),
        format!("{achieved:.1}"),
        format!("{:.0}%", achieved / f64::from(args.rate) * 100.0),
        format!("{seconds:.1}"),
    ]);
    section.tables.push(blast);
    if seconds < args.duration as f64 {
        section.notes.push(format!(
            "the blast ended before the loaded phase did ({seconds:.1} s against {} s)",
            args.duration
        ));
    }
    let (quiet, loaded) = (phases[0], phases[1]);
    let ratio = if quiet.latency.p99_ms > 0.0 {
        loaded.latency.p99_ms / quiet.latency.p99_ms
    } else {
        0.0
    };
    section.notes.push(format!(
        "the other teams' send p99 while blasting / alone: x{ratio:.2}"
    ));
    section.target(
        "the blast within 10% of its rate, never above it",
        format!("{achieved:.1}/s of {}/s", args.rate),
        achieved <= f64::from(args.rate) * 1.01 && achieved >= f64::from(args.rate) * 0.9,
    );
    section.target(
        "the other teams' send p99 while blasting within 1.5x of alone",
        format!("x{ratio:.2}"),
        ratio <= 1.5,
    );
    section.data = json!({
        "contacts": args.contacts, "rate": args.rate, "sent": done.sent,
        "seconds": seconds, "achieved_per_second": achieved, "p99_ratio": ratio,
        "phases": phases.iter().map(|p| json!({"name": p.name, "acked": p.sends, "latency": p.latency})).collect::<Vec<_>>(),
    });
}

/// Sends a request on the control connection and waits for its answer.
async fn request(socket: &mut wire::Socket, frame: ClientFrame) -> anyhow::Result<Reply> {
    let id = frame.request_id().context("a request")?;
    socket
        .send(wire::message(&frame)?)
        .await
        .context("sending a request")?;
    loop {
        match wire::next_frame(socket).await? {
            ServerFrame::Result(r) if r.id == id => return Ok(r.result),
            ServerFrame::Error(e) if e.id == Some(id) => {
                bail!("refused: {} ({})", e.message, e.code)
            }
            _ => {}
        }
    }
}

/// What one send phase measured.
struct Phase {
    name: &'static str,
    sends: u64,
    refused: u64,
    latency: Latency,
}

/// The senders for `--duration` seconds.
async fn phase(
    target: &Target,
    args: &BlastArgs,
    conversations: &Arc<[ConversationId]>,
    name: &'static str,
) -> anyhow::Result<Phase> {
    let window = Duration::from_secs(args.duration);
    let sockets = connect_senders(target, args.senders).await?;
    let load = Load {
        run: crate::traffic::Clock::new().run,
        conversations: Arc::clone(conversations),
        in_flight: args.in_flight as usize,
        body: "c".repeat(200),
        window_end: Instant::now() + window,
    };
    let senders = load.start(sockets);
    crate::progress::wait(window, name).await;
    let senders = SenderTally::of(senders).await?;
    Ok(Phase {
        name,
        sends: senders.acked_in_window,
        refused: senders.error_count,
        latency: Latency::of(&senders.latency),
    })
}
