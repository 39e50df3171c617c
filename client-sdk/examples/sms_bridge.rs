//! A channel bridge through the SDK: a bot of scope `bridge` that carries
//! a (pretend) SMS gateway into its team.
//!
//! ```text
//! cargo run -p switchboard-client --example sms_bridge -- ws://127.0.0.1:8080/ws BRIDGE_TOKEN
//! ```
//!
//! Inbound, each line typed on standard input stands for a text message
//! the gateway received: `PHONE ID BODY...` (`+14155550123 sms-1 Hello`).
//! It is relayed with `relay`, keyed by the gateway's id, so a line sent
//! twice (a gateway retrying its webhook) is stored once.
//!
//! Outbound, every message of the team (an agent's or a bot's) in a
//! conversation on this bridge is "sent" by printing it with the address,
//! then reported with a `sent` receipt, which agents see on the message.
//! A real bridge would call the gateway's API there, and report
//! `delivered` or `failed` when the gateway's status callback arrives.
//!
//! Inbound lines wait in a bounded queue: when it is full, reading standard
//! input pauses until the relays catch up.

use anyhow::Context;
use std::collections::HashMap;
use std::io::BufRead;
use switchboard_client::protocol::bridge::DeliveryStatus;
use switchboard_client::protocol::model::Channel;
use switchboard_client::{Client, ClientConfig, ClientEvent, ConversationId, Event, SenderKind};
use tokio::sync::mpsc;

/// Inbound lines waiting to be relayed.
const INBOUND_QUEUE: usize = 64;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("SWITCHBOARD_URL").ok())
        .context("pass the server URL as the first argument or in SWITCHBOARD_URL")?;
    let token = args
        .next()
        .or_else(|| std::env::var("SWITCHBOARD_TOKEN").ok())
        .context("pass the bridge token as the second argument or in SWITCHBOARD_TOKEN")?;
    let (client, mut events) = Client::connect(ClientConfig::new(&url, token))
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let me = client.welcome().user.id;
    let team = client
        .welcome()
        .teams
        .first()
        .map(|t| t.id)
        .context("a bridge bot belongs to one team")?;
    client.subscribe(team).await.context("subscribing")?;
    println!("bridging team {team} as bot {me}; type PHONE ID BODY to relay");

    // Standard input is read on a thread of its own: it blocks.
    let (lines, mut inbound) = mpsc::channel::<String>(INBOUND_QUEUE);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            // A full queue blocks this thread, pausing the reading.
            if lines.blocking_send(line).is_err() {
                break;
            }
        }
    });

    // The address of each conversation on this bridge, as learnt.
    let mut addresses: HashMap<ConversationId, Option<String>> = HashMap::new();
    loop {
        tokio::select! {
            Some(line) = inbound.recv() => relay_line(&client, &line).await,
            event = events.next() => {
                let Some(event) = event else { break };
                let ClientEvent::Event(frame) = event else { continue };
                let Event::Message(message) = frame.event else { continue };
                if !matches!(message.sender.kind, SenderKind::Agent | SenderKind::Bot) {
                    continue;
                }
                let address = match addresses.get(&message.conversation) {
                    Some(known) => known.clone(),
                    None => {
                        let learnt = address_on(&client, message.conversation, me).await;
                        addresses.insert(message.conversation, learnt.clone());
                        learnt
                    }
                };
                let Some(address) = address else { continue };
                println!("SMS to {address}: {}", message.body);
                let receipt = client
                    .receipt(message.conversation, message.seq, DeliveryStatus::Sent, None)
                    .await;
                if let Err(error) = receipt {
                    eprintln!("could not report on {}: {error}", message.conversation);
                }
            }
        }
    }
    Ok(())
}

/// Relays one `PHONE ID BODY` line, or says why not.
async fn relay_line(client: &Client, line: &str) {
    let mut parts = line.trim().splitn(3, ' ');
    let (Some(phone), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        eprintln!("expected PHONE ID BODY");
        return;
    };
    match client.relay(phone, None, id, body).await {
        Ok(relayed) => println!(
            "relayed into conversation {} at seq {}{}",
            relayed.conversation,
            relayed.seq,
            if relayed.created { " (new)" } else { "" }
        ),
        Err(error) => eprintln!("could not relay: {error}"),
    }
}

/// The contact's address if the conversation is on this bridge.
async fn address_on(
    client: &Client,
    conversation: ConversationId,
    me: switchboard_client::protocol::ids::UserId,
) -> Option<String> {
    let details = client.conversation(conversation).await.ok()?;
    match details.conversation.channel {
        Some(Channel::Bridge { bridge, address }) if bridge == me => Some(address),
        _ => None,
    }
}
