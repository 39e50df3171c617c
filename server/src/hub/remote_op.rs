//! Write commands in the form that crosses servers (see `forward`): each
//! command that appends to a team's log, with what it carries, and back.
//!
//! Invariant: a command converts to its travelling form and back to the
//! same command; the origin keeps what cannot travel (the idempotency
//! claim it holds until the answer), and the writer claims the key again
//! on its side.

use super::{AssigneeChange, BookOp, ContactChanges, Delivery, HubCommand, PostSave};
use crate::access::Principal;
use crate::idempotency::{Claim, Claims};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_protocol::content::PostCard;
use switchboard_protocol::ids::{ConversationId, Seq, TeamId, UserId};
use switchboard_protocol::model::{NewContact, Sender};
use switchboard_protocol::server::Reply;

/// The commands that write, in a form that crosses servers.
#[derive(Serialize, Deserialize)]
pub(super) enum RemoteOp {
    Send {
        principal: Principal,
        conversation: ConversationId,
        client_msg_id: String,
        body: String,
        as_contact: Option<Sender>,
        post: Option<PostCard>,
    },
    StartConversation {
        contact: NewContact,
        #[serde(default)]
        channel: Option<switchboard_protocol::model::Channel>,
    },
    MarkRead {
        principal: Principal,
        conversation: ConversationId,
        seq: Seq,
    },
    UpdateContact {
        conversation: ConversationId,
        changes: ContactChanges,
    },
    Book(BookOp),
    Assign {
        conversation: ConversationId,
        change: AssigneeChange,
        key: Option<String>,
    },
    SystemMessage {
        conversation: ConversationId,
        body: String,
        reply: Reply,
        /// The idempotency key: its scope, user and key.
        claim: Option<(TeamId, UserId, String)>,
    },
    Deliver {
        conversation: ConversationId,
        delivery: Delivery,
        key: Option<String>,
    },
    ImportHandoffs,
    SavePost {
        save: PostSave,
        by: UserId,
        key: Option<String>,
    },
}

impl RemoteOp {
    /// The travelling form of a write command, and what the origin holds
    /// until the answer (the command's idempotency claim); none for a
    /// command that does not write.
    pub(super) fn from_command(op: HubCommand) -> Option<(RemoteOp, Option<Box<Claim>>)> {
        Some(match op {
            HubCommand::Send {
                principal,
                conversation,
                client_msg_id,
                body,
                as_contact,
                post,
            } => (
                RemoteOp::Send {
                    principal: (*principal).clone(),
                    conversation,
                    client_msg_id,
                    body,
                    as_contact,
                    post,
                },
                None,
            ),
            HubCommand::StartConversation { contact, channel } => {
                (RemoteOp::StartConversation { contact, channel }, None)
            }
            HubCommand::MarkRead {
                principal,
                conversation,
                seq,
            } => (
                RemoteOp::MarkRead {
                    principal: (*principal).clone(),
                    conversation,
                    seq,
                },
                None,
            ),
            HubCommand::UpdateContact {
                conversation,
                changes,
            } => (
                RemoteOp::UpdateContact {
                    conversation,
                    changes,
                },
                None,
            ),
            HubCommand::Assign {
                conversation,
                change,
                key,
            } => (
                RemoteOp::Assign {
                    conversation,
                    change,
                    key,
                },
                None,
            ),
            HubCommand::SystemMessage {
                conversation,
                body,
                reply,
                claim,
            } => {
                let key = claim
                    .as_deref()
                    .map(|c| (c.scope(), c.user(), c.key().to_string()));
                (
                    RemoteOp::SystemMessage {
                        conversation,
                        body,
                        reply,
                        claim: key,
                    },
                    claim,
                )
            }
            HubCommand::Deliver {
                conversation,
                delivery,
                key,
            } => (
                RemoteOp::Deliver {
                    conversation,
                    delivery,
                    key,
                },
                None,
            ),
            HubCommand::ImportHandoffs => (RemoteOp::ImportHandoffs, None),
            HubCommand::Book(op) => (RemoteOp::Book(op), None),
            HubCommand::SavePost { save, by, key } => (RemoteOp::SavePost { save, by, key }, None),
            _ => return None,
        })
    }

    /// The command again, on the writer's side (claiming its key here).
    pub(super) async fn into_command(self, claims: &Arc<Claims>) -> Option<HubCommand> {
        Some(match self {
            RemoteOp::Send {
                principal,
                conversation,
                client_msg_id,
                body,
                as_contact,
                post,
            } => HubCommand::Send {
                principal: Arc::new(principal),
                conversation,
                client_msg_id,
                body,
                as_contact,
                post,
            },
            RemoteOp::StartConversation { contact, channel } => {
                HubCommand::StartConversation { contact, channel }
            }
            RemoteOp::MarkRead {
                principal,
                conversation,
                seq,
            } => HubCommand::MarkRead {
                principal: Arc::new(principal),
                conversation,
                seq,
            },
            RemoteOp::UpdateContact {
                conversation,
                changes,
            } => HubCommand::UpdateContact {
                conversation,
                changes,
            },
            RemoteOp::Assign {
                conversation,
                change,
                key,
            } => HubCommand::Assign {
                conversation,
                change,
                key,
            },
            RemoteOp::SystemMessage {
                conversation,
                body,
                reply,
                claim,
            } => {
                let claim = match claim {
                    Some((scope, user, key)) => {
                        Some(Box::new(claims.claim(scope, user, &key).await))
                    }
                    None => None,
                };
                HubCommand::SystemMessage {
                    conversation,
                    body,
                    reply,
                    claim,
                }
            }
            RemoteOp::Deliver {
                conversation,
                delivery,
                key,
            } => HubCommand::Deliver {
                conversation,
                delivery,
                key,
            },
            RemoteOp::ImportHandoffs => HubCommand::ImportHandoffs,
            RemoteOp::Book(op) => HubCommand::Book(op),
            RemoteOp::SavePost { save, by, key } => HubCommand::SavePost { save, by, key },
        })
    }
}
