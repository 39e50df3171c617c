//! The JSON endpoints a browser app logs in with: `POST /api/login`,
//! `POST /api/logout`, and `POST /api/invitations/accept` (an invited
//! user chooses a password, or an existing one logs in, and a conversation
//! invitation's grant is accepted); the router of everything under `/api`
//! (sign-up is in [`super::signup`], password change in
//! [`super::account`], the browser's cookie session, `GET /api/session`
//! and `POST /api/ws-ticket` in [`super::session`]). PROTOCOL.md ("HTTP:
//! sign-up, login, logout") is their contract.
//!
//! Invariants:
//! - A password lives only in a [`Password`] (whose `Debug` hides it), is
//!   hashed or verified through the server's [`crate::password::Hasher`],
//!   and is never stored, logged or echoed.
//! - Every attempt with a password counts against its client address and
//!   its email before any hashing ([`attempt`]); past either rate it gets
//!   429 with `Retry-After`.
//! - A wrong password and an unknown email get the same status and the same
//!   bytes, after the same Argon2 work (a dummy hash stands in for a
//!   missing one).
//! - A token is answered only once its record is on disk, in the body or,
//!   asked with `"cookie": true`, in the HttpOnly cookie alone; a logout answers
//!   only once the deletion is, and after every live connection of the
//!   token has been asked to close with 4001 (dropping what was queued).

use super::error::ApiError;
use super::handshake::Peer;
use super::session::{self, credential};
use crate::auth::{self, issue_token};
use crate::password::{self, Password};
use crate::server::ServerState;
use crate::store::{GrantRecord, GrantState, TokenKind, UserRecord};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;
use switchboard_protocol::close;
use switchboard_protocol::command::is_email;
use switchboard_protocol::model::UserInfo;

/// The largest request body accepted, in bytes.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;
/// The longest email accepted, in bytes (RFC 5321's path limit).
pub(super) const MAX_EMAIL_BYTES: usize = 254;
/// The longest user or account name accepted, in bytes.
pub(super) const MAX_NAME_BYTES: usize = 200;
/// The one answer to a failed login, whichever part was wrong.
pub(super) const WRONG_CREDENTIALS: &str = "wrong email or password";
/// The answer to a request with a token that does not work.
pub(super) const BAD_TOKEN: &str = "unknown, expired or revoked token";

pub(super) fn router() -> Router<Arc<ServerState>> {
    Router::new()
        .route("/signup", post(super::signup::signup))
        .route("/signup/confirm", post(super::signup::confirm))
        .route("/login", post(login))
        .route("/password", post(super::account::change_password))
        .route("/logout", post(logout))
        .route(
            "/session",
            get(session::current).fallback(|| async {
                ApiError::MethodNotAllowed("this endpoint takes GET".into())
            }),
        )
        .route("/ws-ticket", post(session::ws_ticket))
        .route("/invitations/accept", post(accept_invitation))
        .route("/admin/backup", post(super::ops::backup))
        .merge(super::imports::router())
        .merge(super::widget::router())
        .merge(super::bridges::router())
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this endpoint takes POST".into())
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// A JSON body whose rejections are answered as [`ApiError`]s.
pub(super) struct JsonBody<T>(pub(super) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(JsonBody(value))
    }
}

/// `POST /api/login`.
#[derive(Debug, Deserialize)]
struct Login {
    email: String,
    password: Password,
    /// Hold the session in the HttpOnly cookie, not in the answer.
    #[serde(default)]
    cookie: bool,
}

#[derive(Debug, Serialize)]
struct LoggedIn {
    /// Absent when the session is in the cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    user: UserInfo,
}

/// Counts one password attempt from `address` on `email`; refused with
/// 429 past either's rate.
pub(super) fn attempt(state: &ServerState, address: IpAddr, email: &str) -> Result<(), ApiError> {
    state.edge.throttle.address(address)?;
    state.edge.throttle.email(email)
}

async fn login(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<Login>,
) -> Result<impl IntoResponse, ApiError> {
    if request.cookie {
        session::same_origin(&state, &headers)?;
    }
    let email = request.email.trim();
    attempt(&state, peer.ip(), email)?;
    let store = state.store.as_ref();
    let user = if email.len() <= MAX_EMAIL_BYTES && is_email(email) {
        store.user_by_email(email)?
    } else {
        None
    };
    // Verified even when there is no user or no password, against a dummy:
    // the time taken does not tell which part was wrong.
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = state.edge.hasher.verify(request.password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
    };
    let token = start_session(&state, user.id).await?;
    tracing::debug!(user = %user.id, "logged in");
    let (cookie, token) = session::hand_out(&state, request.cookie, token);
    let body = LoggedIn {
        token,
        user: user_info(&user),
    };
    Ok((cookie, Json(body)))
}

