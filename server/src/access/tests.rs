//! The per-subscriber filter of events (`Principal::receives`), and the
//! web chat visitor's row of the permission matrix.
use super::*;
use switchboard_protocol::ids::{ContactId, Millis, UserId};

fn principal(roles: HashMap<TeamId, Role>) -> Principal {
    let user = UserRecord {
        id: UserId(7),
        email: "someone@example.com".into(),
        name: "Someone".into(),
        handle: "someone".into(),
        created_at: Millis(0),
        password_hash: None,
    };
    Principal::new(user, TokenKind::Session, roles)
}

#[test]
fn a_restricted_member_receives_its_conversations_and_contacts_events_and_no_team_event() {
    let (team, mine, other) = (TeamId(1), ConversationId(10), ConversationId(11));
    let restricted = principal(HashMap::new()).with_grants(HashMap::from([(mine, team)]));
    assert!(restricted.receives(team, &Audience::Conversation(mine), true));
    assert!(!restricted.receives(team, &Audience::Conversation(other), true));
    assert!(restricted.receives(team, &Audience::Contact(vec![other, mine]), true));
    assert!(!restricted.receives(team, &Audience::Contact(vec![other]), true));
    assert!(!restricted.receives(team, &Audience::Contact(Vec::new()), true));
    assert!(!restricted.receives(team, &Audience::Team, true));
    // The same grant says nothing about another team.
    assert!(!restricted.receives(TeamId(2), &Audience::Contact(vec![mine]), true));
}

#[test]
fn a_member_receives_every_audience_of_its_team_and_none_of_another() {
    let (team, c) = (TeamId(1), ConversationId(10));
    let member = principal(HashMap::from([(team, Role::Member)]));
    for audience in [
        Audience::Conversation(c),
        Audience::Contact(Vec::new()),
        Audience::Team,
    ] {
        assert!(member.receives(team, &audience, true));
        assert!(!member.receives(TeamId(2), &audience, true));
    }
}

#[test]
fn blasts_are_for_the_teams_people_alone() {
    let (team, c) = (TeamId(1), ConversationId(10));
    let allowed = |p: &Principal| p.allows(Action::SendBlasts, Resource::Team(team));
    for role in [Role::Manager, Role::Member] {
        let person = principal(HashMap::from([(team, role)]));
        assert!(allowed(&person), "{role:?}");
        assert!(!person.allows(Action::SendBlasts, Resource::Team(TeamId(2))));
    }
    let restricted = principal(HashMap::new()).with_grants(HashMap::from([(c, team)]));
    assert!(!allowed(&restricted), "not a Restricted Member");
    let mut bot = principal(HashMap::from([(team, Role::Member)]));
    bot.bot = Some(switchboard_protocol::manage::BotScope::ReadWrite);
    assert!(!allowed(&bot), "not a bot, whatever its scope");
}

/// A bot of `team` with `scope`, id 7.
fn bot(team: TeamId, scope: BotScope) -> Principal {
    let mut p = principal(HashMap::from([(team, Role::Member)])).with_bot(scope);
    p.kind = TokenKind::Bot;
    p
}

/// A conversation of `team`, on `channel`.
fn conversation(team: TeamId, id: u64, channel: Option<Channel>) -> ConversationRecord {
    let mut c = ConversationRecord::new(
        ConversationId(id),
        team,
        switchboard_protocol::ids::ContactId(1),
        Millis(0),
    );
    c.channel = channel;
    c
}

/// The bridges' rows of the matrix: `relay` is a bridge bot's alone, in its
/// team; `receipt` is the conversation's own bridge's alone; the `receipt`
/// event reaches whoever reads the conversation.
#[test]
fn bridge_requests_and_the_receipt_event_by_subject() {
    let team = TeamId(1);
    let mine = Some(Channel::Bridge {
        bridge: UserId(7),
        address: "+14155550100".into(),
    });
    let others = Some(Channel::Bridge {
        bridge: UserId(8),
        address: "+14155550100".into(),
    });
    let on_mine = conversation(team, 10, mine);
    let on_other = conversation(team, 11, others);
    let plain = conversation(team, 12, None);
    let manager = principal(HashMap::from([(team, Role::Manager)]));
    let member = principal(HashMap::from([(team, Role::Member)]));
    let restricted = principal(HashMap::new()).with_grants(HashMap::from([(on_mine.id, team)]));
    let outsider = principal(HashMap::from([(TeamId(2), Role::Manager)]));
    let read_bot = bot(team, BotScope::Read);
    let read_write_bot = bot(team, BotScope::ReadWrite);
    let bridge = bot(team, BotScope::Bridge);
    let foreign_bridge = bot(TeamId(2), BotScope::Bridge);
    // (subject, relay in the team, receipt on its own channel's
    // conversation, receipt on another bridge's, receipt on a plain one,
    // receives the receipt event of its conversation)
    let rows = [
        ("manager", &manager, false, false, false, false, true),
        ("member", &member, false, false, false, false, true),
        ("restricted", &restricted, false, false, false, false, true),
        ("outsider", &outsider, false, false, false, false, false),
        ("read bot", &read_bot, false, false, false, false, true),
        (
            "read_write bot",
            &read_write_bot,
            false,
            false,
            false,
            false,
            true,
        ),
        ("bridge bot", &bridge, true, true, false, false, true),
        (
            "another team's bridge",
            &foreign_bridge,
            false,
            false,
            false,
            false,
            false,
        ),
    ];
    for (name, p, relay, own, other, plain_ok, hears) in rows {
        assert_eq!(
            p.allows(Action::Relay, Resource::Team(team)),
            relay,
            "{name}: relay"
        );
        let receipt = |c: &ConversationRecord| p.allows(Action::Receipt, Resource::Conversation(c));
        assert_eq!(receipt(&on_mine), own, "{name}: receipt on its channel");
        assert_eq!(
            receipt(&on_other),
            other,
            "{name}: receipt on another bridge's"
        );
        assert_eq!(
            receipt(&plain),
            plain_ok,
            "{name}: receipt on a plain conversation"
        );
        let event = Audience::Conversation(on_mine.id);
        let receives =
            p.receives(team, &event, false) && p.allows(Action::Subscribe, Resource::Team(team));
        assert_eq!(receives, hears, "{name}: the receipt event");
    }
    // A bridge never sends as an agent, nor manages anything.
    assert!(!bridge.allows(Action::Send, Resource::Conversation(&on_mine)));
    assert!(!bridge.allows(Action::ManageTeam, Resource::Team(team)));
    assert!(bridge.allows(Action::ReadConversation, Resource::Conversation(&plain)));
}

