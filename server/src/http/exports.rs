//! The export endpoints: `GET /api/teams/{team}/export/contacts.csv` and
//! `GET /api/teams/{team}/export/conversations.jsonl`, streamed as
//! downloads from a bounded channel a blocking writer fills a page at a
//! time (see [`crate::imports::export`]). Each is recorded (who, when,
//! how many) in the team's transfers.

use super::error::ApiError;
use super::imports::number;
use super::transfers::authorize;
use crate::imports::export;
use crate::server::ServerState;
use crate::store::{TransferKind, TransferRecord, TransferStatus};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::sync::Arc;
use switchboard_protocol::ids::TeamId;
use tokio::sync::mpsc;

pub(super) async fn contacts(
    State(state): State<Arc<ServerState>>,
    Path(team): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (record, rx) = start(&state, &team, &headers, TransferKind::ExportContacts)?;
    export::contacts(Arc::clone(&state.store), record, rx.1);
    Ok(download(rx.0, "text/csv; charset=utf-8", "contacts.csv"))
}

pub(super) async fn conversations(
    State(state): State<Arc<ServerState>>,
    Path(team): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (record, rx) = start(&state, &team, &headers, TransferKind::ExportConversations)?;
    export::conversations(Arc::clone(&state.store), record, rx.1);
    Ok(download(
        rx.0,
        "application/x-ndjson",
        "conversations.jsonl",
    ))
}

type Channel = (mpsc::Receiver<Bytes>, mpsc::Sender<Bytes>);

/// Checks who asks, records the export as running, and opens its channel.
fn start(
    state: &ServerState,
    team: &str,
    headers: &HeaderMap,
    kind: TransferKind,
) -> Result<(TransferRecord, Channel), ApiError> {
    let team = number(team)?;
    let who = authorize(state, headers, team, false)?;
    let record = TransferRecord {
        id: state.store.next_id()?,
        team: TeamId(team),
        kind,
        by: who.principal.user.id,
        by_name: who.principal.user.name.clone(),
        at: crate::time::now(),
        finished_at: None,
        status: TransferStatus::Running,
        count: 0,
        failure: None,
        import: None,
    };
    state.store.put_transfer(&record)?;
    let (tx, rx) = mpsc::channel(export::CHUNKS);
    Ok((record, (rx, tx)))
}

fn download(rx: mpsc::Receiver<Bytes>, content_type: &'static str, name: &str) -> Response {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), rx))
    });
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
