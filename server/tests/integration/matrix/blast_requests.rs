//! Harness 1's blast requests: the ones that send nothing (a preview of
//! team A's book, the list of its blasts), so that a cell leaves no blast
//! running behind it. Creating and steering blasts is in `blasts`, with
//! the same gate (`send blasts`: the team's people, not Restricted
//! Members, not bots).

use super::request_frames::{team, Target};
use super::table::Request;
use switchboard_protocol::blast;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::ids::RequestId;

/// The frame of a blast request (see `requests::frame`).
pub(super) fn blast_frame(request: Request, target: Target, id: RequestId) -> ClientFrame {
    match request {
        Request::PreviewBlast => ClientFrame::PreviewBlast(blast::PreviewBlast {
            id,
            team: team(target),
            audience: ContactQuery::default(),
            template: "Hi {{first_name|there}}".into(),
        }),
        Request::Blasts => ClientFrame::Blasts(blast::Blasts {
            id,
            team: team(target),
        }),
        other => unreachable!("not a blast request: {other:?}"),
    }
}
