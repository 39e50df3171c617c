//! The hub's side of blasts: a blast's progress written to the team's log
//! (so that a subscriber that reconnects replays it like any event), and
//! a contact's message noted as a reply to the blasts whose message came
//! before it in that conversation.
//!
//! The blast's messages themselves are ordinary sends (see
//! `blasts::engine`): nothing here writes one.
//!
//! Invariants:
//! - A progress record is one log record of its own, written as a book
//!   write that changes no contact (`Entry::ContactBook` with only a log
//!   record): no new entry kind for the stores to learn.
//! - A reply is marked once per recipient, whatever the number of
//!   messages the contact writes: the mark is a set member.

use super::actor::Hub;
use crate::store::{BookChange, Entry, LogRecord, StoreError};
use switchboard_protocol::blast::BlastInfo;
use switchboard_protocol::ids::{ConversationId, Seq};
use switchboard_protocol::server::Event;

impl Hub<'_> {
    /// Writes a blast's progress and tells the team.
    pub(super) fn blast_progress(&mut self, info: BlastInfo) -> Result<(), StoreError> {
        let change = BookChange {
            log: vec![LogRecord::BlastProgress(info.clone())],
            ..BookChange::default()
        };
        let entry = Entry::ContactBook {
            change: &change,
            receipt: None,
        };
        self.append(entry, vec![Event::BlastProgress(info)], None)
    }

    /// Marks the contact's message at `seq` as a reply to every blast
    /// whose message came before it in `conversation`.
    pub(super) fn blast_reply(
        &self,
        conversation: ConversationId,
        seq: Seq,
    ) -> Result<(), StoreError> {
        let store = &self.registry.context.store;
        for send in store.blast_sends(conversation)? {
            if send.team == self.team && send.seq < seq {
                store.put_blast_reply(send.team, send.blast, send.contact)?;
            }
        }
        Ok(())
    }
}
