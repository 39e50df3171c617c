//! A bot that answers every message in its teams with "echo: <body>".
//!
//! ```text
//! cargo run -p switchboard-client --example echo_bot -- ws://127.0.0.1:8080/ws BOT_TOKEN
//! SWITCHBOARD_URL=ws://127.0.0.1:8080/ws SWITCHBOARD_TOKEN=... cargo run -p switchboard-client --example echo_bot
//! ```
//!
//! For a deployment of several servers, give them all, separated by
//! commas (`ws://a:8080/ws,ws://b:8080/ws`): the bot connects to the
//! first that answers and moves on to the next when its server goes away.
//!
//! It never answers itself (its own messages come back as events too), nor
//! system messages, nor another bot's echo, so two echo bots in one team do
//! not talk to each other forever. Replies are sent from spawned tasks so
//! that the event stream keeps being read while sends wait for their acks.

use anyhow::Context;
use std::sync::Arc;
use switchboard_client::{Client, ClientConfig, ClientEvent, Event, Message, SenderKind, Welcome};
use tokio::sync::Semaphore;

/// Replies waiting for their ack at once; past it, reading events pauses.
const MAX_PENDING_REPLIES: usize = 32;
const ECHO_PREFIX: &str = "echo: ";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("SWITCHBOARD_URL").ok())
        .context("pass the server URL(s) as the first argument or in SWITCHBOARD_URL")?;
    let token = args
        .next()
        .or_else(|| std::env::var("SWITCHBOARD_TOKEN").ok())
        .context("pass the bot token as the second argument or in SWITCHBOARD_TOKEN")?;

    let servers = url.split(',').map(str::trim).filter(|url| !url.is_empty());
    let (client, mut events) = Client::connect(ClientConfig::with_servers(servers, token))
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let me = client.welcome();
    println!(
        "connected to {} as {} ({})",
        client.server_url(),
        me.user.name,
        me.user.id
    );
    for team in &me.teams {
        let subscribed = client
            .subscribe(team.id)
            .await
            .with_context(|| format!("subscribing to team {}", team.name))?;
        println!(
            "subscribed to {} at offset {}",
            team.name, subscribed.offset
        );
    }

    let replies = Arc::new(Semaphore::new(MAX_PENDING_REPLIES));
    while let Some(event) = events.next().await {
        match event {
            ClientEvent::Event(frame) => {
                let Event::Message(message) = frame.event else {
                    continue;
                };
                if !deserves_echo(&message, &client.welcome()) {
                    continue;
                }
                // The semaphore is never closed, so acquiring only waits.
                let permit = replies.clone().acquire_owned().await?;
                let client = client.clone();
                tokio::spawn(async move {
                    let body = format!("{ECHO_PREFIX}{}", message.body);
                    if let Err(error) = client.send(message.conversation, body).await {
                        eprintln!("could not echo in {}: {error}", message.conversation);
                    }
                    drop(permit);
                });
            }
            ClientEvent::Disconnected { code, reason } => {
                eprintln!("disconnected ({code:?}: {reason}); reconnecting");
            }
            ClientEvent::Reconnected { .. } => {
                eprintln!("reconnected to {}", client.server_url());
            }
            ClientEvent::ResumeFailed { team, resume } => {
                eprintln!("missed events of team {team} ({resume:?}); echoing from now on");
            }
            ClientEvent::Closed { code, reason } => {
                println!("closed ({code:?}: {reason})");
            }
            // Presence, typing and viewing: nothing for an echo bot to do.
            ClientEvent::Signal(_) => {}
        }
    }
    Ok(())
}

/// Whether the bot should answer this message.
fn deserves_echo(message: &Message, me: &Welcome) -> bool {
    let sender = &message.sender;
    let from_me =
        matches!(sender.kind, SenderKind::Agent | SenderKind::Bot) && sender.id == me.user.id.0;
    let from_system = sender.kind == SenderKind::System;
    // Another bot's echo: answering it would start an endless exchange.
    let an_echo = sender.kind == SenderKind::Bot && message.body.starts_with(ECHO_PREFIX);
    !(from_me || from_system || an_echo)
}
