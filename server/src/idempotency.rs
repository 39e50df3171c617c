//! Idempotency keys: every write a client may retry is done once per key.
//!
//! A `send` carries a `client_msg_id`; a command frame (`deliver`,
//! `invite`, `assign`, `unassign`) and a request that creates something
//! (`create_team`, `add_member`, `create_bot`) may carry a `key`. Both live
//! in one space per user and team (`client_msg_ids` in the store): the
//! first use records what the key did, in the same atomic write as the
//! effect, and a retry with the same key gets the original result back
//! with `duplicate: true`, changing nothing, across reconnects and
//! restarts.
//!
//! A message's key points at the message, whose acknowledgement is rebuilt
//! from it. A command's key keeps the command's reply (a [`Receipt`]),
//! written with the system message that records the command; a request
//! that creates something keeps it in the write that makes the team,
//! membership or bot (see [`KeyedWrites`]). A request
//! that is refused, or that changes nothing (assigning an assignee), keeps
//! no key: a retry is judged afresh.
//!
//! Looking a key up and writing its receipt are two steps; a [`Claim`]
//! holds a key between them, so that a retry arriving while the original
//! is still being carried out (the client reconnected while the server
//! was mailing an invitation, say) waits for it, then finds its receipt.
//!
//! [`Receipt`]: crate::store::Receipt
//! [`KeyedWrites`]: crate::store::KeyedWrites

use crate::store::{KeyUse, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use switchboard_protocol::ids::{RequestId, TeamId, UserId};
use switchboard_protocol::server::{Reply, ResultFrame, SendAck};
use switchboard_protocol::ServerFrame;
use tokio::sync::watch;

/// Longest key (`client_msg_id` or `key`), in bytes.
pub(crate) const MAX_KEY: usize = 64;

/// Whether a key has an acceptable length; the complaint for the user if not.
pub(crate) fn check(name: &str, key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY {
        Err(format!("{name} must be 1 to {MAX_KEY} bytes"))
    } else {
        Ok(())
    }
}

/// The original result of `user`'s `key` in `scope` (a team, or the
/// account of a team created), if the key was used.
pub(crate) fn original(
    store: &dyn Store,
    scope: TeamId,
    user: UserId,
    key: &str,
) -> Result<Option<Reply>, StoreError> {
    match store.client_msg(scope, user, key)? {
        None => Ok(None),
        Some(KeyUse::Reply(reply)) => Ok(Some(*reply)),
        Some(KeyUse::Message { conversation, seq }) => {
            let Some(message) = store.message(conversation, seq)? else {
                return Err(StoreError::Corrupt {
                    what: "client message id",
                    detail: format!("points at missing message {conversation}/{seq}"),
                });
            };
            Ok(Some(Reply::Sent(SendAck {
                conversation: message.conversation,
                seq: message.seq,
                offset: message.offset,
                at: message.at,
                duplicate: true,
            })))
        }
    }
}

/// The answer to a retry: the original result, marked as a duplicate.
pub(crate) fn duplicate(id: RequestId, result: Reply) -> ServerFrame {
    ServerFrame::Result(ResultFrame {
        id,
        result,
        duplicate: true,
    })
}

/// The keys being carried out right now, each by one request.
#[derive(Default)]
pub(crate) struct Claims {
    held: Mutex<HashMap<ClaimKey, watch::Receiver<()>>>,
}

type ClaimKey = (TeamId, UserId, String);

/// A key held while its request is carried out; released when dropped
/// (after the receipt is written, or the request refused).
pub(crate) struct Claim {
    claims: Arc<Claims>,
    key: ClaimKey,
    /// Dropped with the claim: wakes whoever waits for the key.
    _done: watch::Sender<()>,
}

impl Claims {
    /// Holds `key` for this request, once no other request holds it.
    pub(crate) async fn claim(self: &Arc<Self>, scope: TeamId, user: UserId, key: &str) -> Claim {
        let key = (scope, user, key.to_string());
        loop {
            let mut busy = {
                let mut held = self.lock();
                match held.get(&key) {
                    Some(busy) => busy.clone(),
                    None => {
                        let (done, waiting) = watch::channel(());
                        held.insert(key.clone(), waiting);
                        return Claim {
                            claims: Arc::clone(self),
                            key,
                            _done: done,
                        };
                    }
                }
            };
            // Ends when the holder drops its claim (the sender).
            while busy.changed().await.is_ok() {}
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClaimKey, watch::Receiver<()>>> {
        // The map stays consistent whatever a panicking holder did.
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Claim {
    /// The scope the key is unique in.
    pub(crate) fn scope(&self) -> TeamId {
        self.key.0
    }

    /// Whose key it is.
    pub(crate) fn user(&self) -> UserId {
        self.key.1
    }

    /// The key.
    pub(crate) fn key(&self) -> &str {
        &self.key.2
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.claims.lock().remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_second_claim_of_a_key_waits_for_the_first() {
        let claims = Arc::new(Claims::default());
        let first = claims.claim(TeamId(1), UserId(2), "k").await;
        // Another key, or another user's, is free.
        let other = claims.claim(TeamId(1), UserId(3), "k").await;
        let waiting = tokio::spawn({
            let claims = Arc::clone(&claims);
            async move { claims.claim(TeamId(1), UserId(2), "k").await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the key is held");
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("released keys are claimed")
            .expect("the task ends");
        drop(second);
        drop(other);
        assert!(
            claims.lock().is_empty(),
            "nothing held once all are dropped"
        );
    }
}
