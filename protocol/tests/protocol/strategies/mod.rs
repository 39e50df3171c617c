//! Proptest generators for every frame and every value inside one.
//!
//! Each enum's strategy lists every variant, and the `*_variant` functions
//! name them with an exhaustive `match`: a new variant breaks the build here
//! until it is generated, so the round-trip tests cannot silently skip it.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use switchboard_protocol::assign::{Assign, Assignees, Unassign, Who};
use switchboard_protocol::client::{
    ConversationRequest, Conversations, Hello, History, MarkRead, Ping, SendMessage,
    StartConversation, Subscribe, Unsubscribe,
};
use switchboard_protocol::deliver::{
    ByDestination, ByStatus, ByTeam, ByUser, Deliver, DeliverTo, DeliveredTo, Destination,
    Durations, Outcome, OutcomeCounts, Report, ReportInfo, StatusCount,
};
use switchboard_protocol::invite::{
    InvitationCursor, InvitationInfo, InvitationList, InvitationRevoked, InvitationState,
    Invitations, Invite, Invited, RevokeInvitation, TeamInvitation, TeamInvitationList,
    TeamInvitations,
};
use switchboard_protocol::manage::{
    AccountInfo, AddMember, BotInfo, BotScope, Bots, ContactUpdated, CreateBot, CreateTeam,
    MemberInfo, Members, RemoveMember, RemoveTeam, RevokeBot, SetRole, UpdateContact, UpdateTeam,
    Usage, UsageInfo,
};
use switchboard_protocol::model::{
    Channel, ContactInfo, ConversationInfo, ConversationStatus, GrantInfo, Limits, Message,
    NewContact, Position, ReadMarker, Reader, Role, Sender, SenderKind, TeamInfo, UserInfo,
};
use switchboard_protocol::server::{
    BotCreated, BotList, ConversationDetails, ConversationPage, ErrorFrame, Event, EventFrame,
    HistoryPage, MemberAdded, MemberList, Reply, ResultFrame, Resume, SendAck, Subscribed, Welcome,
};
use switchboard_protocol::{
    AccountId, ClientFrame, ContactId, ConversationId, Epoch, ErrorCode, Millis, Offset, RequestId,
    Seq, ServerFrame, TeamId, UserId,
};

/// The largest integer a JSON number carries exactly (2^53 - 1): ids stay
/// at or below it so that JavaScript clients read them unchanged.
pub const MAX_SAFE_ID: u64 = (1 << 53) - 1;

/// A raw id: the edges (0, 1, 2^53 - 1) often, anything between otherwise.
pub fn raw_id() -> BoxedStrategy<u64> {
    prop_oneof![
        1 => Just(0u64),
        1 => Just(1u64),
        1 => Just(MAX_SAFE_ID),
        6 => 0..=MAX_SAFE_ID,
    ]
    .boxed()
}

/// Any string: unicode of every plane, control characters and NUL included.
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        any::<String>(),
        "[a-z]{1,12}",
        "\\PC{0,40}",
    ]
    .boxed()
}

fn small_vec<T: std::fmt::Debug>(
    element: impl Strategy<Value = T>,
) -> impl Strategy<Value = Vec<T>> {
    vec(element, 0..4)
}

macro_rules! id_strategies {
    ($($fn_name:ident -> $ty:ident),* $(,)?) => {
        $(
            pub fn $fn_name() -> impl Strategy<Value = $ty> {
                raw_id().prop_map($ty)
            }
        )*
    };
}

id_strategies!(
    account_id -> AccountId,
    team_id -> TeamId,
    user_id -> UserId,
    contact_id -> ContactId,
    conversation_id -> ConversationId,
    request_id -> RequestId,
    seq -> Seq,
    offset -> Offset,
    epoch -> Epoch,
    millis -> Millis,
);

// ---- model ----

pub fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Manager), Just(Role::Member)]
}

