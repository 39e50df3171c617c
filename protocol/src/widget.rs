//! Web chat: the team's widget settings, the contact-side session of a
//! visitor (a contact writing in through the team's chat page), and the
//! signals that tell agents a visitor is online.
//!
//! A visitor's token (from `POST /api/widget/{handle}/visitors`) opens a
//! connection bound to one conversation of one team: its welcome carries
//! [`VisitorWelcome`], and it may subscribe to that team (receiving only
//! its conversation's non-system messages and the agents' typing there),
//! read, send, mark read, type and view there, and [`Identify`] itself.

use crate::ids::{ContactId, ConversationId, RequestId, TeamId};
use serde::{Deserialize, Serialize};

/// A team's web chat settings, as Managers set them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSettings {
    /// While true, no visitor is created and visitors' sends are refused
    /// with `widget_paused`.
    #[serde(default)]
    pub paused: bool,
    /// The first words the chat page shows a contact.
    #[serde(default)]
    pub greeting: String,
    /// The origins (`https://example.com`) whose pages may embed the chat
    /// page in a frame, besides the server's own.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// Reads a team's widget settings (its Managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetRequest {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Replaces a team's widget settings (its Managers). Answered with
/// `widget`, the settings as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetWidget {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The new settings, whole.
    pub settings: WidgetSettings,
    /// An idempotency key: accepted for symmetry with other writes; the
    /// settings are replaced whole, so a retry changes nothing anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A visitor tells who they are (visitors only): the fields given are set
/// on its contact; when the email or phone is another contact's of the
/// team, the visitor's contact is merged into that one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identify {
    /// The request id.
    pub id: RequestId,
    /// The name to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// An idempotency key (a retry is harmless: identifying twice with the
    /// same fields changes nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// The answer to `identify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identified {
    /// The contact the visitor now is.
    pub contact: ContactId,
    /// Whether it was merged into an existing contact of the book.
    pub merged: bool,
}

/// What a visitor's welcome says of its session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorWelcome {
    /// The team it writes to.
    pub team: TeamId,
    /// Its one conversation.
    pub conversation: ConversationId,
    /// The contact it is.
    pub contact: ContactId,
    /// The contact's name.
    pub name: String,
}

/// A visitor's first connection came, or its last went: agents see the
/// contact online in the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPresence {
    /// The visitor's conversation.
    pub conversation: ConversationId,
    /// The contact.
    pub contact: ContactId,
    /// Whether the visitor is online (subscribed) now.
    pub online: bool,
}
