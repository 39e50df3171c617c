//! The contact book's requests.

use super::{Refusal, Session};
use switchboard_protocol::server::Reply;
use switchboard_protocol::{ClientFrame, ErrorCode, RequestId};

impl Session {
    pub(super) async fn contact_book(
        &self,
        _request: RequestId,
        _frame: ClientFrame,
    ) -> Result<Option<Reply>, Refusal> {
        Err(Refusal::new(ErrorCode::BadRequest, "not available yet"))
    }
}
