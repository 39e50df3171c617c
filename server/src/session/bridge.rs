//! A bridge's requests (see `switchboard_protocol::bridge`): `relay`, a
//! contact's message from the bridge's channel, and `receipt`, how a
//! message of the team went out on it. Both are checked here (sizes, the
//! address, that the caller is the team's or the conversation's bridge)
//! and carried out by the team's hub (`hub::bridge`).

use super::{Refusal, Session, MAX_CLIENT_MSG_ID, MAX_CONTACT_FIELD};
use crate::access::Action;
use crate::contacts::normal;
use crate::hub::{HubCommand, Inbound, Report};
use switchboard_protocol::bridge::{Relay, ReportReceipt};
use switchboard_protocol::ids::RequestId;
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::server::Reply;
use switchboard_protocol::ErrorCode;

/// Longest `detail` of a receipt, in bytes.
const MAX_DETAIL: usize = 200;

impl Session {
    pub(super) async fn relay_inbound(
        &self,
        request: RequestId,
        relay: Relay,
    ) -> Result<Option<Reply>, Refusal> {
        // The request names no team: a bridge relays into its one team.
        // Anyone else is refused alike, so the answer tells them nothing.
        let team = match (self.principal.bot_scope(), self.principal.teams().next()) {
            (Some(BotScope::Bridge), Some(team)) => team,
            _ => {
                return Err(Refusal::new(
                    ErrorCode::Forbidden,
                    "only a bridge bot relays",
                ))
            }
        };
        self.team_for(Action::Relay, team)?;
        if relay.client_msg_id.is_empty() || relay.client_msg_id.len() > MAX_CLIENT_MSG_ID {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("client_msg_id must be 1 to {MAX_CLIENT_MSG_ID} bytes"),
            ));
        }
        let max_body = self.state.config.limits.max_body_bytes;
        if relay.body.len() > max_body {
            return Err(Refusal::new(
                ErrorCode::TooLarge,
                format!(
                    "body of {} bytes exceeds max_body_bytes ({max_body})",
                    relay.body.len()
                ),
            ));
        }
        if relay.body.trim().is_empty() {
            return Err(Refusal::new(ErrorCode::BadRequest, "the body is empty"));
        }
        let address = normal::channel_phone(&relay.address);
        if address.is_empty() || address.len() > MAX_CONTACT_FIELD {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("address must be 1 to {MAX_CONTACT_FIELD} bytes"),
            ));
        }
        let name = relay
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| address.clone());
        if name.len() > MAX_CONTACT_FIELD {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("name must be at most {MAX_CONTACT_FIELD} bytes"),
            ));
        }
        let inbound = Inbound {
            bridge: self.principal.user.id,
            address,
            name,
            client_msg_id: relay.client_msg_id,
            body: relay.body,
        };
        self.dispatch(team, request, HubCommand::Relay(inbound))
            .await
    }

    pub(super) async fn report_receipt(
        &self,
        request: RequestId,
        receipt: ReportReceipt,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::Receipt, receipt.conversation)?;
        if receipt
            .detail
            .as_ref()
            .is_some_and(|d| d.len() > MAX_DETAIL)
        {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("detail must be at most {MAX_DETAIL} bytes"),
            ));
        }
        let report = Report {
            conversation: conversation.id,
            seq: receipt.seq,
            status: receipt.status,
            detail: receipt.detail,
        };
        self.dispatch(conversation.team, request, HubCommand::Receipt(report))
            .await
    }
}
