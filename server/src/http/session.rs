//! The browser's session: an HttpOnly cookie instead of a token in page
//! scripts' reach. `POST /api/login`, `/api/signup/confirm` and
//! `/api/invitations/accept` with `"cookie": true` set it (and leave the
//! token out of their answer); `GET /api/session` says who it is;
//! `POST /api/ws-ticket` turns it into a one-time WebSocket ticket
//! ([`super::ticket`]); `POST /api/logout` revokes it and clears it.
//!
//! The cookie is `HttpOnly` (page scripts cannot read it), `Path=/`,
//! `SameSite=Strict`, and `Secure` (named `__Host-sb_session`, which
//! browsers bind to this exact host) when the public URL is https. Strict,
//! not Lax: the app's pages are public files and need no cookie when a
//! link from elsewhere opens them; only the app's own requests do, and
//! those are same-site. So a request from another site never carries it.
//!
//! Cross-site request forgery: a POST authenticated by the cookie, or
//! asking for one, must carry an `Origin` the WebSocket's allow-list
//! accepts (the server's own, the public URL's, or one configured);
//! without it, or from another, it is refused with 403 before anything is
//! done. Browsers send `Origin` with every POST; programs use bearer
//! tokens, which are never checked for origin. A request with both an
//! `Authorization` header and the cookie is authenticated by the header.

use super::api::{bearer, BAD_TOKEN};
use super::error::ApiError;
use super::site::Site;
use super::ticket::Refused;
use crate::access::{self, Access};
use crate::auth;
use crate::server::ServerState;
use crate::store::{Store, StoreError};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ids::Millis;
use switchboard_protocol::manage::AccountInfo;
use switchboard_protocol::model::{GrantInfo, TeamInfo, UserInfo};

/// The cookie's name over http.
const COOKIE: &str = "sb_session";
/// Its name over https: the prefix makes browsers refuse it unless it is
/// `Secure`, `Path=/` and set by this host, without `Domain`.
const HOST_COOKIE: &str = "__Host-sb_session";

/// How a request proved who it is.
pub(super) enum Credential<'a> {
    /// An `Authorization: Bearer` token (programs).
    Bearer(&'a str),
    /// The session cookie (browsers).
    Cookie(&'a str),
}

impl Credential<'_> {
    pub(super) fn token(&self) -> &str {
        match self {
            Credential::Bearer(token) | Credential::Cookie(token) => token,
        }
    }
}

/// The credential of a request: its bearer token, else its session
/// cookie. `changes` says whether the request changes something (a POST):
/// then a cookie counts only with an allowed `Origin`.
pub(super) fn credential<'a>(
    state: &ServerState,
    headers: &'a HeaderMap,
    changes: bool,
) -> Result<Credential<'a>, ApiError> {
    if let Some(token) = bearer(headers) {
        return Ok(Credential::Bearer(token));
    }
    let Some(token) = cookie(&state.edge.site, headers) else {
        return Err(ApiError::Unauthorized(
            "an Authorization: Bearer <token> header or the session cookie is required",
        ));
    };
    if changes {
        same_origin(state, headers)?;
    } else if !state.origins.allows(headers) {
        return Err(ApiError::Forbidden(FOREIGN_ORIGIN));
    }
    Ok(Credential::Cookie(token))
}

const FOREIGN_ORIGIN: &str = "this request needs an Origin header of this server's pages";

/// Refuses a browser request that changes something unless its `Origin`
/// is present and allowed.
pub(super) fn same_origin(state: &ServerState, headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.contains_key(header::ORIGIN) && state.origins.allows(headers) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(FOREIGN_ORIGIN))
    }
}

/// The session cookie's value, if the request has one.
fn cookie<'a>(site: &Site, headers: &'a HeaderMap) -> Option<&'a str> {
    let name = cookie_name(site);
    (headers.get_all(header::COOKIE).iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v)
}

fn cookie_name(site: &Site) -> &'static str {
    if site.is_https() {
        HOST_COOKIE
    } else {
        COOKIE
    }
}

/// A `Set-Cookie` header, ready to be part of an answer.
pub(super) type SetCookie = [(HeaderName, HeaderValue); 1];

