//! Blasts: one message template sent to every contact of an audience of
//! the team's book, each in their own conversation, at the team's rate
//! (PROTOCOL.md, "Blasts").
//!
//! A template holds placeholders `{{name}}`, `{{first_name}}` and
//! `{{FIELD_KEY}}` (a custom field of the book), each with an optional
//! fallback after a bar, `{{first_name|there}}`, used when the contact has
//! no value. An unknown placeholder is refused (`bad_request`) by
//! `preview_blast` and `create_blast`, never sent as written.
//!
//! The audience is the book's own search ([`ContactQuery`]: a tag, a custom
//! field's value and a name, phone or email text, all of which must hold;
//! its `after` and `limit` are ignored), taken as of the blast's creation:
//! a contact added later is not a recipient.

use crate::contacts::ContactQuery;
use crate::ids::{BlastId, ContactId, ConversationId, Millis, Seq, TeamId, UserId};
use crate::RequestId;
use serde::{Deserialize, Serialize};

/// Renders the template for the audience without sending anything
/// (`preview_blast`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewBlast {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// Who it would go to.
    #[serde(default)]
    pub audience: ContactQuery,
    /// The message, with placeholders.
    pub template: String,
}

/// Creates a blast and starts sending it (`create_blast`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBlast {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// An idempotency key (required, 1 to 64 bytes): a retry with it gets
    /// the first answer back and creates no second blast.
    pub key: String,
    /// A name for people to tell blasts apart.
    pub name: String,
    /// Who it goes to.
    #[serde(default)]
    pub audience: ContactQuery,
    /// The message, with placeholders.
    pub template: String,
}

/// Lists a team's blasts, newest first (`blasts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blasts {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
}

/// Reads one blast and a page of its recipients (`blast`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastRequest {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The blast.
    pub blast: BlastId,
    /// Recipients after this contact (the `next` of the previous page).
    #[serde(default)]
    pub after: Option<ContactId>,
}

/// Pauses, resumes or cancels a blast (`pause_blast`, `resume_blast`,
/// `cancel_blast`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastControl {
    /// The request id.
    pub id: RequestId,
    /// The team.
    pub team: TeamId,
    /// The blast.
    pub blast: BlastId,
}

/// Where a blast stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlastStatus {
    /// Sending, at the team's rate.
    Running,
    /// Stopped by `pause_blast`; `resume_blast` carries on.
    Paused,
    /// Stopped for good by `cancel_blast`: the recipients not reached yet
    /// stay `pending`.
    Cancelled,
    /// Every recipient was sent to, skipped or failed.
    Finished,
}

/// A blast, as listed and as `blast_progress` events tell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastInfo {
    /// Its id.
    pub id: BlastId,
    /// The team.
    pub team: TeamId,
    /// Its name.
    pub name: String,
    /// Its template.
    pub template: String,
    /// Who created it: the sender of its messages.
    pub created_by: UserId,
    /// When.
    pub created_at: Millis,
    /// Where it stands.
    pub status: BlastStatus,
    /// Recipients (the audience at creation).
    pub total: u64,
    /// Recipients sent their message.
    pub sent: u64,
    /// Recipients skipped because they opted out.
    pub skipped: u64,
    /// Recipients that could not be sent to (the contact was removed, or
    /// has no conversation and no phone or email to start one).
    pub failed: u64,
    /// Recipients who wrote back after their message.
    pub replies: u64,
    /// Messages per second it is sent at (the team's `blast_rate` when it
    /// last started or resumed).
    pub rate: u32,
}

/// A team's blasts, newest first, at most [`LISTED`] (`blasts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastList {
    /// The team.
    pub team: TeamId,
    /// Its blasts.
    pub blasts: Vec<BlastInfo>,
}

/// The most blasts one `blasts` answer lists.
pub const LISTED: usize = 100;

/// What a preview shows (`blast_preview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastPreview {
    /// Contacts of the audience, opted-out ones included.
    pub count: u64,
    /// How many of them opted out (they would be skipped).
    pub opted_out: u64,
    /// Up to three of the messages as they would be sent.
    pub samples: Vec<BlastSample>,
}

/// One rendered message of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastSample {
    /// The contact.
    pub contact: ContactId,
    /// Their name.
    pub name: String,
    /// The message they would get.
    pub body: String,
}

/// Where one recipient stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientState {
    /// Not reached yet.
    Pending,
    /// Sent their message.
    Sent,
    /// Skipped: they opted out.
    Skipped,
    /// Could not be sent to.
    Failed,
}

/// One recipient of a blast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastRecipient {
    /// The contact.
    pub contact: ContactId,
    /// Their name, as it was at the blast's creation.
    pub name: String,
    /// Where they stand.
    pub state: RecipientState,
    /// The conversation their message went to, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationId>,
    /// The message's seq there, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// Whether they wrote back after it.
    #[serde(default)]
    pub replied: bool,
}

/// A blast and a page of its recipients (`blast_detail`), by contact id;
/// at most [`RECIPIENT_PAGE`] per page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastDetail {
    /// The blast.
    pub info: BlastInfo,
    /// Its recipients.
    pub recipients: Vec<BlastRecipient>,
    /// Pass as `after` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<ContactId>,
}

/// What a `report` counts of the blasts created in its period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastCounts {
    /// Blasts created.
    pub blasts: u64,
    /// Their recipients.
    pub recipients: u64,
    /// Recipients who replied.
    pub replies: u64,
    /// Recipients skipped because they opted out.
    pub opt_outs: u64,
}

/// The most recipients one `blast` answer holds.
pub const RECIPIENT_PAGE: usize = 500;

/// The team's blast rate when it set none, in messages per second.
pub const DEFAULT_BLAST_RATE: u32 = 1;
/// The highest blast rate a team may set.
pub const MAX_BLAST_RATE: u32 = 1000;
