//! The removal of a team, carried out by its hub.
//!
//! A session checks access before it hands a write to the hub, so a write
//! checked just before the team was removed may still be on its way. The
//! removal therefore goes through the hub's inbox like a write: what the
//! hub took before it was written while the team existed, and everything
//! after it (queued behind it, or sent to a later hub of the team) is
//! refused with `not_found`, as for a team that never existed, and stores
//! nothing.
//!
//! Invariants:
//! - Once `removed` is set, the hub writes nothing more and stops after the
//!   command batch in hand (see `actor`); the commands left in its inbox
//!   are refused, not handed to a successor.
//! - Writes taken before the removal but not yet flushed are answered with
//!   `not_found`, never `sent`: their team is gone before they were
//!   acknowledged, and their events reach no one.
//! - A hub starts only for a team the store holds (see `actor::run`).

use super::actor::Hub;
use crate::store::StoreError;
use switchboard_protocol::ErrorCode;
use tokio::sync::oneshot;

/// Why a team was not removed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RemovalError {
    /// The store no longer holds the team: removed meanwhile.
    #[error("no such team")]
    NotFound,
    /// The server is stopping, or the team's hub could not start.
    #[error("the team's hub is unavailable")]
    Unavailable,
    /// The store failed; the team is unchanged.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Hub<'_> {
    /// Removes the team from the store and, once it is gone, stops taking
    /// writes for it.
    pub(super) fn remove_team(&mut self, done: oneshot::Sender<Result<(), RemovalError>>) {
        let answer = match self.registry.context.store.remove_team(self.team) {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(RemovalError::NotFound),
            // Nothing changed: the hub carries on.
            Err(e) => {
                let _ = done.send(Err(e.into()));
                return;
            }
        };
        self.removed = true;
        let unknown = self.unknown_team();
        self.refuse_pending(ErrorCode::NotFound, &unknown);
        // Their connections are being closed by the session; no event of
        // this team will reach them anyway.
        self.subscribers.clear();
        let _ = done.send(answer);
    }

    /// The message a command for this team is refused with once it is
    /// removed: the same as for a team that never existed.
    pub(super) fn unknown_team(&self) -> String {
        format!("no team {}", self.team)
    }
}