pub fn sender_kind() -> impl Strategy<Value = SenderKind> {
    prop_oneof![
        Just(SenderKind::Agent),
        Just(SenderKind::Contact),
        Just(SenderKind::Bot),
        Just(SenderKind::System),
    ]
}

pub fn conversation_status() -> impl Strategy<Value = ConversationStatus> {
    prop_oneof![
        Just(ConversationStatus::Open),
        Just(ConversationStatus::Delivered),
        Just(ConversationStatus::Waiting),
    ]
}

prop_compose! {
    pub fn user_info()(id in user_id(), name in text(), email in text(), handle in text()) -> UserInfo {
        UserInfo { id, name, email, handle }
    }
}

prop_compose! {
    pub fn team_info()(
        id in team_id(),
        account in account_id(),
        name in text(),
        handle in text(),
        identity in text(),
        statuses in small_vec(text()),
        max_members in option::of(any::<u32>()),
        blast_rate in 1u32..=1000,
        role in role(),
    ) -> TeamInfo {
        TeamInfo { id, account, name, handle, identity, statuses, max_members, blast_rate, role }
    }
}

prop_compose! {
    pub fn grant_info()(conversation in conversation_id(), team in team_id()) -> GrantInfo {
        GrantInfo { conversation, team }
    }
}

prop_compose! {
    pub fn account_info()(id in account_id(), name in text()) -> AccountInfo {
        AccountInfo { id, name }
    }
}

prop_compose! {
    pub fn member_info()(user in user_info(), role in role()) -> MemberInfo {
        MemberInfo { user, role }
    }
}

prop_compose! {
    pub fn invitation_info()(
        (user, email, name) in (user_id(), text(), text()),
        pending in any::<bool>(),
        (invited_by, resent_by, at) in (user_id(), small_vec(user_id()), millis()),
        may_revoke in any::<bool>(),
    ) -> InvitationInfo {
        let state = if pending { InvitationState::Pending } else { InvitationState::Accepted };
        InvitationInfo { user, email, name, state, invited_by, resent_by, at, may_revoke }
    }
}

pub fn invitation_cursor() -> impl Strategy<Value = InvitationCursor> {
    (conversation_id(), user_id())
        .prop_map(|(conversation, user)| InvitationCursor { conversation, user })
}

prop_compose! {
    pub fn team_invitation()(
        (conversation, contact) in (conversation_id(), text()),
        (user, email, name) in (user_id(), text(), text()),
        pending in any::<bool>(),
        (invited_by, invited_by_name, at) in (user_id(), text(), millis()),
    ) -> TeamInvitation {
        let state = if pending { InvitationState::Pending } else { InvitationState::Accepted };
        TeamInvitation { conversation, contact, user, email, name, state, invited_by, invited_by_name, at }
    }
}

pub fn bot_scope() -> impl Strategy<Value = BotScope> {
    prop_oneof![
        Just(BotScope::Read),
        Just(BotScope::ReadWrite),
        Just(BotScope::Bridge)
    ]
}

prop_compose! {
    pub fn bot_info()(
        id in user_id(),
        team in team_id(),
        name in text(),
        scope in bot_scope(),
        created_at in millis(),
        revoked in any::<bool>(),
    ) -> BotInfo {
        BotInfo { id, team, name, scope, created_at, revoked }
    }
}

prop_compose! {
    pub fn usage_info()(
        account in account_id(),
        seats in any::<u32>(),
        messages in raw_id(),
        blasts in raw_id(),
    ) -> UsageInfo {
        UsageInfo { account, seats, messages, blasts }
    }
}