/// `POST /api/logout`: with a bearer token, or with the session cookie,
/// which the answer then clears, whether or not its token still worked.
async fn logout(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    let credential = match credential(&state, &headers, true) {
        Ok(credential) => credential,
        Err(refused) => return refused.into_response(),
    };
    let clear = matches!(credential, session::Credential::Cookie(_))
        .then(|| session::clear_cookie(&state.edge.site));
    match revoke(&state, credential.token()).await {
        Ok(()) => (clear, StatusCode::NO_CONTENT).into_response(),
        Err(refused) => (clear, refused).into_response(),
    }
}

/// Revokes a session token and closes its live connections.
async fn revoke(state: &ServerState, token: &str) -> Result<(), ApiError> {
    let Some(record) = auth::revoke(state.store.as_ref(), token)? else {
        return Err(ApiError::Unauthorized(BAD_TOKEN));
    };
    // Deleted first, closed second: a hello racing this sees the token gone
    // or is listed by now (see `live`).
    let closed = state
        .live
        .close_token(&auth::hash(token), close::UNAUTHORIZED, "logged out");
    state.committer.flushed().await;
    tracing::debug!(user = %record.user, closed, "logged out");
    Ok(())
}

/// `POST /api/invitations/accept`: the one-time token of an invitation
/// mail and a password: the one the invited user chooses if they have none
/// yet, else their own (an existing user logging in).
#[derive(Debug, Deserialize)]
struct AcceptInvitation {
    token: String,
    password: Password,
    /// Hold the session in the HttpOnly cookie, not in the answer.
    #[serde(default)]
    cookie: bool,
}

/// The answer to an invitation that is unknown, used, revoked or expired.
const BAD_INVITATION: &str = "unknown, used or expired invitation";

async fn accept_invitation(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<AcceptInvitation>,
) -> Result<impl IntoResponse, ApiError> {
    if request.cookie {
        session::same_origin(&state, &headers)?;
    }
    state.edge.throttle.address(peer.ip())?;
    let store = state.store.as_ref();
    let token = request.token.trim();
    // Taken at once, so that two accepts of one token cannot both win; put
    // back if the password is what failed, so the user may try again.
    let Some(invitation) = crate::invitation::take(store, token)? else {
        return Err(ApiError::Unauthorized(BAD_INVITATION));
    };
    let Some(mut user) = store.user(invitation.user)? else {
        return Err(ApiError::Unauthorized(BAD_INVITATION));
    };
    if let Err(refused) = state.edge.throttle.email(&user.email) {
        crate::invitation::put_back(store, token, &invitation)?;
        return Err(refused);
    }
    // A conversation invitation accepts the pending grant it was issued
    // for, and no other: revoking or inviting again deleted older tokens.
    let grant = match invitation.conversation {
        Some(conversation) => {
            let grant = store
                .grant(conversation, user.id)?
                .filter(|g| {
                    g.state == GrantState::Pending && g.invitation == Some(auth::hash(token))
                })
                .ok_or(ApiError::Unauthorized(BAD_INVITATION))?;
            Some(grant)
        }
        None => None,
    };
    let password_ok = match user.password_hash.clone() {
        // A new user chooses their password.
        None => match password::check(&request.password) {
            Ok(()) => match state.edge.hasher.hash(request.password).await {
                Ok(hash) => {
                    user.password_hash = Some(hash);
                    Ok(true)
                }
                Err(e) => Err(ApiError::from(e)),
            },
            Err(e) => Err(ApiError::from(e)),
        },
        // An existing one proves it is them, like a login.
        Some(stored) => (state.edge.hasher)
            .verify(request.password, Some(stored))
            .await
            .map_err(ApiError::from),
    };
    match password_ok {
        Ok(true) => {}
        refused => {
            crate::invitation::put_back(store, token, &invitation)?;
            refused?;
            return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
        }
    }
    store.put_user(&user)?;
    if let Some(grant) = grant {
        store.put_grant(&GrantRecord {
            state: GrantState::Accepted,
            at: crate::time::now(),
            invitation: None,
            ..grant
        })?;
        // Stored first, closed second: their other connections reconnect
        // and find the conversation in their welcome.
        let closed =
            state
                .live
                .close_user(user.id, close::ACCESS_CHANGED, "you joined a conversation");
        tracing::info!(user = %user.id, conversation = %grant.conversation, closed, "conversation invitation accepted");
    } else {
        tracing::info!(user = %user.id, "invitation accepted");
    }
    let token = start_session(&state, user.id).await?;
    let (cookie, token) = session::hand_out(&state, request.cookie, token);
    let body = LoggedIn {
        token,
        user: user_info(&user),
    };
    Ok((cookie, Json(body)))
}

/// Issues a session token for `user`, answering once it is on disk so that
/// a token the client holds survives a crash.
pub(super) async fn start_session(
    state: &ServerState,
    user: switchboard_protocol::ids::UserId,
) -> Result<String, ApiError> {
    let token = issue_token(
        state.store.as_ref(),
        user,
        TokenKind::Session,
        Some(state.config.session_ttl),
    )?;
    state.committer.flushed().await;
    Ok(token)
}

/// The token of an `Authorization: Bearer <token>` header.
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub(super) fn user_info(user: &UserRecord) -> UserInfo {
    UserInfo {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        handle: user.handle.clone(),
    }
}
