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
    use switchboard_protocol::presence::{TypingChange, Viewers};
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