fn set_cookie(site: &Site, value: &str, max_age: Duration) -> SetCookie {
    let secure = if site.is_https() { "; Secure" } else { "" };
    let line = format!(
        "{}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        cookie_name(site),
        max_age.as_secs()
    );
    // Tokens are ASCII letters, digits and `_`: always a valid value.
    let value = HeaderValue::from_str(&line).unwrap_or(HeaderValue::from_static(""));
    [(header::SET_COOKIE, value)]
}

/// The cookie that ends the session in the browser.
pub(super) fn clear_cookie(site: &Site) -> SetCookie {
    set_cookie(site, "", Duration::ZERO)
}

/// A new session token as the client asked to hold it: in the answer's
/// body (no cookie asked), or in the cookie and not in the body.
pub(super) fn hand_out(
    state: &ServerState,
    cookie: bool,
    token: String,
) -> (Option<SetCookie>, Option<String>) {
    if cookie {
        let set = set_cookie(&state.edge.site, &token, state.config.session_ttl);
        (Some(set), None)
    } else {
        (None, Some(token))
    }
}

/// `GET /api/session`: who the cookie (or bearer token) is.
#[derive(Debug, Serialize)]
pub(super) struct Current {
    user: UserInfo,
    teams: Vec<TeamInfo>,
    accounts: Vec<AccountInfo>,
    grants: Vec<SessionGrant>,
    /// When the session ends, if it does.
    expires_at: Option<Millis>,
}

pub(super) async fn current(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
) -> Result<Json<Current>, ApiError> {
    let credential = credential(&state, &headers, false)?;
    let store = state.store.as_ref();
    let (user, record) =
        auth::authenticate(store, credential.token())?.ok_or(ApiError::Unauthorized(BAD_TOKEN))?;
    let Access {
        principal,
        teams,
        accounts,
        grants,
    } = access::load(store, user, record.kind)?;
    let grants = grants
        .into_iter()
        .map(|grant| SessionGrant::named(store, grant))
        .collect::<Result<_, _>>()?;
    Ok(Json(Current {
        user: principal.info(),
        teams,
        accounts,
        grants,
        expires_at: record.expires_at,
    }))
}

/// A grant as the session lists it: `welcome`'s, with the name of the
/// conversation's contact, so that a Restricted Member's page can name
/// the conversation without a request they may not make
/// (`conversations` is the team's people's alone). The name is the one
/// the Restricted Member may read anyway (`history`, `contact_updated`).
#[derive(Debug, Serialize)]
pub(super) struct SessionGrant {
    #[serde(flatten)]
    grant: GrantInfo,
    /// The contact's name when the session was read; `None` if the
    /// conversation or its contact could not be found.
    contact: Option<String>,
}

impl SessionGrant {
    fn named(store: &dyn Store, grant: GrantInfo) -> Result<SessionGrant, StoreError> {
        let contact = match store.conversation(grant.conversation)? {
            Some(conversation) => store.contact(conversation.contact)?.map(|c| c.name),
            None => None,
        };
        Ok(SessionGrant { grant, contact })
    }
}

/// `POST /api/ws-ticket`.
#[derive(Debug, Serialize)]
pub(super) struct Ticket {
    ticket: String,
    expires_in_ms: u64,
}

pub(super) async fn ws_ticket(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
) -> Result<Json<Ticket>, ApiError> {
    let credential = credential(&state, &headers, true)?;
    let hash = auth::hash(credential.token());
    if auth::authenticate_hash(state.store.as_ref(), &hash)?.is_none() {
        return Err(ApiError::Unauthorized(BAD_TOKEN));
    }
    let tickets = &state.edge.tickets;
    let ticket = tickets.issue(hash).map_err(|refused| match refused {
        // They expire within a ticket's time to live.
        Refused::SessionFull => ApiError::TooManyRequests(tickets.ttl()),
        Refused::Full => ApiError::Busy("too many tickets waiting: try again shortly"),
    })?;
    Ok(Json(Ticket {
        ticket,
        expires_in_ms: u64::try_from(tickets.ttl().as_millis()).unwrap_or(u64::MAX),
    }))
}
