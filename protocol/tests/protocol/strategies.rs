//! Proptest generators for every frame and every value inside one.
//!
//! Each enum's strategy lists every variant, and the `*_variant` functions
//! name them with an exhaustive `match`: a new variant breaks the build here
//! until it is generated, so the round-trip tests cannot silently skip it.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use switchboard_protocol::client::{
    Conversations, Hello, History, MarkRead, Ping, SendMessage, StartConversation, Subscribe,
    Unsubscribe,
};
use switchboard_protocol::manage::{
    AccountInfo, AddMember, BotInfo, BotScope, Bots, ContactUpdated, CreateBot, CreateTeam,
    MemberInfo, Members, RemoveMember, RemoveTeam, RevokeBot, SetRole, UpdateContact, UpdateTeam,
    Usage, UsageInfo,
};
use switchboard_protocol::model::{
    ContactInfo, ConversationInfo, ConversationStatus, GrantInfo, Limits, Message, NewContact,
    Position, ReadMarker, Role, Sender, SenderKind, TeamInfo, UserInfo,
};
use switchboard_protocol::server::{
    BotCreated, BotList, ConversationPage, ErrorFrame, Event, EventFrame, HistoryPage, MemberAdded,
    MemberList, Reply, ResultFrame, Resume, SendAck, Subscribed, Welcome,
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
        Just(ConversationStatus::Delivered)
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
        role in role(),
    ) -> TeamInfo {
        TeamInfo { id, account, name, handle, identity, statuses, max_members, role }
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

pub fn bot_scope() -> impl Strategy<Value = BotScope> {
    prop_oneof![Just(BotScope::Read), Just(BotScope::ReadWrite)]
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
    ) -> Limits {
        Limits { max_frame_bytes, max_body_bytes, max_history_page, replay_chunk, outbound_queue_frames }
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
    ) -> Message {
        Message { conversation, seq, offset, sender, body, client_msg_id, at }
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
    ) -> ConversationInfo {
        ConversationInfo { id, team, contact, status, last_seq, created_at }
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

// ---- client frames ----

pub fn client_frame() -> BoxedStrategy<ClientFrame> {
    prop_oneof![
        (any::<u32>(), text())
            .prop_map(|(version, token)| ClientFrame::Hello(Hello { version, token })),
        (request_id(), team_id(), option::of(position())).prop_map(|(id, team, after)| {
            ClientFrame::Subscribe(Subscribe { id, team, after })
        }),
        (request_id(), team_id())
            .prop_map(|(id, team)| ClientFrame::Unsubscribe(Unsubscribe { id, team })),
        (request_id(), conversation_id(), text(), text()).prop_map(
            |(id, conversation, client_msg_id, body)| ClientFrame::Send(SendMessage {
                id,
                conversation,
                client_msg_id,
                body
            })
        ),
        (
            request_id(),
            conversation_id(),
            option::of(seq()),
            option::of(seq()),
            option::of(any::<u32>())
        )
            .prop_map(|(id, conversation, before, after, limit)| {
                ClientFrame::History(History {
                    id,
                    conversation,
                    before,
                    after,
                    limit,
                })
            }),
        (
            request_id(),
            team_id(),
            option::of(conversation_id()),
            option::of(any::<u32>())
        )
            .prop_map(|(id, team, before, limit)| {
                ClientFrame::Conversations(Conversations {
                    id,
                    team,
                    before,
                    limit,
                })
            }),
        (request_id(), team_id(), new_contact()).prop_map(|(id, team, contact)| {
            ClientFrame::StartConversation(StartConversation { id, team, contact })
        }),
        (request_id(), conversation_id(), seq()).prop_map(|(id, conversation, seq)| {
            ClientFrame::MarkRead(MarkRead {
                id,
                conversation,
                seq,
            })
        }),
        request_id().prop_map(|id| ClientFrame::Ping(Ping { id })),
        manage_frame(),
    ]
    .boxed()
}

/// The account-management requests (a strategy of their own: `prop_oneof!`
/// takes a bounded number of arms).
pub fn manage_frame() -> BoxedStrategy<ClientFrame> {
    prop_oneof![
        (request_id(), account_id(), text(), text(), text()).prop_map(
            |(id, account, name, handle, identity)| ClientFrame::CreateTeam(CreateTeam {
                id,
                account,
                name,
                handle,
                identity
            })
        ),
        (
            request_id(),
            team_id(),
            option::of(text()),
            option::of(text()),
            option::of(small_vec(text())),
            option::of(any::<u32>())
        )
            .prop_map(|(id, team, name, identity, statuses, max_members)| {
                ClientFrame::UpdateTeam(UpdateTeam {
                    id,
                    team,
                    name,
                    identity,
                    statuses,
                    max_members,
                })
            }),
        (request_id(), team_id())
            .prop_map(|(id, team)| ClientFrame::RemoveTeam(RemoveTeam { id, team })),
        (request_id(), team_id()).prop_map(|(id, team)| ClientFrame::Members(Members { id, team })),
        (request_id(), team_id(), text(), role(), option::of(text())).prop_map(
            |(id, team, email, role, name)| ClientFrame::AddMember(AddMember {
                id,
                team,
                email,
                role,
                name
            })
        ),
        (request_id(), team_id(), user_id()).prop_map(|(id, team, user)| {
            ClientFrame::RemoveMember(RemoveMember { id, team, user })
        }),
        (request_id(), team_id(), user_id(), role()).prop_map(|(id, team, user, role)| {
            ClientFrame::SetRole(SetRole {
                id,
                team,
                user,
                role,
            })
        }),
        (request_id(), account_id())
            .prop_map(|(id, account)| ClientFrame::Usage(Usage { id, account })),
        bot_frame(),
    ]
    .boxed()
}

/// The bot-token requests.
pub fn bot_frame() -> BoxedStrategy<ClientFrame> {
    prop_oneof![
        (request_id(), team_id(), text(), bot_scope()).prop_map(|(id, team, name, scope)| {
            ClientFrame::CreateBot(CreateBot {
                id,
                team,
                name,
                scope,
            })
        }),
        (request_id(), team_id(), user_id())
            .prop_map(|(id, team, bot)| ClientFrame::RevokeBot(RevokeBot { id, team, bot })),
        (request_id(), team_id()).prop_map(|(id, team)| ClientFrame::Bots(Bots { id, team })),
        (
            request_id(),
            conversation_id(),
            option::of(text()),
            option::of(text()),
            option::of(text())
        )
            .prop_map(|(id, conversation, name, email, phone)| {
                ClientFrame::UpdateContact(UpdateContact {
                    id,
                    conversation,
                    name,
                    email,
                    phone,
                })
            }),
    ]
    .boxed()
}

/// The `type` of a client frame, by exhaustive match.
pub fn client_variant(frame: &ClientFrame) -> &'static str {
    match frame {
        ClientFrame::Hello(_) => "hello",
        ClientFrame::Subscribe(_) => "subscribe",
        ClientFrame::Unsubscribe(_) => "unsubscribe",
        ClientFrame::Send(_) => "send",
        ClientFrame::History(_) => "history",
        ClientFrame::Conversations(_) => "conversations",
        ClientFrame::StartConversation(_) => "start_conversation",
        ClientFrame::MarkRead(_) => "mark_read",
        ClientFrame::Ping(_) => "ping",
        ClientFrame::CreateTeam(_) => "create_team",
        ClientFrame::UpdateTeam(_) => "update_team",
        ClientFrame::RemoveTeam(_) => "remove_team",
        ClientFrame::Members(_) => "members",
        ClientFrame::AddMember(_) => "add_member",
        ClientFrame::RemoveMember(_) => "remove_member",
        ClientFrame::SetRole(_) => "set_role",
        ClientFrame::Usage(_) => "usage",
        ClientFrame::CreateBot(_) => "create_bot",
        ClientFrame::RevokeBot(_) => "revoke_bot",
        ClientFrame::Bots(_) => "bots",
        ClientFrame::UpdateContact(_) => "update_contact",
    }
}

// ---- server frames ----

pub fn resume() -> impl Strategy<Value = Resume> {
    prop_oneof![
        Just(Resume::Fresh),
        Just(Resume::Recovered),
        Just(Resume::EpochChanged),
        Just(Resume::OffsetAhead),
    ]
}

/// Every error code.
pub const ERROR_CODES: [ErrorCode; 13] = [
    ErrorCode::BadFrame,
    ErrorCode::BadRequest,
    ErrorCode::BadState,
    ErrorCode::NotFound,
    ErrorCode::Forbidden,
    ErrorCode::Conflict,
    ErrorCode::TooLarge,
    ErrorCode::RateLimited,
    ErrorCode::BadCommand,
    ErrorCode::CommandUnavailable,
    ErrorCode::Unavailable,
    ErrorCode::Internal,
    ErrorCode::Unknown,
];

pub fn error_code() -> impl Strategy<Value = ErrorCode> {
    proptest::sample::select(&ERROR_CODES[..])
}

/// The wire name of an error code, written out by exhaustive match (so a
/// new code breaks the build here until it is added to [`ERROR_CODES`]).
pub fn error_code_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadFrame => "bad_frame",
        ErrorCode::BadRequest => "bad_request",
        ErrorCode::BadState => "bad_state",
        ErrorCode::NotFound => "not_found",
        ErrorCode::Forbidden => "forbidden",
        ErrorCode::Conflict => "conflict",
        ErrorCode::TooLarge => "too_large",
        ErrorCode::RateLimited => "rate_limited",
        ErrorCode::BadCommand => "bad_command",
        ErrorCode::CommandUnavailable => "command_unavailable",
        ErrorCode::Unavailable => "unavailable",
        ErrorCode::Internal => "internal",
        ErrorCode::Unknown => "unknown",
    }
}