/// Every action, for the visitor's row of the matrix.
const ACTIONS: [Action; 19] = [
    Action::Subscribe,
    Action::ReadTeam,
    Action::StartConversation,
    Action::ReadConversation,
    Action::Send,
    Action::MarkRead,
    Action::UpdateContact,
    Action::RelayContact,
    Action::Command,
    Action::ManageTeam,
    Action::RemoveTeam,
    Action::CreateTeam,
    Action::ReadUsage,
    Action::ReadReport,
    Action::ReadContacts,
    Action::EditContact,
    Action::ImportExport,
    Action::ReadPosts,
    Action::WritePosts,
];

#[test]
fn a_visitor_may_read_write_and_subscribe_for_its_conversation_and_nothing_else() {
    let (team, other_team) = (TeamId(1), TeamId(2));
    let mine = ConversationRecord::new(ConversationId(10), team, ContactId(5), Millis(0));
    let other = ConversationRecord::new(ConversationId(11), team, ContactId(6), Millis(0));
    let elsewhere =
        ConversationRecord::new(ConversationId(10), other_team, ContactId(5), Millis(0));
    let visitor = principal(HashMap::new()).with_visitor(VisitorScope {
        team,
        conversation: mine.id,
        contact: mine.contact,
    });
    for action in ACTIONS {
        let own = matches!(
            action,
            Action::ReadConversation | Action::Send | Action::MarkRead
        );
        assert_eq!(
            visitor.allows(action, Resource::Conversation(&mine)),
            own,
            "{action:?} in its conversation"
        );
        assert!(!visitor.allows(action, Resource::Conversation(&other)));
        assert!(!visitor.allows(action, Resource::Conversation(&elsewhere)));
        assert_eq!(
            visitor.allows(action, Resource::Team(team)),
            action == Action::Subscribe,
            "{action:?} in its team"
        );
        assert!(!visitor.allows(action, Resource::Team(other_team)));
        assert!(!visitor.allows(action, Resource::Account(AccountId(1))));
    }
    assert!(visitor.is_restricted_in(team), "its events are filtered");
    assert_eq!(visitor.role(team), None);
    assert_eq!(visitor.sender().kind, SenderKind::Contact);
    assert_eq!(visitor.sender().id, 5);
}

#[test]
fn a_visitor_receives_its_conversation_s_contact_messages_and_the_agents_typing_only() {
    use switchboard_protocol::presence::{Signal, TypingChange, Viewers};
    use switchboard_protocol::widget::ContactPresence;
    let (team, mine, other) = (TeamId(1), ConversationId(10), ConversationId(11));
    let visitor = principal(HashMap::new()).with_visitor(VisitorScope {
        team,
        conversation: mine,
        contact: ContactId(5),
    });
    assert!(visitor.receives(team, &Audience::Conversation(mine), true));
    // A system message, a read marker, assignees: not a contact's to see.
    assert!(!visitor.receives(team, &Audience::Conversation(mine), false));
    assert!(!visitor.receives(team, &Audience::Conversation(other), true));
    assert!(!visitor.receives(team, &Audience::Contact(vec![mine]), true));
    assert!(!visitor.receives(team, &Audience::Team, true));
    assert!(!visitor.receives(TeamId(2), &Audience::Conversation(mine), true));
    let typing = |conversation, contact| {
        Signal::Typing(TypingChange {
            conversation,
            user: UserId(3),
            name: "Agent".into(),
            typing: true,
            contact,
        })
    };
    assert!(visitor.receives_signal(team, &typing(mine, false)));
    assert!(!visitor.receives_signal(team, &typing(mine, true)));
    assert!(!visitor.receives_signal(team, &typing(other, false)));
    let viewing = Signal::Viewing(Viewers {
        conversation: mine,
        users: Vec::new(),
    });
    assert!(!visitor.receives_signal(team, &viewing));
    let presence = Signal::ContactPresence(ContactPresence {
        conversation: mine,
        contact: ContactId(5),
        online: true,
    });
    assert!(!visitor.receives_signal(team, &presence));
    // A Restricted Member of the same conversation sees all of it.
    let restricted = principal(HashMap::new()).with_grants(HashMap::from([(mine, team)]));
    assert!(restricted.receives_signal(team, &typing(mine, true)));
    assert!(restricted.receives_signal(team, &presence));
}
