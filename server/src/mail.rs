//! Outgoing mail: invitations today. Mail goes through the [`Mailer`]
//! trait. With `--smtp-url` the server hands it to an SMTP relay
//! ([`SmtpMailer`]); without, the [`Outbox`] keeps every mail in the
//! store's `mail_outbox` tree where an operator reads it with
//! `switchboard admin outbox` (and tests with `Store::mails`).
//!
//! [`Mailer::send`] may block (SMTP talks to the network): async code
//! calls it through [`deliver`], on the blocking pool.
//!
//! A mail may carry a secret (an invitation's one-time token): it is never
//! logged, only stored in the outbox for its recipient.

use crate::store::{MailRecord, Store, StoreError};
use crate::time::now;
use std::sync::Arc;

mod smtp;

pub use smtp::{SmtpConfig, SmtpMailer};

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
    /// The SMTP relay refused the mail or could not be reached.
    #[error("cannot send the mail over SMTP: {0}")]
    Smtp(String),
    /// The mail settings are unusable (a bad `--smtp-url` or `--mail-from`).
    #[error("bad mail settings: {0}")]
    Config(String),
    /// The blocking task sending the mail ended without an answer.
    #[error("the mail task failed: {0}")]
    Task(String),
}

/// Something that sends mail.
pub trait Mailer: Send + Sync {
    /// Sends (or queues) one mail.
    fn send(&self, mail: Mail) -> Result<(), MailError>;
}

/// Sends one mail through `mailer` on the blocking pool, so that a slow
/// SMTP relay never stalls the runtime.
pub(crate) async fn deliver(mailer: &Arc<dyn Mailer>, mail: Mail) -> Result<(), MailError> {
    let mailer = Arc::clone(mailer);
    tokio::task::spawn_blocking(move || mailer.send(mail))
        .await
        .map_err(|e| MailError::Task(e.to_string()))?
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
