//! Strategies for server frames and replies, and their variant names.

use super::*;

pub fn resume() -> impl Strategy<Value = Resume> {
    prop_oneof![
        Just(Resume::Fresh),
        Just(Resume::Recovered),
        Just(Resume::EpochChanged),
        Just(Resume::OffsetAhead),
    ]
}

/// Every error code.
pub const ERROR_CODES: [ErrorCode; 14] = [
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
    ErrorCode::WidgetPaused,
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
        ErrorCode::WidgetPaused => "widget_paused",
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
        presence_reply(),
        contact_reply(),
        widget_reply(),
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
        command_reply(),
    ]
    .boxed()
}

/// The replies of `^commands` and reports (a strategy of their own:
/// `prop_oneof!` takes a bounded number of arms).
pub fn command_reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        assignees().prop_map(Reply::Assignees),
        dashboard_reply(),
        (conversation_id(), text(), user_id()).prop_map(|(conversation, email, user)| {
            Reply::Invited(Invited {
                conversation,
                email,
                user,
            })
        }),
        (conversation_id(), user_id()).prop_map(|(conversation, user)| {
            Reply::InvitationRevoked(InvitationRevoked { conversation, user })
        }),
        (conversation_id(), small_vec(invitation_info())).prop_map(
            |(conversation, invitations)| {
                Reply::Invitations(InvitationList {
                    conversation,
                    invitations,
                })
            }
        ),
        (
            team_id(),
            small_vec(team_invitation()),
            option::of(invitation_cursor())
        )
            .prop_map(|(team, invitations, next)| {
                Reply::TeamInvitations(TeamInvitationList {
                    team,
                    invitations,
                    next,
                })
            }),
        outcome().prop_map(Reply::Delivered),
        report_info().prop_map(Reply::Report),
        post_reply(),
        bridge_reply(),
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
        Reply::Assignees(_) => "assignees",
        Reply::Dashboard(_) => "dashboard",
        Reply::Next(_) => "next",
        Reply::Invited(_) => "invited",
        Reply::InvitationRevoked(_) => "invitation_revoked",
        Reply::Invitations(_) => "invitations",
        Reply::TeamInvitations(_) => "team_invitations",
        Reply::ConversationDetails(_) => "conversation_details",
        Reply::Typing { .. } => "typing",
        Reply::View { .. } => "view",
        Reply::Presence(_) => "presence",
        Reply::Delivered(_) => "delivered",
        Reply::Report(_) => "report",
        Reply::Posts(_) => "posts",
        Reply::Post(_) => "post",
        Reply::Contacts(_) => "contacts",
        Reply::ContactPage(_) => "contact_page",
        Reply::ContactSaved(_) => "contact_saved",
        Reply::ContactDeleted(_) => "contact_deleted",
        Reply::ContactFields(_) => "contact_fields",
        Reply::Widget(_) => "widget",
        Reply::Identified(_) => "identified",
        Reply::BlastPreview(_) => "blast_preview",
        Reply::Blast(_) => "blast",
        Reply::Blasts(_) => "blasts",
        Reply::BlastDetail(_) => "blast_detail",
        Reply::Relayed(_) => "relayed",
        Reply::Receipt(_) => "receipt",
        Reply::Bridge(_) => "bridge",
        Reply::Bridges(_) => "bridges",
        Reply::DeadLetters(_) => "dead_letters",
        Reply::DeadLetter(_) => "dead_letter",
    }
}

pub fn event() -> BoxedStrategy<Event> {
    prop_oneof![
        message().prop_map(Event::Message),
        conversation_info().prop_map(Event::ConversationStarted),
        read_marker().prop_map(Event::Read),
        contact_updated().prop_map(Event::ContactUpdated),
        assignees().prop_map(Event::Assignees),
        outcome().prop_map(Event::Delivered),
        post_info().prop_map(Event::PostChanged),
        contact_event(),
        import_progress().prop_map(Event::ImportProgress),
        receipt().prop_map(Event::Receipt),
    ]
    .boxed()
}

prop_compose! {
    pub fn import_progress()(
        job in any::<u64>(),
        lines in any::<u64>(),
        created in any::<u64>(),
        merged in any::<u64>(),
        rejected in any::<u64>(),
        done in any::<bool>(),
    ) -> switchboard_protocol::transfer::ImportProgress {
        switchboard_protocol::transfer::ImportProgress { job, lines, created, merged, rejected, done }
    }
}

/// The `type` of an event, by exhaustive match.
pub fn event_variant(event: &Event) -> &'static str {
    match event {
        Event::Message(_) => "message",
        Event::ConversationStarted(_) => "conversation_started",
        Event::Read(_) => "read",
        Event::ContactUpdated(_) => "contact_updated",
        Event::Assignees(_) => "assignees",
        Event::Delivered(_) => "delivered",
        Event::PostChanged(_) => "post_changed",
        Event::ImportProgress(_) => "import_progress",
        Event::ContactChanged(_) => "contact_changed",
        Event::ContactDeleted(_) => "contact_deleted",
        Event::ContactsMerged(_) => "contacts_merged",
        Event::ContactFields(_) => "contact_fields",
        Event::BlastProgress(_) => "blast_progress",
        Event::Receipt(_) => "receipt",
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
        visitor in option::of(visitor_welcome()),
    ) -> Welcome {
        Welcome { version, connection, user, teams, accounts, grants, limits, visitor }
    }
}

prop_compose! {
    pub fn error_frame()(id in option::of(request_id()), code in error_code(), message in text()) -> ErrorFrame {
        ErrorFrame { id, code, message }
    }
}

prop_compose! {
    pub fn result_frame()(id in request_id(), result in reply(), duplicate in any::<bool>()) -> ResultFrame {
        ResultFrame {
            id,
            result,
            duplicate,
        }
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
        signal_frame().prop_map(ServerFrame::Signal),
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
        ServerFrame::Signal(_) => "signal",
    }
}
