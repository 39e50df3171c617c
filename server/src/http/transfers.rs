//! Who may import and export a team's records, and how a transfer is shown
//! in the JSON answers of `http/imports.rs` and `http/exports.rs`.
//!
//! Owner, Managers and Members may; a Restricted Member or a bot of the
//! team is refused with 403; anyone else is answered 404 exactly as for a
//! team that does not exist, so the answer does not tell that it does.

use super::api::BAD_TOKEN;
use super::error::ApiError;
use super::session::credential;
use crate::access::{self, Action, Principal, Resource};
use crate::server::ServerState;
use crate::store::{TransferKind, TransferRecord, TransferStatus};
use axum::http::HeaderMap;
use serde::Serialize;
use switchboard_protocol::ids::{Millis, TeamId, UserId};
use switchboard_protocol::model::Role;

/// The answer to a team the caller is not part of, or that does not exist.
pub(super) const NO_SUCH_TEAM: &str = "no such team";

/// Who asks, once they may transfer the team's records.
pub(super) struct Transferer {
    pub(super) principal: Principal,
    pub(super) role: Role,
}

/// The caller of a request on `team`'s transfers, if they may make it.
/// `changes`: a POST or PUT (a cookie needs an allowed `Origin`).
pub(super) fn authorize(
    state: &ServerState,
    headers: &HeaderMap,
    team: u64,
    changes: bool,
) -> Result<Transferer, ApiError> {
    let credential = credential(state, headers, changes)?;
    let store = state.store.as_ref();
    let (user, token) = crate::auth::authenticate(store, credential.token())?
        .ok_or(ApiError::Unauthorized(BAD_TOKEN))?;
    let principal = access::load(store, user, token.kind)?.principal;
    let team = TeamId(team);
    if principal.allows(Action::ImportExport, Resource::Team(team)) {
        // `ImportExport` holds a role: a Manager or a Member.
        let role = principal.role(team).unwrap_or(Role::Member);
        return Ok(Transferer { principal, role });
    }
    if principal.role(team).is_some() || principal.is_restricted_in(team) {
        Err(ApiError::Forbidden(FOR_PEOPLE))
    } else {
        Err(ApiError::NotFound(NO_SUCH_TEAM.into()))
    }
}

const FOR_PEOPLE: &str = "imports and exports are for the team's Managers and Members";

/// A transfer as the endpoints show it.
#[derive(Debug, Serialize)]
pub(super) struct TransferView {
    id: u64,
    kind: TransferKind,
    status: TransferStatus,
    by: UserId,
    by_name: String,
    at: Millis,
    finished_at: Option<Millis>,
    /// Contacts or conversations exported; rows created or merged.
    count: u64,
    failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import: Option<ImportView>,
}

#[derive(Debug, Serialize)]
struct ImportView {
    dry_run: bool,
    bytes: u64,
    lines: u64,
    created: u64,
    merged: u64,
    rejected: u64,
    done: bool,
}

impl From<&TransferRecord> for TransferView {
    fn from(record: &TransferRecord) -> TransferView {
        TransferView {
            id: record.id,
            kind: record.kind,
            status: record.status,
            by: record.by,
            by_name: record.by_name.clone(),
            at: record.at,
            finished_at: record.finished_at,
            count: record.count,
            failure: record.failure.clone(),
            import: record.import.as_ref().map(|import| ImportView {
                dry_run: import.dry_run,
                bytes: import.bytes,
                lines: import.progress.lines,
                created: import.progress.created,
                merged: import.progress.merged,
                rejected: import.progress.rejected,
                done: import.progress.done,
            }),
        }
    }
}
