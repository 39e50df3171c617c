//! Outgoing mail: invitations today. Mail goes through the [`Mailer`]
//! trait so that an SMTP sender can slot in later; the one implementation
//! now is the [`Outbox`], which keeps every mail in the store's
//! `mail_outbox` tree where an operator reads it with
//! `switchboard admin outbox` (and tests with `Store::mails`).
//!
//! A mail may carry a secret (an invitation's one-time token): it is never
//! logged, only stored in the outbox for its recipient.

use crate::store::{MailRecord, Store, StoreError};
use crate::time::now;
use std::sync::Arc;

/// A plain-text mail.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The body.
    pub body: String,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body may hold a one-time token: kept out of logs.
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Why a mail could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The outbox could not store it.
    #[error("cannot queue the mail: {0}")]
    Store(#[from] StoreError),
}

/// Something that sends mail.
pub trait Mailer: Send + Sync {
    /// Sends (or queues) one mail.
    fn send(&self, mail: Mail) -> Result<(), MailError>;
}

/// A [`Mailer`] that keeps mail in the store's outbox, for when no SMTP
/// server is configured.
pub struct Outbox {
    store: Arc<dyn Store>,
}

impl Outbox {
    /// An outbox in this store.
    pub fn new(store: Arc<dyn Store>) -> Outbox {
        Outbox { store }
    }
}

impl Mailer for Outbox {
    fn send(&self, mail: Mail) -> Result<(), MailError> {
        let record = MailRecord {
            id: self.store.next_id()?,
            to: mail.to,
            subject: mail.subject,
            body: mail.body,
            queued_at: now(),
        };
        self.store.put_mail(&record)?;
        tracing::info!(to = %record.to, id = record.id, "mail queued in the outbox");
        Ok(())
    }
}
