//! The hello: the first frame of a connection, answered with the welcome
//! or a close.
//!
//! A hello is admitted only with a live token, within the connection
//! limits (per user and overall; 4030 otherwise) and before the hello
//! timeout. The connection is listed in the live registry before its token
//! is checked a second time and its access read, so that a logout or an
//! access change made meanwhile either finds it listed or is seen.

use super::payload::{is_too_big, payload, refuse_too_big, wrong_kind, Payload};
use crate::access::{self, Access, Principal};
use crate::auth::authenticate_hash;
use crate::http::client_key;
use crate::limits::RateLimiter;
use crate::live::Registration;
use crate::outlet::Outlet;
use crate::server::ServerState;
use crate::store::TokenKind;
use crate::time::now;
use crate::widget::AddressSlot;
use axum::extract::ws::WebSocket;
use futures::stream::SplitStream;
use futures::StreamExt;
use std::time::Duration;
use switchboard_protocol::codec::decode;
use switchboard_protocol::ids::Millis;
use switchboard_protocol::server::Welcome;
use switchboard_protocol::widget::VisitorWelcome;
use switchboard_protocol::{
    close, ClientFrame, ServerFrame, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION,
};
use tokio::time::Instant;

/// A connection whose hello was accepted.
pub(super) struct Accepted {
    /// The protocol version it said hello with.
    pub(super) version: u32,
    pub(super) principal: Principal,
    /// When its token expires, if it does.
    pub(super) expires: Option<Instant>,
    /// Its place among the live connections, for as long as it lasts.
    pub(super) registration: Registration,
    /// Its rate limits (and its admission, for as long as it lasts).
    pub(super) rate: RateLimiter,
    /// A web chat visitor's place among its address's connections.
    pub(super) address: Option<AddressSlot>,
}

