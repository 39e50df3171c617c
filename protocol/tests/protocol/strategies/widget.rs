//! Strategies for web chat: the widget's requests and replies, a
//! visitor's welcome, and the contact's presence signal.

use super::*;
use switchboard_protocol::widget::*;

prop_compose! {
    pub fn widget_settings()(
        paused in any::<bool>(),
        greeting in text(),
        allowed_origins in small_vec(text()),
    ) -> WidgetSettings {
        WidgetSettings { paused, greeting, allowed_origins }
    }
}

/// The web chat's requests (drawn by index, as `command_frame` is).
pub fn widget_frame() -> BoxedStrategy<ClientFrame> {
    (
        0..3u8,
        (request_id(), team_id(), widget_settings()),
        (
            option::of(text()),
            option::of(text()),
            option::of(text()),
            option::of(text()),
        ),
    )
        .prop_map(
            |(pick, (id, team, settings), (name, email, phone, key))| match pick {
                0 => ClientFrame::Widget(WidgetRequest { id, team }),
                1 => ClientFrame::SetWidget(SetWidget {
                    id,
                    team,
                    settings,
                    key,
                }),
                _ => ClientFrame::Identify(Identify {
                    id,
                    name,
                    email,
                    phone,
                    key,
                }),
            },
        )
        .boxed()
}

/// The web chat's replies.
pub fn widget_reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        widget_settings().prop_map(Reply::Widget),
        (contact_id(), any::<bool>())
            .prop_map(|(contact, merged)| Reply::Identified(Identified { contact, merged })),
    ]
    .boxed()
}

prop_compose! {
    pub fn visitor_welcome()(
        (team, conversation) in (team_id(), conversation_id()),
        (contact, name) in (contact_id(), text()),
    ) -> VisitorWelcome {
        VisitorWelcome { team, conversation, contact, name }
    }
}

prop_compose! {
    pub fn contact_presence()(
        conversation in conversation_id(),
        contact in contact_id(),
        online in any::<bool>(),
    ) -> ContactPresence {
        ContactPresence { conversation, contact, online }
    }
}
