//! Getting a new connection after one was lost, and restoring the
//! session on it.
//!
//! Invariants:
//! - each wait of the `reconnect` backoff is followed by one round of the
//!   configured servers (see `servers`); the backoff counts rounds, so a
//!   deployment of several servers moves to the next one without waiting;
//! - on the new connection, re-subscribes come first, from the positions
//!   delivered (a team's log and its offsets are the same on every server
//!   of a deployment), then the view, then the outbox's resends.

use super::{advertised_max, stopped, Driver, Stopped};
use crate::connection::Socket;
use crate::error::Error;
use crate::events::ClientEvent;
use crate::inflight::SubscribeRequest;
use crate::presence::SignalRequest;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::close;
use switchboard_protocol::server::Welcome;

impl Driver {
    /// Waits (with backoff) for a new authenticated connection: a round of
    /// the configured servers after each wait, `attempt` counting rounds.
    pub(super) async fn reconnect(
        &mut self,
        attempt: &mut u32,
    ) -> Result<(Socket, Welcome), Error> {
        loop {
            let delay = self.config.reconnect.delay(*attempt);
            *attempt = attempt.saturating_add(1);
            tokio::select! {
                _ = stopped(&mut self.stop) => return Err(Error::closed_by_client()),
                _ = tokio::time::sleep(delay) => {}
            }
            let opened = tokio::select! {
                _ = stopped(&mut self.stop) => return Err(Error::closed_by_client()),
                opened = self.servers.dial_round(&self.config) => opened,
            };
            match opened {
                Ok(connected) => return Ok(connected),
                Err(Error::Closed {
                    code: Some(code),
                    reason,
                }) if !close::should_reconnect(code) => {
                    return Err(Error::Closed {
                        code: Some(code),
                        reason,
                    });
                }
                Err(error) => tracing::debug!(attempt = *attempt, %error, "reconnect failed"),
            }
        }
    }

    /// After a reconnect: announce it, and list the frames that restore the
    /// session (re-subscribes, the view when no team needs re-subscribing,
    /// then resends).
    pub(super) async fn resume(&mut self, welcome: Welcome) -> Result<Vec<ClientFrame>, Stopped> {
        self.server_max_frame = advertised_max(&welcome);
        self.shared
            .set_welcome(welcome.clone(), self.servers.current());
        tracing::info!(server = %self.servers.current(), "reconnected");
        self.emit(ClientEvent::Reconnected { welcome }).await?;
        let mut frames = Vec::new();
        for (team, position) in self.subscriptions.remembered() {
            frames.push(self.inflight.subscribe(SubscribeRequest {
                team,
                after: Some(position),
                explicit: false,
                caller: None,
                replayed: 0,
                first_resume: None,
            }));
        }
        self.view.reconnected();
        self.restore_view(&mut frames);
        frames.extend(self.inflight.resend());
        Ok(frames)
    }

    /// Sets the application's view on the new connection, once no
    /// re-subscribe of the driver's own is pending any more: the driver does
    /// not know the conversation's team, so it waits for all of them.
    pub(super) fn restore_view(&mut self, out: &mut Vec<ClientFrame>) {
        if self.inflight.resubscribing() {
            return;
        }
        if let Some(conversation) = self.view.take_restore() {
            let view = SignalRequest::View {
                conversation: Some(conversation),
            };
            out.push(self.inflight.restore(view));
        }
    }
}
