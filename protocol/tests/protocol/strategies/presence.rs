//! Strategies for the ephemeral signals, their requests and replies.

use super::*;
use switchboard_protocol::presence::{
    MembersChange, OnlineUser, PresenceChange, PresenceRequest, PresenceState, Signal, SignalFrame,
    TeamChange, Typing, TypingChange, View, Viewer, Viewers,
};

/// The `typing`, `view` and `presence` requests, and `conversation`
/// (the other request reading who has read what).
pub fn presence_frame() -> BoxedStrategy<ClientFrame> {
    prop_oneof![
        (request_id(), conversation_id()).prop_map(|(id, conversation)| {
            ClientFrame::Conversation(ConversationRequest { id, conversation })
        }),
        (request_id(), conversation_id())
            .prop_map(|(id, conversation)| ClientFrame::Typing(Typing { id, conversation })),
        (request_id(), option::of(conversation_id()))
            .prop_map(|(id, conversation)| ClientFrame::View(View { id, conversation })),
        (request_id(), team_id())
            .prop_map(|(id, team)| ClientFrame::Presence(PresenceRequest { id, team })),
    ]
    .boxed()
}

prop_compose! {
    pub fn typing_change()(
        conversation in conversation_id(),
        user in user_id(),
        name in text(),
        typing in any::<bool>(),
        contact in any::<bool>(),
    ) -> TypingChange {
        TypingChange { conversation, user, name, typing, contact }
    }
}

prop_compose! {
    pub fn viewers()(
        conversation in conversation_id(),
        users in small_vec((user_id(), text()).prop_map(|(user, name)| Viewer { user, name })),
    ) -> Viewers {
        Viewers { conversation, users }
    }
}

prop_compose! {
    pub fn presence_change()(
        user in user_id(),
        name in text(),
        online in any::<bool>(),
        devices in any::<u32>(),
    ) -> PresenceChange {
        PresenceChange { user, name, online, devices }
    }
}

prop_compose! {
    pub fn team_change()(
        name in text(),
        identity in text(),
        statuses in small_vec(text()),
        max_members in option::of(any::<u32>()),
    ) -> TeamChange {
        TeamChange { name, identity, statuses, max_members }
    }
}

pub fn signal() -> BoxedStrategy<Signal> {
    prop_oneof![
        presence_change().prop_map(Signal::Presence),
        typing_change().prop_map(Signal::Typing),
        viewers().prop_map(Signal::Viewing),
        team_change().prop_map(Signal::TeamChanged),
        team_id().prop_map(|team| Signal::MembersChanged(MembersChange { team })),
        contact_presence().prop_map(Signal::ContactPresence),
    ]
    .boxed()
}

/// The `type` of a signal, by exhaustive match.
pub fn signal_variant(signal: &Signal) -> &'static str {
    match signal {
        Signal::Presence(_) => "presence",
        Signal::Typing(_) => "typing",
        Signal::Viewing(_) => "viewing",
        Signal::TeamChanged(_) => "team_changed",
        Signal::MembersChanged(_) => "members_changed",
        Signal::ContactPresence(_) => "contact_presence",
    }
}

prop_compose! {
    pub fn signal_frame()(team in team_id(), signal in signal()) -> SignalFrame {
        SignalFrame { team, signal }
    }
}

prop_compose! {
    pub fn presence_state()(
        team in team_id(),
        users in small_vec((user_id(), text(), any::<u32>())
            .prop_map(|(user, name, devices)| OnlineUser { user, name, devices })),
        viewing in small_vec(viewers()),
        typing in small_vec(typing_change()),
        signals in any::<bool>(),
        contacts in small_vec(contact_presence()),
    ) -> PresenceState {
        PresenceState { team, users, viewing, typing, signals, contacts }
    }
}

prop_compose! {
    pub fn reader()(user in user_id(), name in text(), seq in seq()) -> Reader {
        Reader { user, name, seq }
    }
}

/// The replies of the signal requests, and `conversation_details`.
pub fn presence_reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        (conversation_info(), small_vec(reader())).prop_map(|(conversation, reads)| {
            Reply::ConversationDetails(ConversationDetails {
                conversation,
                reads,
            })
        }),
        conversation_id().prop_map(|conversation| Reply::Typing { conversation }),
        option::of(conversation_id()).prop_map(|conversation| Reply::View { conversation }),
        presence_state().prop_map(Reply::Presence),
    ]
    .boxed()
}
