//! Web chat: a team's chat page lets a contact write in. This module holds
//! what the HTTP endpoints and the sessions share: creating a visitor
//! (its contact, its conversation, its token), checking a team's widget
//! settings, the visitors' throttles ([`VisitorGate`]), and [`ask`], which
//! runs one command in a team's hub and hands back its reply.
//!
//! Invariants:
//! - A visitor is created only while the team's widget is not paused, and
//!   its token reaches its one conversation (see `access`).
//! - A visitor's token expires 30 days after it was issued (a fixed
//!   lifetime, not renewed by use): the page then starts afresh.
//! - Every throttle table is bounded (see [`VisitorGate`]).

mod gate;

pub(crate) use gate::{AddressSlot, VisitorGate};

use crate::auth::{self, issue_token};
use crate::hub::{HubCommand, HubRequest};
use crate::outlet::{Bounds, Outlet, Work};
use crate::server::ServerState;
use crate::store::{StoreError, TeamRecord, TokenKind, VisitorRecord};
use crate::time::now;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::{ContactId, ConversationId, RequestId, UserId};
use switchboard_protocol::model::{Channel, NewContact};
use switchboard_protocol::server::Reply;
use switchboard_protocol::widget::WidgetSettings;
use switchboard_protocol::{decode, Encoding, ErrorCode, ServerFrame};

/// How long a visitor's token works.
pub(crate) const VISITOR_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest greeting, in characters.
const MAX_GREETING: usize = 500;
/// The most origins a team may allow.
const MAX_ORIGINS: usize = 20;
/// How long [`ask`] waits for a hub's answer.
const ASK_PATIENCE: Duration = Duration::from_secs(10);

/// Why a widget operation failed, for the caller to answer.
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) ErrorCode, pub(crate) String);

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        tracing::error!(error = %e, "store error in the web chat");
        Refused(ErrorCode::Internal, "internal error".into())
    }
}

/// A visitor just created: its token (shown once) and what it reaches.
pub(crate) struct NewVisitor {
    pub(crate) token: String,
    pub(crate) conversation: ConversationId,
    pub(crate) contact: ContactId,
}

/// Creates a visitor of `team`: its contact (named `name`, or "Visitor
/// NNNN"), its conversation (through the team's hub, like any started
/// conversation) and its token. Refused while the widget is paused.
pub(crate) async fn create_visitor(
    state: &Arc<ServerState>,
    team: &TeamRecord,
    name: Option<&str>,
    address: String,
) -> Result<NewVisitor, Refused> {
    if team.widget.paused {
        return Err(paused());
    }
    let store = state.store.as_ref();
    let id = UserId(store.next_id()?);
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) if name.chars().count() > 100 => {
            return Err(Refused(
                ErrorCode::BadRequest,
                "a name holds at most 100 characters".into(),
            ))
        }
        Some(name) => name.to_string(),
        // The id's last digits tell visitors apart on the dashboard.
        None => format!("Visitor {:04}", id.0 % 10_000),
    };
    let contact = NewContact {
        name,
        email: None,
        phone: None,
    };
    let command = HubCommand::StartConversation {
        contact,
        channel: Some(Channel::Web { visitor: id }),
    };
    let started = ask(state, team.id, command).await?;
    let Reply::Conversation(info) = started else {
        return Err(Refused(ErrorCode::Internal, "internal error".into()));
    };
    let token = issue_token(store, id, TokenKind::Visitor, Some(VISITOR_TTL))?;
    // The token is stored before its visitor: until the visitor is, a
    // hello with it finds no visitor and is refused.
    store.put_visitor(&VisitorRecord {
        id,
        team: team.id,
        contact: info.contact.id,
        conversation: info.id,
        created_at: now(),
        token_hash: auth::hash(&token),
        address,
    })?;
    state.committer.flushed().await;
    Ok(NewVisitor {
        token,
        conversation: info.id,
        contact: info.contact.id,
    })
}

/// The refusal of a paused widget.
pub(crate) fn paused() -> Refused {
    Refused(
        ErrorCode::WidgetPaused,
        "this team's web chat is paused".into(),
    )
}

/// Checks and tidies settings a Manager sent: a greeting of at most 500
/// characters; at most 20 origins, each `http(s)://host[:port]` (no path,
/// lowercased, each once).
pub(crate) fn check_settings(mut settings: WidgetSettings) -> Result<WidgetSettings, Refused> {
    let bad = |why: String| Refused(ErrorCode::BadRequest, why);
    settings.greeting = settings.greeting.trim().to_string();
    if settings.greeting.chars().count() > MAX_GREETING {
        return Err(bad(format!(
            "a greeting holds at most {MAX_GREETING} characters"
        )));
    }
    if settings.allowed_origins.len() > MAX_ORIGINS {
        return Err(bad(format!("at most {MAX_ORIGINS} allowed origins")));
    }
    let mut origins: Vec<String> = Vec::new();
    for origin in &settings.allowed_origins {
        let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        if !is_origin(&origin) {
            return Err(bad(format!(
                "{origin:?} is not an origin like https://example.com (scheme, host, optional port)"
            )));
        }
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    settings.allowed_origins = origins;
    Ok(settings)
}

/// Whether `origin` is `http(s)://host[:port]`: what a CSP source may
/// hold without smuggling in a directive.
fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    host_ok && port_ok
}

/// Runs `command` in `team`'s hub as an ordinary caller, on an outlet of
/// its own, and returns the reply (or the refusal) the hub answered.
pub(crate) async fn ask(
    state: &Arc<ServerState>,
    team: switchboard_protocol::ids::TeamId,
    command: HubCommand,
) -> Result<Reply, Refused> {
    let bounds = Bounds {
        frames: 4,
        bytes: 1 << 20,
    };
    let conn = state.next_connection_id();
    let (outlet, outbox) = Outlet::bounded(conn, Encoding::Json, bounds, Arc::default());
    let request = RequestId(1);
    let unavailable = || {
        Refused(
            ErrorCode::Unavailable,
            "the server is busy: try again".into(),
        )
    };
    state
        .registry
        .dispatch(team, HubRequest::from(outlet, Some(request), command))
        .await
        .map_err(|_| unavailable())?;
    let work = tokio::time::timeout(ASK_PATIENCE, outbox.work())
        .await
        .map_err(|_| unavailable())?;
    let frames = match work {
        Work::Write(frames) | Work::Close(frames, _, _) => frames,
        // Only a connection's reader asks for pings; never here.
        Work::Ping => Default::default(),
    };
    for bytes in frames {
        match decode::<ServerFrame>(Encoding::Json, &bytes, usize::MAX) {
            Ok(ServerFrame::Result(result)) if result.id == request => return Ok(result.result),
            Ok(ServerFrame::Error(error)) if error.id == Some(request) => {
                return Err(Refused(error.code, error.message))
            }
            _ => {}
        }
    }
    Err(unavailable())
}
