//! The SMTP [`Mailer`]: hands each mail to a relay over plain SMTP
//! (`smtp://host[:port]`, no TLS, no authentication), for a relay the
//! operator runs next to the server (a local MTA, a mail catcher in
//! development). Sending blocks; callers use `mail::deliver`.
//!
//! The body may hold a one-time token: errors name the recipient and the
//! relay's complaint, never the mail's content.

use super::{Mail, MailError, Mailer};
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

/// The port of `smtp://host` without one.
const DEFAULT_PORT: u16 = 25;
/// How long one SMTP exchange may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Where and as whom to send mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The relay's host name or address.
    pub host: String,
    /// The relay's port.
    pub port: u16,
    /// The sender address (`From:`), a bare address or `Name <address>`.
    pub from: String,
}

impl SmtpConfig {
    /// Reads `smtp://host[:port]` (the port defaults to 25) and the sender.
    pub fn parse(url: &str, from: &str) -> Result<SmtpConfig, MailError> {
        let bad = |why: &str| MailError::Config(format!("--smtp-url {url:?}: {why}"));
        let rest = url
            .trim()
            .strip_prefix("smtp://")
            .ok_or_else(|| bad("must start with smtp:// (TLS relays are not supported)"))?;
        let rest = rest.trim_end_matches('/');
        if rest.contains(['@', '/', '?']) {
            return Err(bad("takes only a host and a port"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            // A bracketed IPv6 address without a port ends with `]`.
            Some((host, port)) if !port.ends_with(']') => {
                let port = port.parse().map_err(|_| bad("the port is not a number"))?;
                (host, port)
            }
            _ => (rest, DEFAULT_PORT),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("names no host"));
        }
        from.parse::<Mailbox>()
            .map_err(|e| MailError::Config(format!("--mail-from {from:?}: {e}")))?;
        Ok(SmtpConfig {
            host: host.to_string(),
            port,
            from: from.to_string(),
        })
    }
}

/// A [`Mailer`] that sends through an SMTP relay.
pub struct SmtpMailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for this relay; connects only when a mail is sent.
    pub fn new(config: &SmtpConfig) -> Result<SmtpMailer, MailError> {
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Config(format!("--mail-from {:?}: {e}", config.from)))?;
        // "Dangerous" only in that it speaks plain SMTP: the relay is the
        // operator's own.
        let transport = SmtpTransport::builder_dangerous(config.host.as_str())
            .port(config.port)
            .timeout(Some(TIMEOUT))
            .build();
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: Mail) -> Result<(), MailError> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Smtp(format!("bad recipient {:?}: {e}", mail.to)))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .body(mail.body)
            .map_err(|e| MailError::Smtp(format!("cannot build the mail: {e}")))?;
        self.transport
            .send(&message)
            .map_err(|e| MailError::Smtp(format!("to {}: {e}", mail.to)))?;
        tracing::info!(to = %mail.to, "mail sent over SMTP");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_host_and_an_optional_port() {
        let from = "Switchboard <sb@example.com>";
        let parsed = SmtpConfig::parse("smtp://mail.local:2525", from).unwrap();
        assert_eq!((parsed.host.as_str(), parsed.port), ("mail.local", 2525));
        let parsed = SmtpConfig::parse("smtp://127.0.0.1", from).unwrap();
        assert_eq!((parsed.host.as_str(), parsed.port), ("127.0.0.1", 25));
        let parsed = SmtpConfig::parse("smtp://[::1]:26/", from).unwrap();
        assert_eq!((parsed.host.as_str(), parsed.port), ("::1", 26));
        for bad in [
            "smtps://mail.local",
            "mail.local:25",
            "smtp://",
            "smtp://u:p@mail.local",
            "smtp://mail.local:x",
        ] {
            assert!(SmtpConfig::parse(bad, from).is_err(), "{bad} was accepted");
        }
        assert!(SmtpConfig::parse("smtp://mail.local", "not an address").is_err());
    }
}
