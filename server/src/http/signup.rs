//! Sign-up with a confirmed address: `POST /api/signup` asks, a mail
//! answers, `POST /api/signup/confirm` creates the account.
//!
//! A sign-up must not tell who is registered. So `POST /api/signup`
//! answers `202` with the same bytes whether or not the email has an
//! account, after the same work (the password is hashed either way), and
//! the difference goes by mail, to the address's owner alone: a new
//! address gets a one-time confirmation token, an address with an account
//! gets a note that someone tried (log in instead). The account, its owner
//! and the session token come from `POST /api/signup/confirm` with that
//! token, which proves the mailbox is the signer's: nobody can take an
//! address they cannot read.
//!
//! Invariants:
//! - Nothing is created before the confirmation. A pending sign-up, its
//!   password already hashed, is kept in the store ([`Signups`]) for
//!   [`PENDING_TTL`], on disk before its token is mailed, so a restart
//!   keeps the link working; the sweep deletes expired ones. At most
//!   [`MAX_PENDING`] are kept at once (past that, every sign-up gets 503,
//!   registered address or not), and one per address: a newer sign-up
//!   replaces the older, whose token then confirms nothing.
//! - A confirmation token is random, mailed once, kept only as its
//!   SHA-256, and creates at most one account: the user, the account and
//!   the sign-up marked confirmed are one atomic write. A second confirm
//!   of the token (a retry whose answer was lost, a link clicked twice)
//!   creates nothing and gets 409 "already confirmed: log in", until the
//!   token would have expired.

use super::api::{attempt, start_session, user_info, JsonBody, MAX_EMAIL_BYTES, MAX_NAME_BYTES};
use super::error::ApiError;
use super::handshake::Peer;
use super::session;
use crate::admin::{self, NewUser};
use crate::auth;
use crate::mail::{self, Mail};
use crate::password::{self, Password};
use crate::server::ServerState;
use crate::store::{Confirmation, SignupRecord, StoreError};
use crate::time::now;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::command::is_email;
use switchboard_protocol::ids::{AccountId, Millis};
use switchboard_protocol::model::UserInfo;

/// How long a confirmation token works.
pub(crate) const PENDING_TTL: Duration = Duration::from_secs(24 * 3600);
/// The most sign-ups kept at once, pending or confirmed.
pub(crate) const MAX_PENDING: usize = 10_000;
/// The prefix of a confirmation token.
const PREFIX: &str = "sbs_";
/// The one answer to a sign-up, whoever the email belongs to.
const CHECK_YOUR_MAIL: &str = "check_your_mail";
/// The answer to a confirmation token that is unknown, replaced or expired.
const BAD_CONFIRMATION: &str = "unknown, used or expired confirmation";
/// The answer to a confirmation token that already created its account.
const ALREADY_CONFIRMED: &str = "this sign-up is already confirmed: log in with your password";
/// The answer to a sign-up full of pending ones.
const FULL: &str = "too many sign-ups awaiting confirmation: try again later";

/// `POST /api/signup`.
#[derive(Debug, Deserialize)]
pub(super) struct SignupRequest {
    email: String,
    password: Password,
    name: String,
    account_name: String,
}

/// The answer to every sign-up that passed the checks of its input.
#[derive(Debug, Serialize)]
pub(super) struct Asked {
    status: &'static str,
}

pub(super) async fn signup(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    JsonBody(request): JsonBody<SignupRequest>,
) -> Result<(StatusCode, Json<Asked>), ApiError> {
    let email = request.email.trim();
    let name = request.name.trim();
    let account_name = request.account_name.trim();
    // Everything cheap is checked before the expensive hash; none of it
    // depends on whether the email is registered.
    if email.len() > MAX_EMAIL_BYTES || !is_email(email) {
        return Err(ApiError::BadRequest(format!(
            "{email:?} is not an email address"
        )));
    }
    for (field, value) in [("name", name), ("account_name", account_name)] {
        if value.is_empty() || value.len() > MAX_NAME_BYTES {
            return Err(ApiError::BadRequest(format!(
                "{field} must be 1 to {MAX_NAME_BYTES} bytes"
            )));
        }
    }
    password::check(&request.password)?;
    attempt(&state, peer.ip(), email)?;
    if state.store.signup_count()? >= MAX_PENDING {
        return Err(ApiError::Busy(FULL));
    }
    // Hashed whether or not the email is registered: the time taken does
    // not tell.
    let password_hash = state.edge.hasher.hash(request.password).await?;
    let registered = state.store.user_by_email(email)?;
    let mail = if let Some(owner) = registered {
        tracing::info!(user = %owner.id, "sign-up asked for a registered address: its owner is told");
        already_registered_mail(&owner.email)
    } else {
        let secret: [u8; 32] = rand::random();
        let token = format!("{PREFIX}{}", hex::encode(secret));
        let created_at = now();
        let ttl = u64::try_from(PENDING_TTL.as_millis()).unwrap_or(u64::MAX);
        let signup = SignupRecord {
            email: email.to_string(),
            name: name.to_string(),
            account_name: account_name.to_string(),
            password_hash: Some(password_hash),
            created_at,
            expires_at: Millis(created_at.0.saturating_add(ttl)),
            confirmed: None,
        };
        state.store.put_signup(&auth::hash(&token), &signup)?;
        confirmation_mail(email, &state.edge.site.confirmation_link(&token))
    };
    // The sign-up is on disk before its token is mailed. Both paths wait
    // for the flush: the time taken does not tell.
    state.committer.flushed().await;
    mail::deliver(&state.mailer, mail)
        .await
        .map_err(|e| ApiError::Internal(format!("cannot send the sign-up mail: {e}")))?;
    let body = Asked {
        status: CHECK_YOUR_MAIL,
    };
    Ok((StatusCode::ACCEPTED, Json(body)))
}

