//! One request's way from a [`Client`](crate::Client) handle to the driver
//! and back, and its retries after a temporary refusal.
//!
//! A server answers `unavailable` when it cannot take a request for now
//! and stored nothing of it: it is shutting down, the team's writer
//! changed or cannot be reached (a deployment of several nodes), or the
//! team has too many writes waiting for its disk. A request that can be
//! repeated without effect is asked again after a jittered backoff (the
//! `reconnect` one) instead of failing at once.
//!
//! Invariants:
//! - only requests safe to repeat are retried: sends (their
//!   `client_msg_id`), requests carrying an idempotency key (their `key`:
//!   both are built once, so every retry carries the same one and the
//!   server does the work once, answering a repeat with the original
//!   result), and subscribes (which change nothing); any other request
//!   gets the refusal at once;
//! - everything, retries and the waits between them, fits in one
//!   `request_timeout` from the call; when the next wait and room for its
//!   answer (twice the last attempt's time, and at least a tenth of the
//!   timeout) would not fit, the caller gets the last `unavailable`
//!   refusal rather than a `Timeout`, so it knows the server was up and
//!   refusing;
//! - the caller dropping its future stops the retries: nothing more is
//!   queued;
//! - a send asked again goes behind the sends queued meanwhile: sends
//!   made one after the other (each awaited) keep their order, sends made
//!   at once may not.

use crate::config::Backoff;
use crate::error::Error;
use crate::request::{Command, ReplyTx};
use crate::shared::Shared;
use std::time::Duration;
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// How long a request may take, and how its retries are spaced.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Patience {
    pub(crate) timeout: Duration,
    pub(crate) backoff: Backoff,
}

/// Queues the command `make` builds and waits for its reply, retrying it
/// after `unavailable` if it is safe to (see the module's invariants).
/// `make` is called once per attempt with the attempt's reply channel.
pub(crate) async fn exchange(
    commands: &mpsc::Sender<Command>,
    shared: &Shared,
    patience: Patience,
    make: impl Fn(ReplyTx) -> Command,
) -> Result<Reply, Error> {
    let deadline = Instant::now() + patience.timeout;
    let mut attempt = 0u32;
    loop {
        let started = Instant::now();
        let (reply, answer) = oneshot::channel();
        let command = make(reply);
        let retryable = command.repeatable();
        let once = async {
            if commands.send(command).await.is_err() {
                return Err(shared.ending());
            }
            // A dropped sender means the driver ended without answering.
            answer.await.unwrap_or_else(|_| Err(shared.ending()))
        };
        let result = tokio::time::timeout_at(deadline, once)
            .await
            .unwrap_or(Err(Error::Timeout));
        let refused_for_now = matches!(
            &result,
            Err(Error::Server {
                code: ErrorCode::Unavailable,
                ..
            })
        );
        if !(retryable && refused_for_now) {
            return result;
        }
        let wait = patience.backoff.delay(attempt);
        attempt = attempt.saturating_add(1);
        // Room for the wait and for the next answer to come back: an
        // attempt cut short by the deadline would leave the caller a
        // `Timeout` (did the server take it?) instead of the refusal.
        let answer_room = (started.elapsed() * 2).max(patience.timeout / 10);
        if Instant::now() + wait + answer_room >= deadline {
            return result;
        }
        if let Err(error) = &result {
            tracing::debug!(%error, ?wait, attempt, "refused for now; asking again");
        }
        tokio::time::sleep(wait).await;
    }
}
