//! The sweep: a background task that deletes what can no longer be used
//! or read: expired session tokens, expired invitations (used, revoked and
//! replaced ones are deleted when that happens), expired sign-ups
//! (pending or confirmed), and outbox mail older than `mail_retention`.
//! It also lets the HTTP edge forget idle throttle keys.
//!
//! Invariants:
//! - Each pass reads at most [`PAGE`] records of each kind, continuing
//!   where the previous pass stopped and starting over at the end, so a
//!   pass takes bounded time however large the store; it runs on the
//!   blocking pool.
//! - Only what already works no more is deleted (an expired token
//!   authenticates nothing, an expired invitation or sign-up confirms
//!   nothing), so a
//!   sweep never changes what a user can do.
//! - The task ends when the server stops.

use crate::server::ServerState;
use crate::store::{Store, StoreResult};
use crate::time::now;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::Millis;

/// Records of each kind read by one pass.
pub(crate) const PAGE: usize = 1000;

/// Where the next pass starts, per kind; `None` is the beginning.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    token: Option<[u8; 32]>,
    invitation: Option<[u8; 32]>,
    signup: Option<[u8; 32]>,
    mail: Option<u64>,
}

/// What one pass deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Swept {
    pub(crate) tokens: usize,
    pub(crate) invitations: usize,
    pub(crate) signups: usize,
    pub(crate) mails: usize,
}

/// One bounded pass over `store`.
pub(crate) fn pass(
    store: &dyn Store,
    cursors: &mut Cursors,
    mail_retention: Duration,
) -> StoreResult<Swept> {
    let now = now();
    let mut swept = Swept::default();
    let tokens = store.tokens_after(cursors.token.as_ref(), PAGE)?;
    cursors.token = next_cursor(&tokens, PAGE, |(hash, _)| *hash);
    for (hash, token) in tokens {
        if token.expires_at.is_some_and(|at| at <= now) && store.delete_token(&hash)?.is_some() {
            swept.tokens += 1;
        }
    }
    let invitations = store.invitations_after(cursors.invitation.as_ref(), PAGE)?;
    cursors.invitation = next_cursor(&invitations, PAGE, |(hash, _)| *hash);
    for (hash, invitation) in invitations {
        // Taken only if still expired: an invitation put back meanwhile
        // (a retried accept) is a fresh record under the same hash.
        if invitation.expires_at <= now {
            if let Some(taken) = store.take_invitation(&hash)? {
                if taken.expires_at > now {
                    store.put_invitation(&hash, &taken)?;
                } else {
                    swept.invitations += 1;
                }
            }
        }
    }
    let signups = store.signups_after(cursors.signup.as_ref(), PAGE)?;
    cursors.signup = next_cursor(&signups, PAGE, |(hash, _)| *hash);
    for (hash, signup) in signups {
        // Only expired ones cost a transaction; it checks the expiry again.
        if signup.expired(now) && store.delete_expired_signup(&hash, now)? {
            swept.signups += 1;
        }
    }
    let retention = u64::try_from(mail_retention.as_millis()).unwrap_or(u64::MAX);
    let oldest_kept = Millis(now.0.saturating_sub(retention));
    let mails = store.mails_after(cursors.mail, PAGE)?;
    cursors.mail = next_cursor(&mails, PAGE, |mail| mail.id);
    for mail in mails {
        if mail.queued_at < oldest_kept && store.delete_mail(mail.id)? {
            swept.mails += 1;
        }
    }
    Ok(swept)
}

/// The cursor after a page: its last key, or the beginning again when the
/// page was the last one.
fn next_cursor<T, K>(page: &[T], limit: usize, key: impl Fn(&T) -> K) -> Option<K> {
    if page.len() < limit {
        None
    } else {
        page.last().map(key)
    }
}

/// Runs a pass every `config.sweep_interval` until the server stops.
pub(crate) fn spawn(state: Arc<ServerState>) {
    let mut stop = state.stop.clone();
    let interval = state.config.sweep_interval;
    let retention = state.config.mail_retention;
    tokio::spawn(async move {
        let mut cursors = Cursors::default();
        loop {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            state.edge.sweep();
            let store = Arc::clone(&state.store);
            let mut taken = std::mem::take(&mut cursors);
            let done = tokio::task::spawn_blocking(move || {
                let swept = pass(store.as_ref(), &mut taken, retention);
                (swept, taken)
            })
            .await;
            match done {
                Ok((Ok(swept), next)) => {
                    cursors = next;
                    if swept != Swept::default() {
                        tracing::info!(
                            ?swept,
                            "swept expired tokens, invitations, sign-ups and mail"
                        );
                    }
                }
                Ok((Err(e), next)) => {
                    cursors = next;
                    tracing::error!(error = %e, "the sweep failed; it runs again later");
                }
                Err(e) => tracing::error!(error = %e, "the sweep task failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::issue_token;
    use crate::store::{Directory, MemoryStore, SignupRecord, Signups, TokenKind};
    use switchboard_protocol::ids::UserId;

    #[test]
    fn a_pass_reads_a_page_and_the_next_continues() {
        let store = MemoryStore::new();
        for _ in 0..PAGE + 10 {
            issue_token(&store, UserId(1), TokenKind::Session, Some(Duration::ZERO)).unwrap();
        }
        let live = issue_token(&store, UserId(1), TokenKind::Session, None).unwrap();
        let mut cursors = Cursors::default();
        let first = pass(&store, &mut cursors, Duration::from_secs(60)).unwrap();
        assert!(
            first.tokens >= PAGE - 1 && first.tokens <= PAGE,
            "one page at most"
        );
        let second = pass(&store, &mut cursors, Duration::from_secs(60)).unwrap();
        assert_eq!(first.tokens + second.tokens, PAGE + 10);
        let live = crate::auth::hash(&live);
        assert!(
            store.token(&live).unwrap().is_some(),
            "an unexpired token stays"
        );
    }

    #[test]
    fn expired_sign_ups_go_a_page_at_a_time_and_live_ones_stay() {
        let store = MemoryStore::new();
        let signup = |i: usize, expires_at| SignupRecord {
            email: format!("u{i}@acme.test"),
            name: "U".into(),
            account_name: "A".into(),
            password_hash: Some("$argon2id$stand-in".into()),
            created_at: Millis(0),
            expires_at,
            confirmed: None,
        };
        let hash = |i: usize| crate::auth::hash(&i.to_string());
        for i in 0..PAGE + 10 {
            store.put_signup(&hash(i), &signup(i, Millis(1))).unwrap();
        }
        let live = hash(PAGE + 10);
        let far = Millis(u64::MAX);
        store.put_signup(&live, &signup(PAGE + 10, far)).unwrap();
        let mut cursors = Cursors::default();
        let first = pass(&store, &mut cursors, Duration::from_secs(60)).unwrap();
        assert!(
            first.signups >= PAGE - 1 && first.signups <= PAGE,
            "one page at most"
        );
        let second = pass(&store, &mut cursors, Duration::from_secs(60)).unwrap();
        assert_eq!(first.signups + second.signups, PAGE + 10);
        assert_eq!(store.signup_count().unwrap(), 1);
        assert!(
            store.signup(&live).unwrap().is_some(),
            "an unexpired one stays"
        );
    }
}
