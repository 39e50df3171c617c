//! `widget`: web chat contacts connected and chatting at once against one
//! node. N visitors are created over HTTP (`POST /api/widget/{handle}/
//! visitors`), each connects with its token and subscribes; one agent
//! answers every contact message in its conversation. Each visitor sends
//! a message, waits for the agent's answer, pauses, and again (closed
//! loop, one in flight), for the run's length. Reports the visitors
//! connected, messages per second both ways and the round trip (the
//! contact's send to the agent's answer arriving) p50/p99.
//!
//! Bounded: at most 5,000 visitors and 120 s; the agent's queue of
//! messages to answer holds at most one per visitor (each has one in
//! flight). The bench lifts the visitors' limits on the server it starts
//! (see `server_proc`).

use super::cpu;
use crate::report::{self, Latency, Section, Table};
use crate::seed::SeedPlan;
use crate::target::{ServerArgs, Target};
use crate::wire::{self, Socket};
use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_protocol::client::{ClientFrame, SendMessage};
use switchboard_protocol::ids::{ConversationId, RequestId, TeamId};
use switchboard_protocol::model::SenderKind;
use switchboard_protocol::server::{Event, ServerFrame};
use tokio::sync::mpsc;

/// Options of `widget`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct WidgetArgs {
    /// Visitors connected and chatting at once.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub(crate) visitors: u32,
    /// Seconds of chatting.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub(crate) duration: u64,
    /// Milliseconds a visitor waits after an answer before writing again.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub(crate) pause_ms: u64,
}

/// What one visitor saw.
struct Chat {
    answered: u64,
    round_trips: Histogram<u64>,
}

/// Runs `widget`.
pub(crate) async fn run(server: &ServerArgs, args: &WidgetArgs) -> anyhow::Result<Section> {
    if server.url.is_some() {
        bail!("widget starts its own server (it needs a team handle and lifted visitor limits)");
    }
    let mut section = Section::new("widget", String::new());
    let count = super::capped(args.visitors as usize, &mut section);
    let plan = SeedPlan {
        teams: 1,
        users_per_team: 1,
        senders: 0,
        conversations_per_team: 0,
        history: 0,
        archive: 0,
    };
    let target = Target::prepare(server, &plan).await?;
    let team = target.layout.teams[0].id;
    let handle = "bench-0";

    let creating = Instant::now();
    let mut visitors = Vec::with_capacity(count);
    for _ in 0..count {
        let path = format!("/api/widget/{handle}/visitors");
        let (status, body) =
            crate::http::post_json(target.endpoint.addr, &path, &json!({})).await?;
        if status != 201 {
            bail!("POST {path}: {status} {}", String::from_utf8_lossy(&body));
        }
        let created: serde_json::Value = serde_json::from_slice(&body)?;
        let token = created["token"].as_str().context("a visitor's token")?;
        let conversation = created["conversation"]
            .as_u64()
            .context("its conversation")?;
        visitors.push((token.to_string(), ConversationId(conversation)));
    }
    let created_per_second = report::per_second(count as u64, creating.elapsed());

    let (agent, _) =
        wire::connect(&target.endpoint, target.layout.member_token(0, 0), None).await?;
    let agent = tokio::spawn(answer(agent, team, count));
    let mut sockets = Vec::with_capacity(count);
    for (token, conversation) in &visitors {
        let (mut socket, _) = wire::connect(&target.endpoint, token, target.sources.pick()).await?;
        wire::subscribe(&mut socket, RequestId(1), team, None).await?;
        sockets.push((socket, *conversation));
    }
    let window = Duration::from_secs(args.duration);
    let before = target.sample();
    let start = Instant::now();
    let end = start + window;
    let pause = Duration::from_millis(args.pause_ms);
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|(socket, conversation)| tokio::spawn(chat(socket, conversation, end, pause)))
        .collect();
    crate::progress::wait(window, "widget").await;
    let mut answered = 0;
    let mut round_trips = report::histogram();
    for task in tasks {
        let seen = task.await.context("a visitor's task failed")??;
        answered += seen.answered;
        report::merge(&mut round_trips, &seen.round_trips);
    }
    let elapsed = start.elapsed();
    let after = target.sample();
    agent.abort();
    let per_second = report::per_second(answered, elapsed);
    let latency = Latency::of(&round_trips);
    let server_cpu = cpu(before, after);

    section.title = format!(
        "{count} web chat visitors created over HTTP, connected and chatting at once with \
         one agent answering each message, one message in flight per visitor and {} ms \
         between an answer and the next message, {} s; {}.",
        args.pause_ms,
        args.duration,
        target.describe()
    );
    let mut table = Table::new(&[
        "visitors connected",
        "created/s",
        "round trips",
        "messages/s (both ways)",
        "round trip p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
        "max (ms)",
        "server CPU %",
    ]);
    let [p50, p99, p999, max] = latency.cells();
    table.row(vec![
        count.to_string(),
        format!("{created_per_second:.0}"),
        answered.to_string(),
        format!("{:.0}", per_second * 2.0),
        p50,
        p99,
        p999,
        max,
        report::opt(server_cpu, 0),
    ]);
    section.tables.push(table);
    section.data = json!({
        "visitors": count,
        "created_per_second": created_per_second,
        "window_seconds": elapsed.as_secs_f64(),
        "round_trips": answered,
        "messages_per_second": per_second * 2.0,
        "round_trip": latency,
        "server_cpu_percent": server_cpu,
    });
    Ok(section)
}

