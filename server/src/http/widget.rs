//! Web chat over HTTP: what a team's chat page reads and creates before
//! it opens a WebSocket, and the page itself.
//!
//! - `GET /api/widget/{handle}`: the team's name, identity and handle, its
//!   greeting and whether the chat is paused. Public; 404 for a handle no
//!   team holds.
//! - `POST /api/widget/{handle}/visitors`, body `{ "name"?: string }`: a
//!   new visitor (its contact, its conversation, its token): 201 `{ token,
//!   team, conversation, contact }`; 429 `too_many_requests` past the
//!   creations allowed per client address; 403 `widget_paused` while the
//!   team's chat is paused. The page calls it on the contact's first
//!   message, not per page view.
//! - `GET /chat/{handle}`: the contact's page (`chat.html` of the app's
//!   build), which the pages of the team's allowed origins may frame: its
//!   `Content-Security-Policy` says `frame-ancestors 'self'` and those
//!   origins (see `headers`).
//!
//! The embed script, `/widget.js`, is a file of the app's build, served
//! by the app's fallback like any other.

use super::api::JsonBody;
use super::error::ApiError;
use super::handshake::Peer;
use super::headers::FrameAncestors;
use crate::server::ServerState;
use crate::store::TeamRecord;
use crate::widget::{create_visitor, Refused};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_protocol::ids::{ContactId, ConversationId, TeamId};
use switchboard_protocol::ErrorCode;

/// The routes under `/api`.
pub(super) fn router() -> Router<Arc<ServerState>> {
    Router::new()
        .route("/widget/{handle}", get(widget))
        .route("/widget/{handle}/visitors", post(visitors))
}

/// The team a chat page names, as it may show it.
#[derive(Debug, Serialize)]
struct WidgetTeam {
    name: String,
    identity: String,
    handle: String,
}

/// `GET /api/widget/{handle}`.
#[derive(Debug, Serialize)]
struct Widget {
    team: WidgetTeam,
    greeting: String,
    paused: bool,
}

/// `POST /api/widget/{handle}/visitors`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewVisitorRequest {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Serialize)]
struct VisitorCreated {
    token: String,
    team: TeamId,
    conversation: ConversationId,
    contact: ContactId,
}

/// The team holding `handle`, or 404.
fn team_of(state: &ServerState, handle: &str) -> Result<TeamRecord, ApiError> {
    let no_team = || ApiError::NotFound(format!("no team {handle:?}"));
    let store = state.store.as_ref();
    let id = store.team_by_handle(handle)?.ok_or_else(no_team)?;
    store.team(id)?.ok_or_else(no_team)
}

async fn widget(
    State(state): State<Arc<ServerState>>,
    Path(handle): Path<String>,
) -> Result<Json<Widget>, ApiError> {
    let team = team_of(&state, &handle)?;
    Ok(Json(Widget {
        team: WidgetTeam {
            name: team.name,
            identity: team.identity,
            handle: team.handle,
        },
        greeting: team.widget.greeting,
        paused: team.widget.paused,
    }))
}

async fn visitors(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    Path(handle): Path<String>,
    JsonBody(request): JsonBody<NewVisitorRequest>,
) -> Result<Response, ApiError> {
    let address = super::client_key(peer.ip());
    state
        .edge
        .visitors
        .create(address)
        .map_err(ApiError::TooManyRequests)?;
    let team = team_of(&state, &handle)?;
    let created = create_visitor(&state, &team, request.name.as_deref(), address.to_string())
        .await
        .map_err(api_error)?;
    let body = VisitorCreated {
        token: created.token,
        team: team.id,
        conversation: created.conversation,
        contact: created.contact,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A widget refusal as the API answers it.
fn api_error(Refused(code, message): Refused) -> ApiError {
    match code {
        ErrorCode::WidgetPaused => ApiError::WidgetPaused,
        ErrorCode::BadRequest => ApiError::BadRequest(message),
        ErrorCode::Unavailable => ApiError::Busy("the server is busy: try again"),
        _ => ApiError::Internal(message),
    }
}

/// `GET /chat/{handle}`: the contact's page, which the team's allowed
/// origins may frame.
pub(super) async fn page(
    State(state): State<Arc<ServerState>>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Response {
    let team = match team_of(&state, &handle) {
        Ok(team) => team,
        Err(e) => return e.into_response(),
    };
    let mut response = super::app::chat_page(&headers);
    response
        .extensions_mut()
        .insert(FrameAncestors(team.widget.allowed_origins));
    response
}
