//! The search half of `contacts`: `--searches` `contacts` requests over
//! the imported book, one at a time on one connection, cycling through a
//! name prefix, a phone, an email and a tag (each with the default page of
//! 50), and their latency.

use super::contacts::ContactsArgs;
use super::durable::connect;
use crate::report::Latency;
use crate::target::Target;
use crate::wire;
use anyhow::Context;
use futures::SinkExt;
use hdrhistogram::Histogram;
use std::time::{Duration, Instant};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::contacts::{ContactQuery, Contacts};
use switchboard_protocol::ids::{RequestId, TeamId};
use switchboard_protocol::server::{Reply, ServerFrame};

/// How long one search may take before the run gives up on it.
const PATIENCE: Duration = Duration::from_secs(30);

/// What the searches did.
pub(super) struct Searched {
    pub(super) done: u64,
    pub(super) latency: Latency,
    pub(super) failures: Vec<String>,
}

/// The `i`th search: over the `rows` contacts `generated_csv` wrote.
fn query(i: u64, rows: u64) -> ContactQuery {
    let n = (i * 7919) % rows;
    let (text, tag) = match i % 4 {
        0 => (Some(format!("person{n}")), None),
        1 => (
            Some(format!(
                "+1 212 {:03} {:04}",
                200 + n / 10_000 % 800,
                n % 10_000
            )),
            None,
        ),
        2 => (Some(format!("person{n}@example.com")), None),
        _ => (
            None,
            Some(["lead", "vip", "cold", "hired"][(n % 4) as usize].into()),
        ),
    };
    ContactQuery {
        text,
        tag,
        ..ContactQuery::default()
    }
}

/// Runs the searches as `token` (a Manager of `team`).
pub(super) async fn run(
    target: &Target,
    token: &str,
    team: TeamId,
    args: &ContactsArgs,
) -> anyhow::Result<Searched> {
    let mut socket = connect(&target.endpoint, token.to_string(), target.sources.pick()).await?;
    let mut histogram = Histogram::<u64>::new(3)?;
    let mut searched = Searched {
        done: 0,
        latency: Latency::of(&histogram),
        failures: Vec::new(),
    };
    for i in 0..u64::from(args.searches) {
        let id = RequestId(i + 1);
        let frame = ClientFrame::Contacts(Contacts {
            id,
            team,
            query: query(i, args.rows),
        });
        let asked = Instant::now();
        socket
            .send(wire::message(&frame)?)
            .await
            .context("searching")?;
        loop {
            let reply = tokio::time::timeout(PATIENCE, wire::next_frame(&mut socket))
                .await
                .context("a search took too long")??;
            match reply {
                ServerFrame::Result(r) if r.id == id => {
                    match r.result {
                        Reply::Contacts(list) if !list.contacts.is_empty() => {
                            searched.done += 1;
                            let micros = asked.elapsed().as_micros() as u64;
                            histogram.record(micros.max(1))?;
                        }
                        other => searched
                            .failures
                            .push(format!("search {i} found nothing: {other:?}")),
                    }
                    break;
                }
                ServerFrame::Error(e) if e.id == Some(id) => {
                    searched
                        .failures
                        .push(format!("search {i}: {:?} {}", e.code, e.message));
                    break;
                }
                _ => continue,
            }
        }
        if searched.failures.len() >= 10 {
            break;
        }
    }
    wire::close(socket).await;
    searched.latency = Latency::of(&histogram);
    Ok(searched)
}
