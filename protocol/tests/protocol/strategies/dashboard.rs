//! Strategies for the dashboard's and chat hopping's frames.

use super::*;
use switchboard_protocol::dashboard::{
    Dashboard, DashboardCursor, DashboardPage, DashboardRow, Next, NextConversation, NextReason,
    StatusCounts, View,
};

pub fn view() -> impl Strategy<Value = View> {
    prop_oneof![Just(View::All), Just(View::Mine), Just(View::Unassigned)]
}

prop_compose! {
    pub fn dashboard_cursor()(
        status in conversation_status(),
        at in millis(),
        conversation in conversation_id(),
    ) -> DashboardCursor {
        DashboardCursor { status, at, conversation }
    }
}

prop_compose! {
    pub fn dashboard_row()(
        conversation in conversation_id(),
        contact in contact_info(),
        status in conversation_status(),
        assignees in small_vec(user_id()),
        last_seq in seq(),
        last_at in millis(),
        waiting_since in option::of(millis()),
        waited_ms in any::<u64>(),
        read_seq in seq(),
        unread in any::<u64>(),
    ) -> DashboardRow {
        DashboardRow {
            conversation, contact, status, assignees, last_seq, last_at,
            waiting_since, waited_ms, read_seq, unread,
        }
    }
}

/// The `dashboard` and `next` requests.
pub fn dashboard_request() -> BoxedStrategy<ClientFrame> {
    prop_oneof![
        (
            request_id(),
            team_id(),
            view(),
            option::of(conversation_status()),
            option::of(dashboard_cursor()),
            option::of(any::<u32>()),
        )
            .prop_map(|(id, team, view, status, after, limit)| {
                ClientFrame::Dashboard(Dashboard {
                    id,
                    team,
                    view,
                    status,
                    after,
                    limit,
                })
            }),
        (request_id(), team_id()).prop_map(|(id, team)| ClientFrame::Next(Next { id, team })),
    ]
    .boxed()
}

/// The `dashboard` and `next` replies.
pub fn dashboard_reply() -> BoxedStrategy<Reply> {
    let counts =
        (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(open, waiting, delivered)| {
            StatusCounts {
                open,
                waiting,
                delivered,
            }
        });
    let reason = prop_oneof![Just(NextReason::Assigned), Just(NextReason::Unassigned)];
    prop_oneof![
        (
            team_id(),
            small_vec(dashboard_row()),
            option::of(dashboard_cursor()),
            counts,
        )
            .prop_map(|(team, rows, next, counts)| {
                Reply::Dashboard(DashboardPage {
                    team,
                    rows,
                    next,
                    counts,
                })
            }),
        (team_id(), option::of(dashboard_row()), option::of(reason))
            .prop_map(|(team, row, reason)| Reply::Next(NextConversation { team, row, reason })),
    ]
    .boxed()
}
