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
//! - Nothing is created before the confirmation; a pending sign-up is kept
//!   in memory only, with its password already hashed, for [`PENDING_TTL`],
//!   at most [`MAX_PENDING`] at once (past that, every sign-up gets 503,
//!   registered address or not). A restart forgets them: the link then
//!   answers like an expired one and the user signs up again.
//! - A confirmation token is random, mailed once, kept only as its
//!   SHA-256, and works once.

use super::api::{attempt, start_session, user_info, JsonBody, MAX_EMAIL_BYTES, MAX_NAME_BYTES};
use super::error::ApiError;
use super::handshake::Peer;
use crate::admin::{self, NewUser};
use crate::auth;
use crate::mail::{self, Mail};
use crate::password::{self, Password};
use crate::server::ServerState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_protocol::command::is_email;
use switchboard_protocol::ids::AccountId;
use switchboard_protocol::model::UserInfo;

/// How long a confirmation token works.
pub(crate) const PENDING_TTL: Duration = Duration::from_secs(24 * 3600);
/// The most sign-ups awaiting confirmation at once.
pub(crate) const MAX_PENDING: usize = 10_000;
/// The prefix of a confirmation token.
const PREFIX: &str = "sbs_";
/// The one answer to a sign-up, whoever the email belongs to.
const CHECK_YOUR_MAIL: &str = "check_your_mail";
/// The answer to a confirmation token that is unknown, used or expired.
const BAD_CONFIRMATION: &str = "unknown, used or expired confirmation";

/// A sign-up waiting for its confirmation.
struct Signup {
    email: String,
    name: String,
    account_name: String,
    password_hash: String,
    expires: Instant,
}

/// The sign-ups awaiting confirmation, by the SHA-256 of their token.
#[derive(Default)]
pub(crate) struct Pending {
    signups: Mutex<HashMap<[u8; 32], Signup>>,
}

impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Signup>> {
        // The map is left consistent by every holder: a poisoned lock
        // still holds valid data.
        self.signups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn has_room(&self) -> bool {
        self.lock().len() < MAX_PENDING
    }

    /// Keeps `signup`; returns its token, or `None` when full.
    fn insert(&self, signup: Signup) -> Option<String> {
        let mut signups = self.lock();
        if signups.len() >= MAX_PENDING {
            return None;
        }
        let secret: [u8; 32] = rand::random();
        let token = format!("{PREFIX}{}", hex::encode(secret));
        signups.insert(auth::hash(&token), signup);
        Some(token)
    }

    /// Uses up a token: its sign-up, if known and unexpired.
    fn take(&self, token: &str) -> Option<Signup> {
        self.lock()
            .remove(&auth::hash(token))
            .filter(|signup| signup.expires > Instant::now())
    }

    /// Forgets the expired sign-ups.
    pub(crate) fn sweep(&self) {
        let now = Instant::now();
        self.lock().retain(|_, signup| signup.expires > now);
    }
}

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
    if !state.edge.signups.has_room() {
        return Err(ApiError::Busy(
            "too many sign-ups awaiting confirmation: try again later",
        ));
    }
    // Hashed whether or not the email is registered: the time taken does
    // not tell.
    let password_hash = state.edge.hasher.hash(request.password).await?;
    let registered = state.store.user_by_email(email)?;
    let mail = if let Some(owner) = registered {
        tracing::info!(user = %owner.id, "sign-up asked for a registered address: its owner is told");
        already_registered_mail(&owner.email)
    } else {
        let signup = Signup {
            email: email.to_string(),
            name: name.to_string(),
            account_name: account_name.to_string(),
            password_hash,
            expires: Instant::now() + PENDING_TTL,
        };
        let token = state.edge.signups.insert(signup).ok_or(ApiError::Busy(
            "too many sign-ups awaiting confirmation: try again later",
        ))?;
        confirmation_mail(email, &token)
    };
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
}

/// The account as a sign-up shows it.
#[derive(Debug, Serialize)]
pub(super) struct AccountInfo {
    id: AccountId,
    name: String,
}

#[derive(Debug, Serialize)]
pub(super) struct SignedUp {
    token: String,
    user: UserInfo,
    account: AccountInfo,
}

pub(super) async fn confirm(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    JsonBody(request): JsonBody<Confirm>,
) -> Result<(StatusCode, Json<SignedUp>), ApiError> {
    state.edge.throttle.address(peer.ip())?;
    let signup = state
        .edge
        .signups
        .take(request.token.trim())
        .ok_or(ApiError::Unauthorized(BAD_CONFIRMATION))?;
    let owner = NewUser {
        email: signup.email.clone(),
        name: signup.name,
        handle: None,
    };
    // Two confirmed sign-ups of one address: the second loses here, in the
    // store's uniqueness check. Its signer proved the mailbox is theirs,
    // so saying so tells nothing to anyone else.
    let created = admin::create_account_with_password(
        state.store.as_ref(),
        &signup.account_name,
        &owner,
        Some(signup.password_hash),
    );
    let (account, user) = created.map_err(|e| match e {
        admin::AdminError::Store(crate::store::StoreError::Taken(_)) => {
            ApiError::Conflict(format!("{} is already registered", signup.email))
        }
        other => other.into(),
    })?;
    let token = start_session(&state, user.id).await?;
    tracing::info!(user = %user.id, account = %account.id, "signed up");
    let body = SignedUp {
        token,
        user: user_info(&user),
        account: AccountInfo {
            id: account.id,
            name: account.name,
        },
    };
    Ok((StatusCode::CREATED, Json(body)))
}

fn confirmation_mail(to: &str, token: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: "Confirm your Switchboard sign-up".into(),
        body: format!(
            "Someone, probably you, asked to sign up on Switchboard with this \
             address. To confirm and log in, send\n\
             \n\
             POST /api/signup/confirm\n\
             {{\"token\": \"{token}\"}}\n\
             \n\
             to the server (the app does this for you). The confirmation \
             works once and expires in 24 hours. If it was not you, ignore \
             this mail: nothing is created without it.\n"
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
