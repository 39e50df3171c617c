//! The per-subscriber filter of events (`Principal::receives`).
use super::*;
use switchboard_protocol::ids::{Millis, UserId};

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
