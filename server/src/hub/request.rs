//! The hub's request envelope: who to answer ([`ReplyTo`]) and what to do
//! ([`HubCommand`](super::HubCommand)), so that a session's request, the
//! hub's own follow-ups (a board page, a catch-up chunk) and internal
//! producers (the handoff import) are all ordinary callers, and every
//! answer and refusal is built here, in one place.
//!
//! Invariant: a request whose `reply` names a request id is answered
//! exactly once, with a result or an error; one with `ReplyTo::Nobody`
//! (or no request id) is answered to nobody.

use super::actor::{error_frame, result_frame};
use super::HubCommand;
use crate::outlet::{ConnId, Outlet};
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ErrorCode, ServerFrame};

/// One request to a hub.
pub(crate) struct HubRequest {
    /// Who to answer.
    pub(crate) reply: ReplyTo,
    /// What to do.
    pub(crate) op: HubCommand,
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
    /// Nobody: the hub's own work and internal producers.
    Nobody,
}

impl HubRequest {
    /// A request answered to nobody.
    pub(crate) fn internal(op: HubCommand) -> HubRequest {
        HubRequest {
            reply: ReplyTo::Nobody,
            op,
        }
    }

    /// A request from the connection of `outlet`, answered under `request`
    /// if given.
    pub(crate) fn from(outlet: Outlet, request: Option<RequestId>, op: HubCommand) -> HubRequest {
        HubRequest {
            reply: ReplyTo::Connection { outlet, request },
            op,
        }
    }
}

impl ReplyTo {
    /// The connection the request came from (0 for none).
    pub(super) fn conn(&self) -> ConnId {
        match self {
            ReplyTo::Connection { outlet, .. } => outlet.conn,
            ReplyTo::Nobody => 0,
        }
    }

    /// The connection the request came from, if any.
    pub(super) fn outlet(&self) -> Option<&Outlet> {
        match self {
            ReplyTo::Connection { outlet, .. } => Some(outlet),
            ReplyTo::Nobody => None,
        }
    }

    /// Answers `reply` now.
    pub(super) fn answer(&self, reply: Reply) {
        if let ReplyTo::Connection {
            outlet,
            request: Some(id),
        } = self
        {
            outlet.send(&result_frame(*id, reply));
        }
    }

    /// Refuses the request now.
    pub(super) fn refuse(&self, code: ErrorCode, message: &str) {
        if let ReplyTo::Connection {
            outlet,
            request: Some(id),
        } = self
        {
            outlet.send(&error_frame(*id, code, message));
        }
    }

    /// The frame answering the request (built by `frame` from its id) and
    /// where it goes, to send later; none if nobody waits for an answer.
    pub(super) fn frame(
        self,
        frame: impl FnOnce(RequestId) -> ServerFrame,
    ) -> Option<(Outlet, ServerFrame)> {
        match self {
            ReplyTo::Connection {
                outlet,
                request: Some(id),
            } => Some((outlet, frame(id))),
            _ => None,
        }
    }
}
