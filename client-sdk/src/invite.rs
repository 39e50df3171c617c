//! Typed requests for inviting someone into one conversation (`^invite`),
//! listing those invited (in one conversation, or across a team for its
//! Managers), and revoking an invitation.
//!
//! The invitee accepts over HTTP (`POST /api/invitations/accept` with the
//! mailed token and a password, see PROTOCOL.md); from then on they
//! connect with the session token that returns and see that conversation
//! alone.

use crate::client::{unexpected, Client};
use crate::error::Error;
use crate::request::{new_key, Call, Outgoing};
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::invite::{
    self, InvitationCursor, InvitationList, InvitationRevoked, Invited, TeamInvitationList,
};
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ConversationId, RequestId, TeamId, UserId};

/// An invitation request, without its id.
#[derive(Debug, Clone)]
pub(crate) enum InviteRequest {
    Invite {
        conversation: ConversationId,
        email: String,
        note: Option<String>,
        key: String,
    },
    Revoke {
        conversation: ConversationId,
        user: UserId,
    },
    List {
        conversation: ConversationId,
    },
    ListTeam {
        team: TeamId,
        after: Option<InvitationCursor>,
        limit: Option<u32>,
    },
}

impl InviteRequest {
    /// The frame that carries this request under `id`.
    pub(crate) fn into_frame(self, id: RequestId) -> ClientFrame {
        match self {
            InviteRequest::Invite {
                conversation,
                email,
                note,
                key,
            } => ClientFrame::Invite(invite::Invite {
                id,
                conversation,
                email,
                note,
                key: Some(key),
            }),
            InviteRequest::Revoke { conversation, user } => {
                ClientFrame::RevokeInvitation(invite::RevokeInvitation {
                    id,
                    conversation,
                    user,
                })
            }
            InviteRequest::List { conversation } => {
                ClientFrame::Invitations(invite::Invitations { id, conversation })
            }
            InviteRequest::ListTeam { team, after, limit } => {
                ClientFrame::TeamInvitations(invite::TeamInvitations {
                    id,
                    team,
                    after,
                    limit,
                })
            }
        }
    }
}

impl Client {
    /// Invites someone by email into this conversation alone (`^invite
    /// EMAIL [note]`; the team's Managers, Members and the account's owner).
    ///
    /// An unknown email gets a new user without a password; either way the
    /// invitee is mailed a one-time token, and inviting a pending invitee
    /// again replaces it. Everyone who may read the conversation sees a
    /// system message saying so. Refused with `bad_command` for an invalid
    /// email, a member of the team (assign them instead) or someone already
    /// in the conversation; with `forbidden` for a Restricted Member or a bot.
    ///
    /// Invited once: if the connection drops (or the server restarts)
    /// before the answer, the resend carries the same key and gets the
    /// original result; the invitee gets one mail, whose link keeps working.
    pub async fn invite(
        &self,
        conversation: ConversationId,
        email: impl Into<String>,
        note: Option<String>,
    ) -> Result<Invited, Error> {
        let request = InviteRequest::Invite {
            conversation,
            email: email.into(),
            note,
            key: new_key(),
        };
        match self.keyed(Call::Invite(request)).await? {
            Reply::Invited(invited) => Ok(invited),
            other => Err(unexpected("invited", &other)),
        }
    }

    /// Sends `^invite EMAIL [note]` typed as text, as a `send` with this
    /// `client_msg_id`, and returns the invitation like [`Client::invite`].
    /// A body that is no `^invite` fails (`send` is for messages,
    /// [`Client::send_command`] for `^assign`). The invitation is made
    /// once per `client_msg_id`: if the connection drops before the answer,
    /// the client sends it again and gets the original invitation back; no
    /// second mail is sent, and the mailed token keeps working.
    pub async fn send_invite_command(
        &self,
        conversation: ConversationId,
        client_msg_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<Invited, Error> {
        let reply = self
            .send_frame(Outgoing::typed(
                conversation,
                client_msg_id.into(),
                body.into(),
            ))
            .await?;
        match reply {
            Reply::Invited(invited) => Ok(invited),
            other => Err(unexpected("invited", &other)),
        }
    }

    /// Revokes `user`'s invitation into the conversation, pending or
    /// accepted (whoever sent the invitation, first or again while it was
    /// pending, or a Manager of the team). A pending token
    /// stops working; an accepted invitee's connections are closed with
    /// 4009 and reconnect without the conversation. A system message
    /// records it. Revoking twice changes nothing the second time.
    pub async fn revoke_invitation(
        &self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<InvitationRevoked, Error> {
        let request = InviteRequest::Revoke { conversation, user };
        match self.call(Call::Invite(request)).await? {
            Reply::InvitationRevoked(revoked) => Ok(revoked),
            other => Err(unexpected("invitation_revoked", &other)),
        }
    }

    /// The conversation's pending and accepted invitations, by user id:
    /// each invitee's id, email and name, who invited them (first, and who
    /// sent it again while pending), when it last changed, and whether
    /// this caller may [revoke](Client::revoke_invitation) it. Revoked
    /// invitations are not listed. For the team's Managers, Members and
    /// the account's owner; refused with `forbidden` for a Restricted
    /// Member or a bot, `not_found` for anyone who cannot see the
    /// conversation.
    pub async fn invitations(&self, conversation: ConversationId) -> Result<InvitationList, Error> {
        let request = InviteRequest::List { conversation };
        match self.call(Call::Invite(request)).await? {
            Reply::Invitations(list) => Ok(list),
            other => Err(unexpected("invitations", &other)),
        }
    }

    /// A page of the team's pending and accepted invitations across its
    /// conversations, by conversation id then user id: each with its
    /// conversation and that conversation's contact's name, the invitee,
    /// where it stands, who invited them and when it last changed. Pass
    /// the page's `next` as `after` for the following one (up to `limit`,
    /// default 50, at most 200). For the team's Managers and the account's
    /// owner, each of whom may [revoke](Client::revoke_invitation) every
    /// one listed; refused with `forbidden` for a Member or a bot,
    /// `not_found` for anyone outside the team.
    pub async fn team_invitations(
        &self,
        team: TeamId,
        after: Option<InvitationCursor>,
        limit: Option<u32>,
    ) -> Result<TeamInvitationList, Error> {
        let request = InviteRequest::ListTeam { team, after, limit };
        match self.call(Call::Invite(request)).await? {
            Reply::TeamInvitations(list) => Ok(list),
            other => Err(unexpected("team_invitations", &other)),
        }
    }
}