prop_compose! {
    pub fn send_ack()(
        conversation in conversation_id(),
        seq in seq(),
        offset in offset(),
        at in millis(),
        duplicate in any::<bool>(),
    ) -> SendAck {
        SendAck { conversation, seq, offset, at, duplicate }
    }
}

prop_compose! {
    pub fn subscribed()(
        team in team_id(),
        epoch in epoch(),
        offset in offset(),
        head in offset(),
        replayed in any::<u32>(),
        live in any::<bool>(),
        resume in resume(),
    ) -> Subscribed {
        Subscribed { team, epoch, offset, head, replayed, live, resume }
    }
}

pub fn reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        send_ack().prop_map(Reply::Sent),
        subscribed().prop_map(Reply::Subscribed),
        team_id().prop_map(|team| Reply::Unsubscribed { team }),
        (conversation_id(), small_vec(message()), any::<bool>()).prop_map(
            |(conversation, messages, more)| Reply::History(HistoryPage {
                conversation,
                messages,
                more
            })
        ),
        (
            team_id(),
            small_vec(conversation_info()),
            option::of(conversation_id())
        )
            .prop_map(|(team, conversations, next)| {
                Reply::Conversations(ConversationPage {
                    team,
                    conversations,
                    next,
                })
            }),
        conversation_info().prop_map(Reply::Conversation),
        read_marker().prop_map(Reply::Read),
        Just(Reply::Pong),
        manage_reply(),
    ]
    .boxed()
}

