//! `POST /api/password`: a logged-in user changes their password, with
//! their bearer token or their session cookie (see [`super::session`]).
//!
//! Invariants:
//! - The current password is required (a stolen token alone cannot lock
//!   its owner out), and the attempt is throttled like a login.
//! - Every other session token of the user is deleted, then every live
//!   connection said hello with one of them is closed with 4001, as a
//!   logout closes them; the token that made the change keeps working.
//! - The answer comes once the new hash and the deletions are on disk.

use super::api::{attempt, JsonBody, BAD_TOKEN};
use super::error::ApiError;
use super::handshake::Peer;
use super::session::credential;
use crate::auth;
use crate::password::{self, Password};
use crate::server::ServerState;
use crate::store::TokenKind;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_protocol::close;

/// The answer to a wrong current password.
const WRONG_PASSWORD: &str = "wrong password";

#[derive(Debug, Deserialize)]
pub(super) struct ChangePassword {
    current_password: Password,
    new_password: Password,
}

#[derive(Debug, Serialize)]
pub(super) struct Changed {
    /// Other session tokens of the user that were revoked.
    revoked: usize,
}

pub(super) async fn change_password(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<ChangePassword>,
) -> Result<Json<Changed>, ApiError> {
    let credential = credential(&state, &headers, true)?;
    let token = credential.token();
    let store = Arc::clone(&state.store);
    let Some((mut user, record)) = auth::authenticate(store.as_ref(), token)? else {
        return Err(ApiError::Unauthorized(BAD_TOKEN));
    };
    if record.kind != TokenKind::Session {
        return Err(ApiError::Unauthorized(
            "a bot has no password: use a user's session token",
        ));
    }
    password::check(&request.new_password)?;
    attempt(&state, peer.ip(), &user.email)?;
    let stored = user.password_hash.clone();
    let hasher = &state.edge.hasher;
    if !hasher.verify(request.current_password, stored).await? {
        return Err(ApiError::Unauthorized(WRONG_PASSWORD));
    }
    user.password_hash = Some(hasher.hash(request.new_password).await?);
    store.put_user(&user)?;
    let kept = auth::hash(token);
    let user_id = user.id;
    let revoked = tokio::task::spawn_blocking(move || {
        auth::revoke_sessions(store.as_ref(), user_id, Some(&kept))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the revoking task failed: {e}")))??;
    // Deleted first, closed second, as at logout: a hello racing this finds
    // the token gone or is listed by now.
    for hash in &revoked {
        state
            .live
            .close_token(hash, close::UNAUTHORIZED, "the password was changed");
    }
    state.committer.flushed().await;
    tracing::info!(user = %user.id, revoked = revoked.len(), "password changed");
    Ok(Json(Changed {
        revoked: revoked.len(),
    }))
}
