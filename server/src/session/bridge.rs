//! A bridge's requests (see `switchboard_protocol::bridge`): `relay`, a
//! contact's message from the bridge's channel, and `receipt`, how a
//! message of the team went out on it. Both are checked here (sizes, the
//! address, that the caller is the team's or the conversation's bridge)
//! and carried out by the team's hub (`hub::bridge`).

use super::{Refusal, Session};
use crate::access::Action;
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
        let inbound = Inbound::checked(
            self.principal.user.id,
            &relay.address,
            relay.name,
            relay.client_msg_id,
            relay.body,
            self.state.config.limits.max_body_bytes,
        )
        .map_err(|(code, message)| Refusal::new(code, message))?;
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
