//! The webhook part of the storage contract, for every implementation: the
//! webhook bridges' list grows and lists each once; a team's dead letters
//! are found by id, listed by id within their team only, rewritten in
//! place and removed; a bot's webhook is kept on its record; (for sled) all
//! of it survives a reopen.

use super::contract_tests::{reopen, stores};
use super::*;
use switchboard_protocol::ids::{Millis, Seq};
use switchboard_protocol::manage::BotScope;
use switchboard_protocol::webhook::DeadLetter;

fn letter(id: u64, attempts: u32) -> DeadLetter {
    DeadLetter {
        id,
        bridge: UserId(9),
        conversation: ConversationId(30),
        seq: Seq(2),
        to: "+14155550123".into(),
        body: "Hello".into(),
        attempts,
        last_error: "HTTP 500".into(),
        failed_at: Millis(5),
    }
}

fn bridge() -> BotRecord {
    BotRecord {
        id: UserId(9),
        team: TeamId(7),
        name: "SMS".into(),
        scope: BotScope::Bridge,
        created_by: UserId(1),
        created_at: Millis(5),
        revoked: false,
        token_hash: [9; 32],
        webhook: Some(Webhook {
            outbound_url: "http://gateway.test/send".into(),
            secret: "s".into(),
        }),
    }
}

#[test]
fn dead_letters_are_kept_per_team_and_bridges_listed_once() {
    for (store, _dir) in stores() {
        assert!(store.webhook_bridges().unwrap().is_empty());
        store.put_webhook_bridge(UserId(9)).unwrap();
        store.put_webhook_bridge(UserId(9)).unwrap();
        store.put_webhook_bridge(UserId(4)).unwrap();
        assert_eq!(store.webhook_bridges().unwrap(), vec![UserId(4), UserId(9)]);
        store.put_bot(&bridge()).unwrap();
        assert_eq!(store.bot(UserId(9)).unwrap(), Some(bridge()));

        store.put_dead_letter(TeamId(7), &letter(21, 5)).unwrap();
        store.put_dead_letter(TeamId(7), &letter(20, 5)).unwrap();
        store.put_dead_letter(TeamId(8), &letter(22, 5)).unwrap();
        let ids: Vec<u64> = (store.team_dead_letters(TeamId(7)).unwrap().iter())
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, vec![20, 21]);
        assert_eq!(store.dead_letter(TeamId(8), 21).unwrap(), None);
        store.put_dead_letter(TeamId(7), &letter(21, 6)).unwrap();
        assert_eq!(
            store.dead_letter(TeamId(7), 21).unwrap(),
            Some(letter(21, 6))
        );
        assert!(store.remove_dead_letter(TeamId(7), 21).unwrap());
        assert!(!store.remove_dead_letter(TeamId(7), 21).unwrap());
        assert_eq!(
            store.team_dead_letters(TeamId(7)).unwrap(),
            vec![letter(20, 5)]
        );
    }
}

#[test]
fn sled_keeps_webhook_bridges_and_dead_letters_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store.put_webhook_bridge(UserId(9)).unwrap();
        store.put_bot(&bridge()).unwrap();
        store.put_dead_letter(TeamId(7), &letter(20, 5)).unwrap();
        store.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.webhook_bridges().unwrap(), vec![UserId(9)]);
    assert_eq!(store.bot(UserId(9)).unwrap(), Some(bridge()));
    assert_eq!(
        store.team_dead_letters(TeamId(7)).unwrap(),
        vec![letter(20, 5)]
    );
}