/// The replies of account-management requests.
pub fn manage_reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        team_info().prop_map(Reply::Team),
        team_id().prop_map(|team| Reply::TeamRemoved { team }),
        (team_id(), small_vec(member_info()))
            .prop_map(|(team, members)| Reply::Members(MemberList { team, members })),
        (team_id(), member_info(), any::<bool>()).prop_map(|(team, member, invited)| {
            Reply::Member(MemberAdded {
                team,
                member,
                invited,
            })
        }),
        (team_id(), user_id()).prop_map(|(team, user)| Reply::MemberRemoved { team, user }),
        usage_info().prop_map(Reply::Usage),
        (bot_info(), text()).prop_map(|(bot, token)| Reply::Bot(BotCreated { bot, token })),
        (team_id(), user_id()).prop_map(|(team, bot)| Reply::BotRevoked { team, bot }),
        (team_id(), small_vec(bot_info()))
            .prop_map(|(team, bots)| Reply::Bots(BotList { team, bots })),
        contact_updated().prop_map(Reply::Contact),
    ]
    .boxed()
}

/// The `type` of a reply, by exhaustive match.
pub fn reply_variant(reply: &Reply) -> &'static str {
    match reply {
        Reply::Sent(_) => "sent",
        Reply::Subscribed(_) => "subscribed",
        Reply::Unsubscribed { .. } => "unsubscribed",
        Reply::History(_) => "history",
        Reply::Conversations(_) => "conversations",
        Reply::Conversation(_) => "conversation",
        Reply::Read(_) => "read",
        Reply::Pong => "pong",
        Reply::Team(_) => "team",
        Reply::TeamRemoved { .. } => "team_removed",
        Reply::Members(_) => "members",
        Reply::Member(_) => "member",
        Reply::MemberRemoved { .. } => "member_removed",
        Reply::Usage(_) => "usage",
        Reply::Bot(_) => "bot",
        Reply::BotRevoked { .. } => "bot_revoked",
        Reply::Bots(_) => "bots",
        Reply::Contact(_) => "contact",
    }
}