/// `POST /api/signup/confirm`.
#[derive(Debug, Deserialize)]
pub(super) struct Confirm {
    token: String,
    /// Hold the session in the HttpOnly cookie, not in the answer.
    #[serde(default)]
    cookie: bool,
}

/// The account as a sign-up shows it.
#[derive(Debug, Serialize)]
pub(super) struct AccountInfo {
    id: AccountId,
    name: String,
}

#[derive(Debug, Serialize)]
pub(super) struct SignedUp {
    /// Absent when the session is in the cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    user: UserInfo,
    account: AccountInfo,
}

pub(super) async fn confirm(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<Confirm>,
) -> Result<impl IntoResponse, ApiError> {
    if request.cookie {
        session::same_origin(&state, &headers)?;
    }
    state.edge.throttle.address(peer.ip())?;
    let store = state.store.as_ref();
    let hash = auth::hash(request.token.trim());
    let now = now();
    let signup = (store.signup(&hash)?)
        .filter(|signup| !signup.expired(now))
        .ok_or(ApiError::Unauthorized(BAD_CONFIRMATION))?;
    let Some(password_hash) = signup.password_hash.filter(|_| signup.confirmed.is_none()) else {
        return Err(ApiError::Conflict(ALREADY_CONFIRMED.into()));
    };
    let owner = NewUser {
        email: signup.email.clone(),
        name: signup.name,
        handle: None,
    };
    let user = admin::user_record(store, &owner, Some(password_hash))?;
    let account = admin::account_record(store, &signup.account_name, user.id)?;
    // Checked again in the store, atomically with the creation: of two
    // confirms racing, one creates and the other is told it is done.
    match store.confirm_signup(&hash, &user, &account, now) {
        Ok(Confirmation::Created) => {}
        Ok(Confirmation::AlreadyConfirmed(_)) => {
            return Err(ApiError::Conflict(ALREADY_CONFIRMED.into()));
        }
        Ok(Confirmation::Unknown) => return Err(ApiError::Unauthorized(BAD_CONFIRMATION)),
        // The address was registered another way meanwhile (an invitation).
        // The signer proved the mailbox is theirs, so saying so tells
        // nothing to anyone else.
        Err(StoreError::Taken(_)) => {
            return Err(ApiError::Conflict(format!(
                "{} is already registered: log in with your password",
                signup.email
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let token = start_session(&state, user.id).await?;
    tracing::info!(user = %user.id, account = %account.id, "signed up");
    let (cookie, token) = session::hand_out(&state, request.cookie, token);
    let body = SignedUp {
        token,
        user: user_info(&user),
        account: AccountInfo {
            id: account.id,
            name: account.name,
        },
    };
    Ok((StatusCode::CREATED, cookie, Json(body)))
}

/// The mail with the link (`{public_url}/signup/confirm#token=...`) that
/// confirms a sign-up.
fn confirmation_mail(to: &str, link: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: "Confirm your Switchboard sign-up".into(),
        body: format!(
            "Someone, probably you, asked to sign up on Switchboard with this \
             address. To confirm and log in, open\n\
             \n\
             {link}\n\
             \n\
             The confirmation works once and expires in 24 hours. If it was \
             not you, ignore this mail: nothing is created without it.\n\
             \n\
             (Programs: POST /api/signup/confirm with {{\"token\": \"...\"}}, \
             the token after #token= in the link.)\n"
        ),
    }
}

fn already_registered_mail(to: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: "Someone tried to sign up with your Switchboard address".into(),
        body: "Someone, perhaps you, asked to sign up on Switchboard with this \
               address, which already has an account. Nothing was changed. \
               If it was you, log in with your password instead \
               (POST /api/login). If it was not, you can ignore this mail.\n"
            .into(),
    }
}