/// Waits for the hello and answers it; returns the authenticated user, or
/// None after asking the writer to close with the reason.
pub(super) async fn hello(
    stream: &mut SplitStream<WebSocket>,
    state: &ServerState,
    outlet: &Outlet,
    peer: std::net::IpAddr,
) -> Option<Accepted> {
    let deadline = tokio::time::Instant::now() + state.config.hello_timeout;
    let mut stop = state.stop.clone();
    let frame = loop {
        let next = tokio::select! {
            next = tokio::time::timeout_at(deadline, stream.next()) => Some(next),
            _ = stop.wait_for(|stopped| *stopped) => None,
        };
        let Some(next) = next else {
            // Nothing was taken from this connection yet: it may go at once.
            outlet.close(close::RESTART, "the server is restarting: reconnect");
            return None;
        };
        let message = match next {
            Err(_) => {
                outlet.close(close::HELLO_TIMEOUT, "no hello within the hello timeout");
                return None;
            }
            Ok(Some(Err(e))) if is_too_big(&e) => {
                refuse_too_big(outlet, state.config.limits.max_frame_bytes);
                return None;
            }
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(message))) => message,
        };
        match payload(&message, outlet.encoding) {
            Payload::Data(bytes) => {
                let max = state.config.limits.max_frame_bytes;
                break decode::<ClientFrame>(outlet.encoding, bytes, max)
                    .map_err(|e| e.to_string());
            }
            Payload::Control => continue,
            Payload::Close => return None,
            Payload::WrongKind => break Err(wrong_kind(outlet.encoding)),
        }
    };
    let hello = match frame {
        Ok(ClientFrame::Hello(hello)) => hello,
        Ok(_) => {
            outlet.close(close::HELLO_REQUIRED, "the first frame must be hello");
            return None;
        }
        Err(e) => {
            outlet.close(
                close::HELLO_REQUIRED,
                &format!("the first frame must be hello: {e}"),
            );
            return None;
        }
    };
    if !(OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&hello.version) {
        let reason = format!(
            "this server speaks protocol versions {OLDEST_PROTOCOL_VERSION} to {PROTOCOL_VERSION}"
        );
        outlet.close(close::UNSUPPORTED_VERSION, &reason);
        return None;
    }
    let store = state.store.as_ref();
    // A WebSocket ticket stands for its session token (and is used up).
    let Some(token_hash) = state.edge.hello_token(&hello.token) else {
        outlet.close(close::UNAUTHORIZED, "unknown, used or expired ticket");
        return None;
    };
    let (user, token) = match authenticate_hash(store, &token_hash) {
        Ok(Some(found)) => found,
        Ok(None) => {
            outlet.close(close::UNAUTHORIZED, "unknown, expired or revoked token");
            return None;
        }
        Err(e) => return internal(outlet, e),
    };
    let expires = token.expires_at.and_then(instant_of);
    let slot = match state.admission.admit(user.id) {
        Ok(slot) => slot,
        Err(refused) => {
            outlet.close(close::TOO_MANY_CONNECTIONS, &refused.to_string());
            return None;
        }
    };
    let rate = RateLimiter::new(slot, &state.config.limits);
    let address = match token.kind {
        TokenKind::Visitor => match state.edge.visitors.connect(client_key(peer)) {
            Some(place) => Some(place),
            None => {
                let why = "too many web chat connections from this address";
                outlet.close(close::TOO_MANY_CONNECTIONS, why);
                return None;
            }
        },
        TokenKind::Session | TokenKind::Bot => None,
    };
    // Listed first, then checked again and the access read: a logout that
    // deleted the token, or an access change made, after the reads above
    // either finds this connection listed and closes it, or is seen below.
    let mut registration = state.live.register(token_hash, user.id, outlet);
    match store.token(&token_hash) {
        Ok(Some(_)) => {}
        Ok(None) => {
            outlet.close(close::UNAUTHORIZED, "the token was revoked");
            return None;
        }
        Err(e) => return internal(outlet, e),
    }
    let Access {
        principal,
        teams,
        accounts,
        grants,
    } = match access::load(store, user, token.kind) {
        Ok(access) => access,
        Err(e) => return internal(outlet, e),
    };
    match access::enlist(store, &mut registration, outlet, &principal) {
        Ok(true) => {}
        Ok(false) => {
            outlet.close(close::ACCESS_CHANGED, "a team was removed: reconnect");
            return None;
        }
        Err(e) => return internal(outlet, e),
    }
    outlet.send(&ServerFrame::Welcome(Welcome {
        version: hello.version,
        connection: outlet.conn,
        user: principal.info(),
        teams,
        accounts,
        grants,
        limits: state.config.advertised_limits(),
        visitor: visitor_welcome(store, &principal),
    }));
    tracing::debug!(conn = outlet.conn, user = %principal.user.id, "hello");
    Some(Accepted {
        version: hello.version,
        principal,
        expires,
        registration,
        rate,
        address,
    })
}

/// Closes a connection whose hello hit a store error.
fn internal(outlet: &Outlet, e: crate::store::StoreError) -> Option<Accepted> {
    tracing::error!(error = %e, "store error during hello");
    outlet.close(close::INTERNAL, "internal error");
    None
}

/// The runtime's instant at a wall-clock time (now, if it has passed);
/// None if it is too far ahead to represent, which is as good as never.
fn instant_of(at: Millis) -> Option<Instant> {
    Instant::now().checked_add(Duration::from_millis(at.0.saturating_sub(now().0)))
}

/// What a visitor's welcome says of its session: its team, conversation
/// and contact (None for everyone else, and for a visitor reaching
/// nothing any more).
fn visitor_welcome(
    store: &dyn crate::store::Store,
    principal: &Principal,
) -> Option<VisitorWelcome> {
    let visitor = principal.visitor()?;
    // The scope was read a moment ago; the conversation is checked to
    // exist so a visitor that reaches nothing is told nothing.
    store.conversation(visitor.conversation).ok().flatten()?;
    Some(VisitorWelcome {
        team: visitor.team,
        conversation: visitor.conversation,
        contact: visitor.contact,
        name: principal.user.name.clone(),
    })
}
