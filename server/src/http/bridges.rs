//! Webhook bridges over HTTP: what a gateway POSTs (PROTOCOL.md,
//! "Bridges").
//!
//! - `POST /api/bridges/{bridge}/messages`, body `{ id, from, body,
//!   name? }`: a contact's message, relayed as the SDK bridge's `relay`
//!   (once per `id`): 200 `{ conversation, seq }`.
//! - `POST /api/bridges/{bridge}/status`, body `{ ref, status, detail? }`
//!   (`status`: `delivered` or `failed`): a delivery report of an outbound
//!   message (`ref` as the server POSTed it): 200, the receipt.
//!
//! Both carry `X-Switchboard-Signature: sha256=HEX`, the HMAC-SHA256 of
//! the raw body under the bridge's secret. The signature is checked before
//! anything else is read: a bad or missing one, or a bridge that is not
//! (or no longer) a webhook bridge, is 401 and stores nothing. Bodies are
//! bounded by the API's body limit.

use super::error::ApiError;
use crate::blasts::call::{HubCaller, Refused};
use crate::hub::{HubCommand, Inbound, Report};
use crate::server::ServerState;
use crate::store::BotRecord;
use crate::webhook::{parse_reference, sign};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_protocol::bridge::{DeliveryStatus, Receipt};
use switchboard_protocol::ids::{ConversationId, Seq, UserId};
use switchboard_protocol::model::Channel;
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

/// Longest `detail` of a report, in bytes.
const MAX_DETAIL: usize = 200;

/// The routes under `/api`.
pub(super) fn router() -> Router<Arc<ServerState>> {
    Router::new()
        .route("/bridges/{bridge}/messages", post(messages))
        .route("/bridges/{bridge}/status", post(status))
}

#[derive(Debug, Deserialize)]
struct InboundMessage {
    id: String,
    from: String,
    body: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Serialize)]
struct Relayed {
    conversation: ConversationId,
    seq: Seq,
}

#[derive(Debug, Deserialize)]
struct StatusReport {
    #[serde(rename = "ref")]
    reference: String,
    status: DeliveryStatus,
    #[serde(default)]
    detail: Option<String>,
}

/// The webhook bridge `bridge` names, if `body` carries its signature.
fn signed(
    state: &ServerState,
    bridge: u64,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<BotRecord, ApiError> {
    let refused = ApiError::Unauthorized("unknown bridge or bad signature");
    let Some(bot) = state.store.bot(UserId(bridge))?.filter(|b| !b.revoked) else {
        return Err(refused);
    };
    let Some(webhook) = &bot.webhook else {
        return Err(refused);
    };
    let header = headers.get(sign::HEADER).and_then(|v| v.to_str().ok());
    if !sign::verify(&webhook.secret, body, header) {
        return Err(refused);
    }
    Ok(bot)
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("bad JSON: {e}")))
}

async fn messages(
    State(state): State<Arc<ServerState>>,
    Path(bridge): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Relayed>, ApiError> {
    let bot = signed(&state, bridge, &headers, &body)?;
    let message: InboundMessage = parse(&body)?;
    let inbound = Inbound::checked(
        bot.id,
        &message.from,
        message.name,
        message.id,
        message.body,
        state.config.limits.max_body_bytes,
    )
    .map_err(|(code, message)| api_error(Refused { code, message }))?;
    let reply = HubCaller::new(&state)
        .call(bot.team, HubCommand::Relay(inbound))
        .await
        .map_err(api_error)?;
    match reply {
        Reply::Relayed(r) => Ok(Json(Relayed {
            conversation: r.conversation,
            seq: r.seq,
        })),
        other => Err(ApiError::Internal(format!("relay answered {other:?}"))),
    }
}

async fn status(
    State(state): State<Arc<ServerState>>,
    Path(bridge): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Receipt>, ApiError> {
    let bot = signed(&state, bridge, &headers, &body)?;
    let report: StatusReport = parse(&body)?;
    if report.status == DeliveryStatus::Sent {
        return Err(ApiError::BadRequest(
            "status must be delivered or failed".into(),
        ));
    }
    if report.detail.as_ref().is_some_and(|d| d.len() > MAX_DETAIL) {
        return Err(ApiError::BadRequest(format!(
            "detail must be at most {MAX_DETAIL} bytes"
        )));
    }
    let not_found =
        || ApiError::NotFound(format!("no message {:?} on this bridge", report.reference));
    let (conversation, seq) = parse_reference(&report.reference).ok_or_else(not_found)?;
    let record = state
        .store
        .conversation(conversation)?
        .ok_or_else(not_found)?;
    match record.channel {
        Some(Channel::Bridge { bridge, .. }) if bridge == bot.id && record.team == bot.team => {}
        _ => return Err(not_found()),
    }
    let report = Report {
        conversation,
        seq,
        status: report.status,
        detail: report.detail,
    };
    let reply = HubCaller::new(&state)
        .call(bot.team, HubCommand::Receipt(report))
        .await
        .map_err(api_error)?;
    match reply {
        Reply::Receipt(r) => Ok(Json(r)),
        other => Err(ApiError::Internal(format!("receipt answered {other:?}"))),
    }
}

/// A hub's refusal as the API answers it.
fn api_error(refused: Refused) -> ApiError {
    match refused.code {
        ErrorCode::BadRequest => ApiError::BadRequest(refused.message),
        ErrorCode::NotFound => ApiError::NotFound(refused.message),
        ErrorCode::TooLarge => ApiError::TooLarge(refused.message),
        ErrorCode::Unavailable => ApiError::Busy("the server is busy: try again"),
        _ => ApiError::Internal(refused.message),
    }
}
