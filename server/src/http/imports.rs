//! The import endpoints: `POST /api/teams/{team}/imports` (a CSV body,
//! spooled to disk; `?dry_run=1` to only report), `GET .../imports/{job}`
//! (a job's counts and rejected rows, paged), `GET .../imports` (the
//! record of the team's imports and exports, for Managers) and
//! `PUT`/`GET .../import-mapping` (the team's saved column mapping). The
//! work is in [`crate::imports`]; PROTOCOL.md ("HTTP: imports and
//! exports") is the contract.
//!
//! Invariants:
//! - An upload is answered (202) as soon as it is spooled and its header
//!   line checked, a dry run as much as a real one: the work is a job,
//!   followed with `GET .../imports/{job}`, so no request waits on it.
//! - A job's record is on disk before it is answered: a crash after the
//!   answer resumes it.
//! - A refused upload (too large, no header line, a column without a
//!   mapping) leaves nothing behind: no record, no file.

use super::api::JsonBody;
use super::error::ApiError;
use super::transfers::{authorize, TransferView};
use crate::imports::mapping::{self, Columns};
use crate::imports::{book, job, reader, spool};
use crate::server::ServerState;
use crate::store::{
    ImportMapping, ImportState, Rejection, TransferKind, TransferRecord, TransferStatus,
};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;
use switchboard_protocol::ids::TeamId;
use switchboard_protocol::model::Role;
use switchboard_protocol::transfer::ImportProgress;

/// Rejected rows in one answer, at most.
const MAX_PAGE: usize = 500;
/// Rejected rows in one answer unless asked for fewer.
const DEFAULT_PAGE: usize = 100;

pub(super) fn router() -> Router<Arc<ServerState>> {
    Router::new()
        .route("/teams/{team}/imports", post(create).get(list))
        .route("/teams/{team}/imports/{job}", get(status))
        .route(
            "/teams/{team}/import-mapping",
            get(saved_mapping).put(save_mapping),
        )
        .route(
            "/teams/{team}/export/contacts.csv",
            get(super::exports::contacts),
        )
        .route(
            "/teams/{team}/export/conversations.jsonl",
            get(super::exports::conversations),
        )
}

/// A path's number (a team, a job); anything else names nothing.
pub(super) fn number(raw: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(super::transfers::NO_SUCH_TEAM.into()))
}

/// The query's pairs, in order.
pub(super) fn pairs(uri: &Uri) -> Result<Vec<(String, String)>, ApiError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(pairs)
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn flag(pairs: &[(String, String)], name: &str) -> bool {
    matches!(find(pairs, name), Some("1" | "true" | "yes"))
}

fn limit(pairs: &[(String, String)]) -> Result<usize, ApiError> {
    match find(pairs, "limit") {
        None => Ok(DEFAULT_PAGE),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(ApiError::BadRequest(format!(
                "limit must be a number from 1 to {MAX_PAGE}"
            ))),
        },
    }
}

#[derive(Serialize)]
struct JobAnswer {
    job: TransferView,
    /// Rejected rows, by line, after `after`.
    rejected: Vec<Rejection>,
    /// The `after` of the next page, if there is one.
    next: Option<u64>,
}

async fn create(
    State(state): State<Arc<ServerState>>,
    Path(team): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let team = number(&team)?;
    let who = authorize(&state, &headers, team, true)?;
    let team = TeamId(team);
    let query = pairs(&uri)?;
    let dry_run = flag(&query, "dry_run");
    let store = Arc::clone(&state.store);
    let fields = book::fields(store.as_ref(), team).map_err(ApiError::Internal)?;
    let mapping = match find(&query, "mapping") {
        None | Some("saved") => store.import_mapping(team)?.unwrap_or_default(),
        Some(inline) => serde_json::from_str::<ImportMapping>(inline)
            .map_err(|e| ApiError::BadRequest(format!("mapping: {e}")))?,
    };
    let keys: Vec<String> = fields.iter().map(|def| def.key.clone()).collect();
    mapping::check(&mapping, &keys).map_err(ApiError::BadRequest)?;
    let job = store.next_id()?;
    let path = spool::path(&state.config.data_dir, team, job);
    let cap = state.config.import_max_bytes;
    let bytes = spool::write(&path, body, cap).await.map_err(|e| match e {
        spool::SpoolError::TooLarge(cap) => {
            ApiError::TooLarge(format!("the file exceeds {cap} bytes"))
        }
        spool::SpoolError::Body(why) => ApiError::BadRequest(format!("the upload broke: {why}")),
        spool::SpoolError::Io(e) => ApiError::Internal(format!("spooling an import: {e}")),
    })?;
    let checked = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            let (headers, cursor) = reader::headers(&path)?;
            Columns::new(&mapping, &headers, fields).map(|_| (cursor, mapping))
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let (cursor, mapping) = match checked {
        Ok(checked) => checked,
        Err(why) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(ApiError::BadRequest(why));
        }
    };
    let record = TransferRecord {
        id: job,
        team,
        kind: TransferKind::Import,
        by: who.principal.user.id,
        by_name: who.principal.user.name.clone(),
        at: crate::time::now(),
        finished_at: None,
        status: TransferStatus::Running,
        count: 0,
        failure: None,
        import: Some(ImportState {
            dry_run,
            mapping,
            bytes,
            cursor,
            progress: ImportProgress {
                job,
                lines: 0,
                created: 0,
                merged: 0,
                rejected: 0,
                done: false,
            },
        }),
    };
    store.put_transfer(&record)?;
    // On disk before the answer: a crash after it resumes the job.
    state.committer.flushed().await;
    job::start(&state, team, job);
    let answer = Json(serde_json::json!({ "job": TransferView::from(&record) }));
    Ok((StatusCode::ACCEPTED, answer).into_response())
}

