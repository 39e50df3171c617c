//! Peers: other servers doing Switchboard's fan-out, run in the same bench
//! on the same workload so that a report can give Switchboard/peer ratios.
//!
//! Three peers, all broadcast rooms without auth or persistence:
//! [`PeerKind::Naive`] and [`PeerKind::Batched`] are two ways of writing it
//! on tokio-tungstenite (the `switchboard-peer` binary, see [`server`]'s
//! docs), [`PeerKind::SocketIo`] is Socket.IO 4.8 on Node
//! (`benches/peers/socketio`). [`PeerServer`] runs one as a child process;
//! [`PeerConnection`] drives any of them.
//!
//! Payloads: a payload that is valid UTF-8 travels as text (a text frame;
//! a JSON string in a Socket.IO event), anything else as binary (a binary
//! frame; a Socket.IO binary attachment). The bench's bodies are ASCII, so
//! every peer carries them as one text frame per message.
//!
//! Invariants: everything goes to loopback addresses only; a server never
//! outlives its [`PeerServer`]; a subscriber whose `connect` returned is in
//! its room, so it misses nothing sent after that.

mod connection;
mod engineio;
mod npm;
mod process;
#[cfg(test)]
mod server;
#[cfg(test)]
mod tests;

pub(crate) use connection::PeerConnection;
pub(crate) use process::PeerServer;

use std::fmt;
use std::str::FromStr;

/// Which peer server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PeerKind {
    /// `switchboard-peer --mode naive`: a broadcast channel per room, an
    /// awaited send per message per client.
    Naive,
    /// `switchboard-peer --mode batched`: a bounded queue per client, one
    /// flush per batch.
    Batched,
    /// Socket.IO 4.8 on Node, WebSocket transport only.
    SocketIo,
}

impl PeerKind {
    /// Every peer, in report order.
    pub(crate) const ALL: [PeerKind; 3] = [PeerKind::Naive, PeerKind::Batched, PeerKind::SocketIo];

    /// The name used on the command line and in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            PeerKind::Naive => "naive",
            PeerKind::Batched => "batched",
            PeerKind::SocketIo => "socketio",
        }
    }
}

impl fmt::Display for PeerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PeerKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PeerKind::ALL
            .into_iter()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| format!("unknown peer {text:?}: expected naive, batched or socketio"))
    }
}

/// One value of a `--peers` list: a peer, `all` of them, or `none`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PeerChoice {
    /// Every peer.
    All,
    /// No peer (Switchboard alone).
    None,
    /// This one.
    One(PeerKind),
}

impl FromStr for PeerChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "all" => Ok(PeerChoice::All),
            "none" => Ok(PeerChoice::None),
            _ => text.parse().map(PeerChoice::One).map_err(|_| {
                format!("unknown peer {text:?}: expected naive, batched, socketio, all or none")
            }),
        }
    }
}

impl PeerChoice {
    /// The peers a list names, in report order, each once.
    pub(crate) fn expand(choices: &[PeerChoice]) -> Vec<PeerKind> {
        PeerKind::ALL
            .into_iter()
            .filter(|kind| {
                choices
                    .iter()
                    .any(|c| *c == PeerChoice::All || *c == PeerChoice::One(*kind))
            })
            .collect()
    }
}

/// What a connection does in its room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PeerRole {
    /// Receives everything sent to the room.
    Subscriber,
    /// Sends to the room and receives nothing.
    Sender,
}

impl PeerRole {
    /// The value of the `role` query parameter.
    fn query_value(self) -> &'static str {
        match self {
            PeerRole::Subscriber => "subscriber",
            PeerRole::Sender => "sender",
        }
    }
}

impl fmt::Display for PeerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.query_value())
    }
}
