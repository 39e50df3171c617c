//! The hub's request envelope: who to answer ([`ReplyTo`]) and what to do
//! ([`HubCommand`](super::HubCommand)), so that a session's request, the
//! hub's own follow-ups (a board page, a catch-up chunk) and internal
//! producers (the handoff import) are all ordinary callers, and every
//! answer and refusal is built here, in one place.
//!
//! A request forwarded by another server (see `forward`) is an ordinary
//! caller too: its answer goes back to that server ([`ReplyTo::Remote`]).
//!
//! Invariant: a request whose `reply` names a request id is answered
//! exactly once, with a result or an error; one with `ReplyTo::Nobody`
//! (or no request id) is answered to nobody.

use super::actor::{error_frame, result_frame};
use super::forward::RemoteReply;
use super::HubCommand;
use crate::outlet::{ConnId, Outlet};
use std::sync::Arc;
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ErrorCode, ServerFrame};

/// One request to a hub.
pub(crate) struct HubRequest {
    /// Who to answer.
    pub(crate) reply: ReplyTo,
    /// What to do.
    pub(crate) op: HubCommand,
    /// How many servers forwarded it to reach this one (see `forward`).
    pub(crate) hops: u8,
}

/// Who a hub request's answer goes to.
#[derive(Clone)]
pub(crate) enum ReplyTo {
    /// A connection: the one the request came from (and, for a
    /// subscription, presence or a view, the one it concerns), answered
    /// under `request` if it carries one.
    Connection {
        outlet: Outlet,
        request: Option<RequestId>,
    },
    /// Another server, which forwarded the request of one of its
    /// connections to this one, the team's writer.
    Remote(Arc<RemoteReply>),
    /// Nobody: the hub's own work and internal producers.
    Nobody,
}

/// Where a built answer goes.
#[derive(Clone)]
pub(crate) enum Answerer {
    /// A connection of this server.
    Outlet(Outlet),
    /// The server that forwarded the request.
    Remote(Arc<RemoteReply>),
}

impl Answerer {
    /// Sends the answer.
    pub(super) fn send(&self, frame: &ServerFrame) {
        match self {
            Answerer::Outlet(outlet) => {
                outlet.send(frame);
            }
            Answerer::Remote(remote) => remote.send(frame),
        }
    }
}

impl HubRequest {
    /// A request answered to nobody.
    pub(crate) fn internal(op: HubCommand) -> HubRequest {
        HubRequest {
            reply: ReplyTo::Nobody,
            op,
            hops: 0,
        }
    }

    /// A request from the connection of `outlet`, answered under `request`
    /// if given.
    pub(crate) fn from(outlet: Outlet, request: Option<RequestId>, op: HubCommand) -> HubRequest {
        HubRequest {
            reply: ReplyTo::Connection { outlet, request },
            op,
            hops: 0,
        }
    }
}

impl ReplyTo {
    /// The connection the request came from (0 for none).
    pub(super) fn conn(&self) -> ConnId {
        match self {
            ReplyTo::Connection { outlet, .. } => outlet.conn,
            ReplyTo::Remote(_) | ReplyTo::Nobody => 0,
        }
    }

    /// The connection the request came from, if any.
    pub(super) fn outlet(&self) -> Option<&Outlet> {
        match self {
            ReplyTo::Connection { outlet, .. } => Some(outlet),
            ReplyTo::Remote(_) | ReplyTo::Nobody => None,
        }
    }

    /// Answers `reply` now.
    pub(super) fn answer(&self, reply: Reply) {
        if let Some((to, frame)) = self.clone().frame(|id| result_frame(id, reply)) {
            to.send(&frame);
        }
    }

    /// Refuses the request now.
    pub(super) fn refuse(&self, code: ErrorCode, message: &str) {
        if let Some((to, frame)) = self.clone().frame(|id| error_frame(id, code, message)) {
            to.send(&frame);
        }
    }

    /// The frame answering the request (built by `frame` from its id) and
    /// where it goes, to send later; none if nobody waits for an answer.
    pub(super) fn frame(
        self,
        frame: impl FnOnce(RequestId) -> ServerFrame,
    ) -> Option<(Answerer, ServerFrame)> {
        self.answerer().map(|(to, id)| (to, frame(id)))
    }

    /// Where the answer goes and the request id it answers; none if nobody
    /// waits for an answer.
    pub(super) fn answerer(self) -> Option<(Answerer, RequestId)> {
        match self {
            ReplyTo::Connection {
                outlet,
                request: Some(id),
            } => Some((Answerer::Outlet(outlet), id)),
            ReplyTo::Remote(remote) => {
                let id = remote.request()?;
                Some((Answerer::Remote(remote), id))
            }
            _ => None,
        }
    }
}