pub fn event() -> BoxedStrategy<Event> {
    prop_oneof![
        message().prop_map(Event::Message),
        conversation_info().prop_map(Event::ConversationStarted),
        read_marker().prop_map(Event::Read),
        contact_updated().prop_map(Event::ContactUpdated),
    ]
    .boxed()
}

/// The `type` of an event, by exhaustive match.
pub fn event_variant(event: &Event) -> &'static str {
    match event {
        Event::Message(_) => "message",
        Event::ConversationStarted(_) => "conversation_started",
        Event::Read(_) => "read",
        Event::ContactUpdated(_) => "contact_updated",
    }
}

prop_compose! {
    pub fn contact_updated()(
        conversation in conversation_id(),
        contact in contact_id(),
        name in text(),
        email in option::of(text()),
        phone in option::of(text()),
    ) -> ContactUpdated {
        ContactUpdated { conversation, contact, name, email, phone }
    }
}

prop_compose! {
    pub fn welcome()(
        version in any::<u32>(),
        connection in raw_id(),
        user in user_info(),
        teams in small_vec(team_info()),
        accounts in small_vec(account_info()),
        grants in small_vec(grant_info()),
        limits in limits(),
    ) -> Welcome {
        Welcome { version, connection, user, teams, accounts, grants, limits }
    }
}

prop_compose! {
    pub fn error_frame()(id in option::of(request_id()), code in error_code(), message in text()) -> ErrorFrame {
        ErrorFrame { id, code, message }
    }
}

prop_compose! {
    pub fn result_frame()(id in request_id(), result in reply()) -> ResultFrame {
        ResultFrame { id, result }
    }
}

prop_compose! {
    pub fn event_frame()(team in team_id(), offset in offset(), event in event()) -> EventFrame {
        EventFrame { team, offset, event }
    }
}

pub fn server_frame() -> BoxedStrategy<ServerFrame> {
    prop_oneof![
        welcome().prop_map(ServerFrame::Welcome),
        result_frame().prop_map(ServerFrame::Result),
        error_frame().prop_map(ServerFrame::Error),
        event_frame().prop_map(ServerFrame::Event),
    ]
    .boxed()
}

/// The `type` of a server frame, by exhaustive match.
pub fn server_variant(frame: &ServerFrame) -> &'static str {
    match frame {
        ServerFrame::Welcome(_) => "welcome",
        ServerFrame::Result(_) => "result",
        ServerFrame::Error(_) => "error",
        ServerFrame::Event(_) => "event",
    }
}
