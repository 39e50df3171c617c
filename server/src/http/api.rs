//! The JSON endpoints a browser app logs in with: `POST /api/signup`,
//! `POST /api/login`, `POST /api/logout`, and `POST
//! /api/invitations/accept` (an invited user chooses a password, or an
//! existing one logs in, and a conversation invitation's grant is
//! accepted).
//! PROTOCOL.md ("HTTP: sign-up, login, logout") is their contract.
//!
//! Invariants:
//! - A password lives only in a [`Password`] (whose `Debug` hides it), is
//!   hashed or verified on the blocking pool, and is never stored, logged
//!   or echoed.
//! - A wrong password and an unknown email get the same status and the same
//!   bytes, after the same Argon2 work (a dummy hash stands in for a
//!   missing one).
//! - A token is answered only once its record is on disk; a logout answers
//!   only once the deletion is, and after every live connection of the
//!   token has been asked to close with 4001 (dropping what was queued).

use super::error::ApiError;
use crate::admin::{self, NewUser};
use crate::auth::{self, issue_token};
use crate::password::{self, Password};
use crate::server::ServerState;
use crate::store::{GrantRecord, GrantState, TokenKind, UserRecord};
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_protocol::close;
use switchboard_protocol::command::is_email;
use switchboard_protocol::ids::AccountId;
use switchboard_protocol::model::UserInfo;

/// The largest request body accepted, in bytes.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;
/// The longest email accepted, in bytes (RFC 5321's path limit).
const MAX_EMAIL_BYTES: usize = 254;
/// The longest user or account name accepted, in bytes.
const MAX_NAME_BYTES: usize = 200;
/// The one answer to a failed login, whichever part was wrong.
const WRONG_CREDENTIALS: &str = "wrong email or password";
/// The answer to a logout with a token that does not work.
const BAD_TOKEN: &str = "unknown, expired or revoked token";

pub(super) fn router() -> Router<Arc<ServerState>> {
    Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/invitations/accept", post(accept_invitation))
        .route("/admin/backup", post(super::ops::backup))
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this endpoint takes POST".into())
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// A JSON body whose rejections are answered as [`ApiError`]s.
pub(super) struct JsonBody<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(JsonBody(value))
    }
}

/// `POST /api/signup`: a new user, the account they own, and a session.
#[derive(Debug, Deserialize)]
struct Signup {
    email: String,
    password: Password,
    name: String,
    account_name: String,
}

/// The account as a sign-up shows it.
#[derive(Debug, Serialize)]
struct AccountInfo {
    id: AccountId,
    name: String,
}

#[derive(Debug, Serialize)]
struct SignedUp {
    token: String,
    user: UserInfo,
    account: AccountInfo,
}

/// `POST /api/login`.
#[derive(Debug, Deserialize)]
struct Login {
    email: String,
    password: Password,
}

#[derive(Debug, Serialize)]
struct LoggedIn {
    token: String,
    user: UserInfo,
}

async fn signup(
    State(state): State<Arc<ServerState>>,
    JsonBody(request): JsonBody<Signup>,
) -> Result<(StatusCode, Json<SignedUp>), ApiError> {
    let email = request.email.trim();
    let name = request.name.trim();
    let account_name = request.account_name.trim();
    // Everything cheap is checked before the expensive hash.
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
    let store = state.store.as_ref();
    if store.user_by_email(email)?.is_some() {
        return Err(taken(email));
    }
    let hash = password::hash_blocking(request.password).await?;
    let owner = NewUser {
        email: email.to_string(),
        name: name.to_string(),
        handle: None,
    };
    // A sign-up racing this one for the same email loses here, in the
    // store's uniqueness check.
    let (account, user) =
        admin::create_account_with_password(store, account_name, &owner, Some(hash)).map_err(
            |e| match e {
                admin::AdminError::Store(crate::store::StoreError::Taken(_)) => taken(email),
                other => other.into(),
            },
        )?;
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

async fn login(
    State(state): State<Arc<ServerState>>,
    JsonBody(request): JsonBody<Login>,
) -> Result<Json<LoggedIn>, ApiError> {
    let email = request.email.trim();
    let store = state.store.as_ref();
    let user = if email.len() <= MAX_EMAIL_BYTES && is_email(email) {
        store.user_by_email(email)?
    } else {
        None
    };
    // Verified even when there is no user or no password, against a dummy:
    // the time taken does not tell which part was wrong.
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = password::verify_blocking(request.password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
    };
    let token = start_session(&state, user.id).await?;
    tracing::debug!(user = %user.id, "logged in");
    Ok(Json(LoggedIn {
        token,
        user: user_info(&user),
    }))
}

async fn logout(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers).ok_or(ApiError::Unauthorized(
        "an Authorization: Bearer <token> header is required",
    ))?;
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
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/invitations/accept`: the one-time token of an invitation
/// mail and a password: the one the invited user chooses if they have none
/// yet, else their own (an existing user logging in).
#[derive(Debug, Deserialize)]
struct AcceptInvitation {
    token: String,
    password: Password,
}

/// The answer to an invitation that is unknown, used, revoked or expired.
const BAD_INVITATION: &str = "unknown, used or expired invitation";

async fn accept_invitation(
    State(state): State<Arc<ServerState>>,
    JsonBody(request): JsonBody<AcceptInvitation>,
) -> Result<Json<LoggedIn>, ApiError> {
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
            Ok(()) => {
                user.password_hash = Some(password::hash_blocking(request.password).await?);
                Ok(true)
            }
            Err(e) => Err(ApiError::from(e)),
        },
        // An existing one proves it is them, like a login.
        Some(stored) => password::verify_blocking(request.password, Some(stored))
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
    Ok(Json(LoggedIn {
        token,
        user: user_info(&user),
    }))
}

/// Issues a session token for `user`, answering once it is on disk so that
/// a token the client holds survives a crash.
async fn start_session(
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
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn taken(email: &str) -> ApiError {
    ApiError::Conflict(format!("{email} is already registered"))
}

fn user_info(user: &UserRecord) -> UserInfo {
    UserInfo {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        handle: user.handle.clone(),
    }
}
