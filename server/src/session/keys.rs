//! Requests sent with an idempotency key: the session's half of
//! `idempotency`. Before carrying a keyed request out, the session holds
//! the key and looks it up; a retry is answered here with the original
//! result, marked `duplicate`, once that result is durable.

use super::{Refusal, Session};
use crate::idempotency::{self, Claim};
use crate::store::Receipt;
use switchboard_protocol::ids::{RequestId, TeamId};
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

/// What to do with a request, after its key was looked up.
pub(super) enum Retry {
    /// A retry: answered with the original result.
    Answered,
    /// A first use (or no key): carry it out, holding the key if any
    /// until its receipt is written.
    New(Option<Claim>),
}

impl Session {
    /// Looks `key` (named `field` on the wire) up in `scope` (the team, or
    /// the account of a team created), answering a retry.
    pub(super) async fn retry(
        &self,
        request: RequestId,
        scope: TeamId,
        field: &str,
        key: Option<&str>,
    ) -> Result<Retry, Refusal> {
        let Some(key) = key else {
            return Ok(Retry::New(None));
        };
        idempotency::check(field, key).map_err(|m| Refusal::new(ErrorCode::BadRequest, m))?;
        let user = self.principal.user.id;
        let claim = self.state.claims.claim(scope, user, key).await;
        match idempotency::original(self.state.store.as_ref(), scope, user, key)? {
            Some(original) => {
                // As the original was: answered only once durable.
                self.state.committer.flushed().await;
                self.outlet.send(&idempotency::duplicate(request, original));
                Ok(Retry::Answered)
            }
            None => Ok(Retry::New(Some(claim))),
        }
    }

    /// The receipt that keeps `reply` under this user's `key`, if the
    /// request had one: written with what the request makes, in one
    /// atomic write (see `KeyedWrites`), while the key is still claimed.
    pub(super) fn receipt<'a>(
        &self,
        key: Option<&'a str>,
        reply: &'a Reply,
    ) -> Option<Receipt<'a>> {
        key.map(|key| Receipt {
            user: self.principal.user.id,
            key,
            reply,
        })
    }
}
