//! Blasts: a template sent to an audience of the team's book, each
//! recipient one message in their own conversation, at the team's rate
//! (PROTOCOL.md, "Blasts").
//!
//! The flow: a request previews or creates a blast (`session/blasts.rs`);
//! creating one renders nothing yet but stores the blast's record and the
//! snapshot of its audience ([`audience`]), all recipients `pending`; a
//! runner ([`engine`]) then takes each pending recipient in contact order,
//! renders the template ([`template`]) and sends it through the team's hub
//! as the blast's creator would ([`call`]); the record's status and
//! counts change in [`status`].
//!
//! Invariants:
//! - Nobody is messaged twice: a recipient's message is sent under the
//!   key `blast:{blast}:{contact}` of the creator, so a resend (after a
//!   crash between the message and the recipient's record) finds the
//!   stored message and stores nothing.
//! - A blast is run by one task at a time on a server ([`Running::claim`]);
//!   a blast still `running` in the store when the server starts is
//!   resumed ([`resume`]).
//! - Pause and cancel take effect before the next message: each of the
//!   runner's senders holds the blast's lock ([`Running::lock`]) shared
//!   while it checks the status and sends one message, and a control takes
//!   the same lock alone to change the status (waiting for the messages in
//!   flight), so once a control is answered no message of the blast is
//!   sent (on the server running it; see PROTOCOL.md for several servers).
//! - The rate holds from the first message: the k-th message of a run is
//!   sent no sooner than k / rate seconds after the first.

pub(crate) mod audience;
pub(crate) mod call;
pub(crate) mod engine;
pub(crate) mod status;
pub(crate) mod template;

pub(crate) use engine::resume;

use dashmap::{DashMap, DashSet};
use std::sync::Arc;
use switchboard_protocol::ids::BlastId;

/// The blasts running or steered on this server.
#[derive(Default)]
pub(crate) struct Running {
    /// Blasts being run here: one task each.
    running: DashSet<BlastId>,
    /// One lock per blast touched here (see the module's invariants).
    locks: DashMap<BlastId, Arc<tokio::sync::RwLock<()>>>,
    /// Held while a blast is created (see `session/blasts.rs`).
    pub(crate) creating: tokio::sync::Mutex<()>,
}

impl Running {
    /// Takes `blast` for this task; false if another runs it.
    pub(crate) fn claim(&self, blast: BlastId) -> bool {
        self.running.insert(blast)
    }

    pub(crate) fn release(&self, blast: BlastId) {
        self.running.remove(&blast);
    }

    /// The lock a runner's sender holds shared while it sends one message
    /// of `blast`, and a control alone while it changes its status.
    pub(crate) fn lock(&self, blast: BlastId) -> Arc<tokio::sync::RwLock<()>> {
        Arc::clone(&self.locks.entry(blast).or_default())
    }
}

/// Whether a contact opted out of messages (a bridge's STOP words): a
/// blast skips them.
pub(crate) fn opted_out(contact: &crate::store::ContactRecord) -> bool {
    contact.opted_out_at.is_some()
}