prop_compose! {
    pub fn limits()(
        max_frame_bytes in any::<u32>(),
        max_body_bytes in any::<u32>(),
        max_history_page in any::<u32>(),
        replay_chunk in any::<u32>(),
        outbound_queue_frames in any::<u32>(),
        (outbound_queue_bytes, rate_per_connection, burst_per_connection) in (any::<u32>(), any::<u32>(), any::<u32>()),
        (rate_per_user, burst_per_user, rate_refusals_to_close) in (any::<u32>(), any::<u32>(), any::<u32>()),
        (rate_window_secs, max_connections_per_user, max_connections) in (any::<u32>(), any::<u32>(), any::<u32>()),
        (ping_interval_ms, ping_timeout_ms) in (any::<u32>(), any::<u32>()),
        (pending_writes, pending_write_bytes) in (any::<u32>(), any::<u32>()),
        (visitor_messages_per_minute, visitor_message_burst, visitor_message_chars) in (any::<u32>(), any::<u32>(), any::<u32>()),
        (visitor_creations_per_minute, visitor_connections_per_address) in (any::<u32>(), any::<u32>()),
    ) -> Limits {
        Limits {
            max_frame_bytes, max_body_bytes, max_history_page, replay_chunk, outbound_queue_frames,
            outbound_queue_bytes, rate_per_connection, burst_per_connection, rate_per_user,
            burst_per_user, rate_refusals_to_close, rate_window_secs, max_connections_per_user,
            max_connections, ping_interval_ms, ping_timeout_ms, pending_writes,
            pending_write_bytes, visitor_messages_per_minute, visitor_message_burst,
            visitor_message_chars, visitor_creations_per_minute, visitor_connections_per_address,
        }
    }
}

prop_compose! {
    pub fn sender()(kind in sender_kind(), id in raw_id(), name in text()) -> Sender {
        Sender { kind, id, name }
    }
}

prop_compose! {
    pub fn message()(
        conversation in conversation_id(),
        seq in seq(),
        offset in offset(),
        sender in sender(),
        body in text(),
        client_msg_id in option::of(text()),
        at in millis(),
        status in option::of(conversation_status()),
        post in option::of(post_card()),
        delivery in option::of(delivery()),
    ) -> Message {
        Message { conversation, seq, offset, sender, body, client_msg_id, at, status, post, delivery }
    }
}

prop_compose! {
    pub fn contact_info()(
        id in contact_id(),
        name in text(),
        email in option::of(text()),
        phone in option::of(text()),
    ) -> ContactInfo {
        ContactInfo { id, name, email, phone }
    }
}

prop_compose! {
    pub fn new_contact()(
        name in text(),
        email in option::of(text()),
        phone in option::of(text()),
    ) -> NewContact {
        NewContact { name, email, phone }
    }
}

prop_compose! {
    pub fn conversation_info()(
        id in conversation_id(),
        team in team_id(),
        contact in contact_info(),
        status in conversation_status(),
        last_seq in seq(),
        created_at in millis(),
        assignees in small_vec(user_id()),
        channel in option::of(channel()),
    ) -> ConversationInfo {
        ConversationInfo { id, team, contact, status, last_seq, created_at, assignees, channel }
    }
}

/// Either channel a conversation may have.
pub fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        user_id().prop_map(|visitor| Channel::Web { visitor }),
        (user_id(), text()).prop_map(|(bridge, address)| Channel::Bridge { bridge, address }),
    ]
}

/// Who an `assign` or `unassign` names.
pub fn who() -> BoxedStrategy<Who> {
    prop_oneof![
        Just(Who::Me),
        text().prop_map(|handle| Who::User { handle }),
    ]
    .boxed()
}

prop_compose! {
    pub fn assignees()(
        conversation in conversation_id(),
        assignees in small_vec(user_id()),
    ) -> Assignees {
        Assignees { conversation, assignees }
    }
}

prop_compose! {
    pub fn read_marker()(conversation in conversation_id(), user in user_id(), seq in seq()) -> ReadMarker {
        ReadMarker { conversation, user, seq }
    }
}

prop_compose! {
    pub fn position()(epoch in epoch(), offset in offset()) -> Position {
        Position { epoch, offset }
    }
}

mod bridge;
mod client;
mod contacts;
mod content;
mod dashboard;
mod presence;
mod server;
mod widget;