async fn status(
    State(state): State<Arc<ServerState>>,
    Path((team, job)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<JobAnswer>, ApiError> {
    let team = number(&team)?;
    authorize(&state, &headers, team, false)?;
    let team = TeamId(team);
    let query = pairs(&uri)?;
    let limit = limit(&query)?;
    let after = match find(&query, "after") {
        None => 0,
        Some(raw) => raw
            .parse()
            .map_err(|_| ApiError::BadRequest("after must be a line number".into()))?,
    };
    let no_job = || ApiError::NotFound("no such import".into());
    let job = job.parse::<u64>().map_err(|_| no_job())?;
    let record = (state.store.transfer(team, job)?)
        .filter(|r| r.kind == TransferKind::Import)
        .ok_or_else(no_job)?;
    let mut rejected = state.store.import_rejects(team, job, after, limit + 1)?;
    let next = (rejected.len() > limit).then(|| rejected[limit - 1].line);
    rejected.truncate(limit);
    Ok(Json(JobAnswer {
        job: TransferView::from(&record),
        rejected,
        next,
    }))
}

#[derive(Serialize)]
struct ListAnswer {
    transfers: Vec<TransferView>,
    /// The `before` of the next (older) page, if there is one.
    next: Option<u64>,
}

async fn list(
    State(state): State<Arc<ServerState>>,
    Path(team): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<ListAnswer>, ApiError> {
    let team = number(&team)?;
    let who = authorize(&state, &headers, team, false)?;
    if who.role != Role::Manager {
        return Err(ApiError::Forbidden(
            "the record of imports and exports is for the team's Managers",
        ));
    }
    let query = pairs(&uri)?;
    let limit = limit(&query)?;
    let before = match find(&query, "before") {
        None => None,
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| ApiError::BadRequest("before must be a transfer id".into()))?,
        ),
    };
    let mut found = state.store.transfers(TeamId(team), before, limit + 1)?;
    let next = (found.len() > limit).then(|| found[limit - 1].id);
    found.truncate(limit);
    Ok(Json(ListAnswer {
        transfers: found.iter().map(TransferView::from).collect(),
        next,
    }))
}

async fn saved_mapping(
    State(state): State<Arc<ServerState>>,
    Path(team): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ImportMapping>, ApiError> {
    let team = number(&team)?;
    authorize(&state, &headers, team, false)?;
    Ok(Json(
        state
            .store
            .import_mapping(TeamId(team))?
            .unwrap_or_default(),
    ))
}

async fn save_mapping(
    State(state): State<Arc<ServerState>>,
    Path(team): Path<String>,
    headers: HeaderMap,
    JsonBody(mapping): JsonBody<ImportMapping>,
) -> Result<Json<ImportMapping>, ApiError> {
    let team = number(&team)?;
    authorize(&state, &headers, team, true)?;
    let team = TeamId(team);
    let fields = book::fields(state.store.as_ref(), team).map_err(ApiError::Internal)?;
    let keys: Vec<String> = fields.iter().map(|def| def.key.clone()).collect();
    mapping::check(&mapping, &keys).map_err(ApiError::BadRequest)?;
    state.store.put_import_mapping(team, &mapping)?;
    state.committer.flushed().await;
    Ok(Json(mapping))
}
