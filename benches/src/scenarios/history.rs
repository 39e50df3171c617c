//! `history`: history page reads per second on a long conversation. The
//! conversation is seeded with M messages before the server starts; then
//! several clients, each with one request in flight (closed loop), ask for
//! pages of 50 just before a random seq, and check that every page holds
//! the 50 consecutive messages asked for.

use super::cpu;
use crate::report::{self, Latency, Section, Table};
use crate::seed::SeedPlan;
use crate::target::{ServerArgs, Target};
use crate::wire;
use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_protocol::client::{ClientFrame, History};
use switchboard_protocol::ids::{ConversationId, RequestId, Seq};

/// Options of `history`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct HistoryArgs {
    /// Messages seeded into the conversation.
    #[arg(long, default_value_t = 100_000)]
    pub(crate) messages: usize,
    /// Clients reading at once, one page in flight each.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) clients: u32,
    /// Messages per page.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub(crate) page: u32,
    /// Seconds of reading.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) duration: u64,
}

/// What one reader did.
struct Reads {
    pages: u64,
    bad_pages: u64,
    bad_sample: Option<String>,
    latency: Histogram<u64>,
}

/// Runs `history`.
pub(crate) async fn run(server: &ServerArgs, args: &HistoryArgs) -> anyhow::Result<Section> {
    let mut section = Section::new("history", String::new());
    let plan = SeedPlan {
        teams: 1,
        users_per_team: args.clients as usize,
        senders: 1,
        conversations_per_team: 1,
        history: args.messages,
        archive: 0,
    };
    let seeding = Instant::now();
    let target = Target::prepare(server, &plan).await?;
    let seed_seconds = seeding.elapsed().as_secs_f64();
    let conversation = target.layout.teams[0].conversations[0];
    let (mut probe, _) =
        wire::connect(&target.endpoint, target.layout.member_token(0, 0), None).await?;
    let last = read_page(&mut probe, RequestId(1), conversation, None, 1).await?;
    wire::close(probe).await;
    let Some(&last) = last.0.last() else {
        bail!("conversation {conversation} has no messages");
    };
    let page = u64::from(args.page);
    if last < page {
        bail!("conversation {conversation} has {last} messages, fewer than one page");
    }
    section.title = format!(
        "pages of {page} at random positions in a conversation of {last} messages, \
         {} clients one page in flight each, {} s; {}.",
        args.clients,
        args.duration,
        target.describe()
    );
    let mut sockets = Vec::new();
    for i in 0..args.clients as usize {
        let token = target.layout.member_token(0, i);
        sockets.push(
            wire::connect(&target.endpoint, token, target.sources.pick())
                .await?
                .0,
        );
    }
    let window = Duration::from_secs(args.duration);
    let before = target.sample();
    let start = Instant::now();
    let end = start + window;
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(read_loop(socket, conversation, last, page, end)))
        .collect();
    crate::progress::wait(window, "history").await;
    let mut reads = Reads {
        pages: 0,
        bad_pages: 0,
        bad_sample: None,
        latency: report::histogram(),
    };
    for task in tasks {
        let r = task.await.context("a reader task failed")??;
        reads.pages += r.pages;
        reads.bad_pages += r.bad_pages;
        reads.bad_sample = reads.bad_sample.or(r.bad_sample);
        report::merge(&mut reads.latency, &r.latency);
    }
    let elapsed = start.elapsed();
    let after = target.sample();
    let rate = report::per_second(reads.pages, elapsed);
    let latency = Latency::of(&reads.latency);
    let server_cpu = cpu(before, after);

    let mut table = Table::new(&[
        "messages",
        "clients",
        "pages read",
        "pages/s",
        "messages/s",
        "p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "max (ms)",
        "server CPU %",
    ]);
    let [p50, p99, p999, max] = latency.cells();
    table.row(vec![
        last.to_string(),
        args.clients.to_string(),
        reads.pages.to_string(),
        format!("{rate:.0}"),
        format!("{:.0}", rate * page as f64),
        p50,
        p99,
        p999,
        max,
        report::opt(server_cpu, 0),
    ]);
    section.tables.push(table);
    if target.started {
        section
            .notes
            .push(format!("seeding and starting took {seed_seconds:.1} s"));
    }
    if reads.bad_pages > 0 {
        section.failures.push(format!(
            "{} pages were not the {page} consecutive messages asked for: {}",
            reads.bad_pages,
            reads.bad_sample.unwrap_or_default()
        ));
    }
    section.data = json!({
        "messages": last,
        "clients": args.clients,
        "page": page,
        "window_seconds": elapsed.as_secs_f64(),
        "pages": reads.pages,
        "pages_per_second": rate,
        "messages_per_second": rate * page as f64,
        "latency": latency,
        "bad_pages": reads.bad_pages,
        "server_cpu_percent": server_cpu,
    });
    Ok(section)
}

/// Reads random pages until `end`.
async fn read_loop(
    mut socket: wire::Socket,
    conversation: ConversationId,
    last: u64,
    page: u64,
    end: Instant,
) -> anyhow::Result<Reads> {
    let mut reads = Reads {
        pages: 0,
        bad_pages: 0,
        bad_sample: None,
        latency: report::histogram(),
    };
    let mut id = 0;
    while Instant::now() < end {
        id += 1;
        // A page just before `before`: the span keeps every page full.
        let before = page + 1 + rand::random::<u64>() % (last - page + 1);
        let asked = Instant::now();
        let (seqs, more) =
            read_page(&mut socket, RequestId(id), conversation, Some(before), page).await?;
        report::record_nanos(&mut reads.latency, asked.elapsed().as_nanos() as u64);
        reads.pages += 1;
        let expected: Vec<u64> = (before - page..before).collect();
        let full = seqs == expected && more == (before - page > 1);
        if !full {
            reads.bad_pages += 1;
            reads.bad_sample.get_or_insert_with(|| {
                format!(
                    "before {before}: got {} messages from {:?}, more {more}",
                    seqs.len(),
                    seqs.first()
                )
            });
        }
    }
    wire::close(socket).await;
    Ok(reads)
}

/// One history request and its reply: the seqs listed and `more`.
async fn read_page(
    socket: &mut wire::Socket,
    id: RequestId,
    conversation: ConversationId,
    before: Option<u64>,
    limit: u64,
) -> anyhow::Result<(Vec<u64>, bool)> {
    let frame = ClientFrame::History(History {
        id,
        conversation,
        before: before.map(Seq),
        after: None,
        limit: Some(u32::try_from(limit).unwrap_or(u32::MAX)),
    });
    socket
        .send(wire::message(&frame)?)
        .await
        .context("sending history")?;
    loop {
        let Some(message) = socket.next().await else {
            bail!("the server ended the connection");
        };
        let message = message.context("reading a history page")?;
        let Some(reply) = wire::data(&message).and_then(wire::decode_lite) else {
            continue;
        };
        if reply.id != Some(id.0) {
            continue;
        }
        match reply.result {
            Some(result) if result.kind == "history" => {
                let seqs = result.messages.unwrap_or_default();
                let more = result.more.unwrap_or(false);
                return Ok((seqs.into_iter().map(|m| m.seq).collect(), more));
            }
            _ => bail!("history refused: {:?}", wire::decode(&message)),
        }
    }
}