/// One visitor: writes, waits for the agent's answer, pauses, until `end`.
async fn chat(
    mut socket: Socket,
    conversation: ConversationId,
    end: Instant,
    pause: Duration,
) -> anyhow::Result<Chat> {
    let mut seen = Chat {
        answered: 0,
        round_trips: report::histogram(),
    };
    let mut n = 0u64;
    while Instant::now() < end {
        n += 1;
        let frame = ClientFrame::Send(SendMessage {
            id: RequestId(n + 1),
            conversation,
            client_msg_id: format!("v{n}"),
            body: format!("question {n}"),
            as_contact: false,
            post: None,
        });
        let asked = Instant::now();
        socket.send(wire::message(&frame)?).await?;
        loop {
            match wire::next_frame(&mut socket).await? {
                ServerFrame::Event(e) => match e.event {
                    Event::Message(m) if m.sender.kind == SenderKind::Agent => break,
                    _ => {}
                },
                ServerFrame::Error(e) => bail!("a visitor's send refused: {}", e.message),
                _ => {}
            }
        }
        report::record_nanos(&mut seen.round_trips, asked.elapsed().as_nanos() as u64);
        seen.answered += 1;
        tokio::time::sleep(pause).await;
    }
    wire::close(socket).await;
    Ok(seen)
}

/// The agent: subscribes to the team and answers every contact message
/// in its conversation. Runs until aborted.
async fn answer(mut socket: Socket, team: TeamId, visitors: usize) -> anyhow::Result<()> {
    wire::subscribe(&mut socket, RequestId(1), team, None).await?;
    let (mut sink, mut stream) = socket.split();
    // Each visitor has one message in flight: this never holds more.
    let (asks, mut asked) = mpsc::channel::<ConversationId>(visitors.max(1));
    let writer = tokio::spawn(async move {
        let mut n = 1u64;
        while let Some(conversation) = asked.recv().await {
            n += 1;
            let frame = ClientFrame::Send(SendMessage {
                id: RequestId(n),
                conversation,
                client_msg_id: format!("a{n}"),
                body: "answered".into(),
                as_contact: false,
                post: None,
            });
            sink.send(wire::message(&frame)?).await?;
        }
        anyhow::Ok(())
    });
    while let Some(message) = stream.next().await {
        let Some(Ok(ServerFrame::Event(e))) = wire::decode(&message?) else {
            continue;
        };
        if let Event::Message(m) = e.event {
            if m.sender.kind == SenderKind::Contact && asks.send(m.conversation).await.is_err() {
                break;
            }
        }
    }
    writer.abort();
    Ok(())
}
