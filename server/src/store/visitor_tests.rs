//! The web chat part of the storage contract, for every implementation: a
//! visitor is found by id and rewritten in place; a team is found by its
//! handle in any case, and no longer by one it gave up; a team's widget
//! settings are kept with it; (for sled) all of it survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::{ContactId, Millis};
use switchboard_protocol::widget::WidgetSettings;

fn visitor(id: u64, contact: u64) -> VisitorRecord {
    VisitorRecord {
        id: UserId(id),
        team: TeamId(7),
        contact: ContactId(contact),
        conversation: ConversationId(30),
        created_at: Millis(5),
        token_hash: [id as u8; 32],
        address: "192.0.2.1".into(),
    }
}

fn team(handle: &str) -> TeamRecord {
    TeamRecord {
        id: TeamId(7),
        account: AccountId(1),
        name: "Team 7".into(),
        handle: handle.into(),
        identity: String::new(),
        statuses: vec![],
        max_members: None,
        created_at: Millis(0),
        widget: WidgetSettings {
            paused: true,
            greeting: "Hello".into(),
            allowed_origins: vec!["https://example.com".into()],
        },
    }
}

#[test]
fn visitors_are_found_by_id_and_teams_by_handle() {
    for (store, _dir) in stores() {
        assert_eq!(store.visitor(UserId(40)).unwrap(), None);
        store.put_visitor(&visitor(40, 50)).unwrap();
        store.put_visitor(&visitor(41, 51)).unwrap();
        assert_eq!(store.visitor(UserId(40)).unwrap(), Some(visitor(40, 50)));
        // An identify that merged the contact rewrites the record.
        store.put_visitor(&visitor(40, 52)).unwrap();
        assert_eq!(store.visitor(UserId(40)).unwrap(), Some(visitor(40, 52)));

        assert_eq!(store.team_by_handle("jobs").unwrap(), None);
        store.put_team(&team("Jobs")).unwrap();
        assert_eq!(store.team_by_handle("jobs").unwrap(), Some(TeamId(7)));
        assert_eq!(store.team_by_handle("JOBS").unwrap(), Some(TeamId(7)));
        assert_eq!(store.team(TeamId(7)).unwrap(), Some(team("Jobs")));
        store.put_team(&team("careers")).unwrap();
        assert_eq!(store.team_by_handle("jobs").unwrap(), None);
        assert_eq!(store.team_by_handle("careers").unwrap(), Some(TeamId(7)));
    }
}

#[test]
fn sled_keeps_visitors_and_widget_settings_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store.put_visitor(&visitor(40, 50)).unwrap();
        store.put_team(&team("jobs")).unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.visitor(UserId(40)).unwrap(), Some(visitor(40, 50)));
    assert_eq!(store.team(TeamId(7)).unwrap(), Some(team("jobs")));
    assert_eq!(store.team_by_handle("jobs").unwrap(), Some(TeamId(7)));
}