pub use bridge::*;
pub use client::*;
pub use contacts::*;
pub use content::*;
pub use dashboard::*;
pub use presence::*;
pub use server::*;
pub use widget::*;

/// Where a `deliver` frame sends a conversation.
pub fn deliver_to() -> BoxedStrategy<DeliverTo> {
    prop_oneof![
        text().prop_map(|handle| DeliverTo::User { handle }),
        text().prop_map(|handle| DeliverTo::Team { handle }),
    ]
    .boxed()
}

prop_compose! {
    pub fn deliver()(
        id in request_id(),
        conversation in conversation_id(),
        to in deliver_to(),
        status in option::of(text()),
        note in option::of(text()),
        key in option::of(text()),
    ) -> Deliver {
        Deliver { id, conversation, to, status, note, key }
    }
}

prop_compose! {
    pub fn report()(
        id in request_id(),
        team in option::of(team_id()),
        account in option::of(account_id()),
        from in option::of(millis()),
        to in option::of(millis()),
    ) -> Report {
        Report { id, team, account, from, to }
    }
}

/// Where a conversation was delivered.
pub fn delivered_to() -> BoxedStrategy<DeliveredTo> {
    prop_oneof![
        (user_id(), text()).prop_map(|(user, name)| DeliveredTo::User { user, name }),
        (team_id(), text(), conversation_id()).prop_map(|(team, name, conversation)| {
            DeliveredTo::Team {
                team,
                name,
                conversation,
            }
        }),
    ]
    .boxed()
}

prop_compose! {
    pub fn outcome()(
        conversation in conversation_id(),
        team in team_id(),
        seq in seq(),
        by in user_id(),
        by_name in text(),
        to in delivered_to(),
        status in option::of(text()),
        note in option::of(text()),
        at in millis(),
    ) -> Outcome {
        Outcome { conversation, team, seq, by, by_name, to, status, note, at }
    }
}

/// A delivery's destination, as a report counts it.
pub fn destination() -> BoxedStrategy<Destination> {
    prop_oneof![
        user_id().prop_map(|user| Destination::User { user }),
        team_id().prop_map(|team| Destination::Team { team }),
    ]
    .boxed()
}

prop_compose! {
    pub fn durations()(
        count in any::<u64>(),
        p50 in option::of(any::<u64>()),
        p90 in option::of(any::<u64>()),
        p99 in option::of(any::<u64>()),
    ) -> Durations {
        Durations { count, p50, p90, p99 }
    }
}

prop_compose! {
    pub fn outcome_counts()(
        total in any::<u64>(),
        by_status in small_vec((option::of(text()), any::<u64>())
            .prop_map(|(status, count)| ByStatus { status, count })),
        by_user in small_vec((user_id(), text(), any::<u64>())
            .prop_map(|(user, name, count)| ByUser { user, name, count })),
        by_team in small_vec((team_id(), any::<u64>())
            .prop_map(|(team, count)| ByTeam { team, count })),
        by_destination in small_vec((destination(), any::<u64>())
            .prop_map(|(to, count)| ByDestination { to, count })),
        by_post in small_vec(by_post()),
    ) -> OutcomeCounts {
        OutcomeCounts { total, by_status, by_user, by_team, by_destination, by_post }
    }
}

prop_compose! {
    pub fn report_info()(
        teams in small_vec(team_id()),
        from in option::of(millis()),
        to in option::of(millis()),
        outcomes in outcome_counts(),
        conversations in small_vec((conversation_status(), any::<u64>())
            .prop_map(|(status, count)| StatusCount { status, count })),
        first_response in durations(),
        wait in durations(),
        counts in (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()),
    ) -> ReportInfo {
        let (blasts, recipients, replies, opt_outs) = counts;
        let blasts = switchboard_protocol::blast::BlastCounts { blasts, recipients, replies, opt_outs };
        ReportInfo { teams, from, to, outcomes, conversations, first_response, wait, blasts }
    }
}
