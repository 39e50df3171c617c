//! Catching a subscriber up from the log when a batch the server chose to
//! push in one go does not fit in its outbox.
//!
//! A flush can cover far more events than an outbox holds (a handoff
//! copies a whole conversation's history in one entry). A subscriber whose
//! outbox cannot take such a batch, though it has kept up, is not closed:
//! it falls *behind*. It stays subscribed (and online), but live events
//! skip it; a waiter task watches its outbox and, once it has drained to a
//! quarter of its bounds, asks the hub for the next chunk after the last
//! offset it was sent, read from the hub's memory or the store exactly as a
//! replay is. When a chunk reaches the durable offset the subscriber is
//! live again. Events reach it in offset order, none skipped, none twice.
//!
//! Invariants:
//! - a subscriber behind has been sent every event up to `after`, and
//!   nothing later;
//! - every `CatchUp` names the fall it answers (`token`): one for an
//!   earlier fall, or for a subscription replaced since (the client
//!   subscribed again or left), does nothing;
//! - a subscriber whose outbox does not drain within the keepalive window
//!   (`ping_interval + ping_timeout`) is closed as a slow consumer: a
//!   reader that stopped reading is let go as it would be without a burst.

use super::actor::Hub;
use super::{HubCommand, HubRequest, Registry};
use crate::outlet::{Batch, ConnId, Outlet};
use crate::store::StoreError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use switchboard_protocol::close;
use switchboard_protocol::ids::{Offset, TeamId};

/// Where a subscriber that fell behind stands.
#[derive(Debug, Clone, Copy)]
pub(super) struct Behind {
    /// The last offset it was sent.
    after: Offset,
    /// Names this fall, for the waiter's `CatchUp`.
    token: u64,
}

/// Tokens unique in this process.
static TOKENS: AtomicU64 = AtomicU64::new(1);

impl Hub<'_> {
    /// Takes `conn` off the live fan-out: it has been sent everything up to
    /// `after`, and is fed the rest from the log as its outbox drains.
    pub(super) fn fall_behind(&mut self, conn: ConnId, after: Offset) {
        tracing::debug!(team = %self.team, conn, %after, "a subscriber fell behind a large batch");
        self.wait_behind(conn, after);
    }

    /// Marks `conn` as behind at `after` and starts its waiter.
    fn wait_behind(&mut self, conn: ConnId, after: Offset) {
        let Some(subscriber) = self.subscribers.get_mut(conn) else {
            return;
        };
        let token = TOKENS.fetch_add(1, Ordering::Relaxed);
        subscriber.behind = Some(Box::new(Behind { after, token }));
        let outlet = subscriber.outlet.clone();
        wait_for_room(Arc::clone(self.registry), self.team, outlet, token);
    }

    /// Sends the next chunk to a subscriber behind (the fall named by
    /// `token`); live again once it reaches the durable offset. `drained`
    /// is false when its outbox did not drain in time (or closed).
    pub(super) fn catch_up(
        &mut self,
        conn: ConnId,
        token: u64,
        drained: bool,
    ) -> Result<(), StoreError> {
        let Some(subscriber) = self.subscribers.get(conn) else {
            return Ok(());
        };
        let Some(behind) = subscriber
            .behind
            .as_deref()
            .copied()
            .filter(|b| b.token == token)
        else {
            return Ok(());
        };
        let outlet = subscriber.outlet.clone();
        if !drained {
            outlet.close(
                close::SLOW_CONSUMER,
                "outbound queue full: resume from your last offset",
            );
            self.drop_subscriber(conn);
            return Ok(());
        }
        let chunk = self.chunk(&outlet, subscriber.restricted.as_deref(), behind.after)?;
        let after = match outlet.push_batch(&chunk.frames) {
            Batch::Closed => {
                self.drop_subscriber(conn);
                return Ok(());
            }
            // Others filled the outbox since it drained: wait again.
            Batch::NoRoom => behind.after,
            Batch::Queued if chunk.last == self.durable => {
                if let Some(subscriber) = self.subscribers.get_mut(conn) {
                    subscriber.behind = None;
                }
                return Ok(());
            }
            Batch::Queued if chunk.last == behind.after => {
                // Not one event fits in a drained outbox: none ever will.
                outlet.close(
                    close::SLOW_CONSUMER,
                    "an event does not fit in the outbound queue",
                );
                self.drop_subscriber(conn);
                return Ok(());
            }
            Batch::Queued => chunk.last,
        };
        self.wait_behind(conn, after);
        Ok(())
    }

    /// Forgets a subscriber whose connection is closing.
    fn drop_subscriber(&mut self, conn: ConnId) {
        self.subscribers.remove(conn);
        self.gone(conn);
    }
}

/// Waits, off the hub's task, until `outlet` has drained (or the keepalive
/// window passed, or it closed), then asks the hub to go on.
fn wait_for_room(registry: Arc<Registry>, team: TeamId, outlet: Outlet, token: u64) {
    let config = &registry.context.config;
    let patience = config.ping_interval + config.ping_timeout;
    tokio::spawn(async move {
        let drained = tokio::time::timeout(patience, outlet.drained())
            .await
            .unwrap_or(false);
        let command = HubRequest::from(outlet, None, HubCommand::CatchUp { token, drained });
        // A server that stops closes every connection anyway.
        let _ = registry.dispatch(team, command).await;
    });
}
