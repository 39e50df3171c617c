//! The strategies the property tests draw from reach every variant of
//! every client and server frame, reply, event, signal and error code: a
//! variant they never draw would go untested by every property.

use crate::strategies::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::BTreeSet;

/// Draws 10,000 values and returns the names of the variants seen (the
/// rarest variants, nested three strategies deep, come about once in 500).
/// Each draw has a runner of its own, seeded by its number: one runner's
/// consecutive draws correlate the arm `prop_oneof!` picks with what is
/// drawn inside it, and would leave some variants unseen.
fn variants_seen<S: Strategy>(
    strategy: S,
    name: impl Fn(&S::Value) -> &'static str,
) -> BTreeSet<&'static str> {
    (0..10_000u64)
        .map(|draw| {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&draw.to_le_bytes());
            let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
            let mut runner = TestRunner::new_with_rng(Config::default(), rng);
            let tree = strategy
                .new_tree(&mut runner)
                .expect("the strategies have no filters that could reject");
            name(&tree.current())
        })
        .collect()
}

#[test]
fn the_strategies_generate_every_variant() {
    let set = |names: &[&'static str]| names.iter().copied().collect::<BTreeSet<_>>();
    assert_eq!(
        variants_seen(client_frame(), client_variant),
        set(&[
            "hello",
            "subscribe",
            "unsubscribe",
            "send",
            "history",
            "conversations",
            "start_conversation",
            "mark_read",
            "ping",
            "create_team",
            "update_team",
            "remove_team",
            "members",
            "add_member",
            "remove_member",
            "set_role",
            "usage",
            "create_bot",
            "revoke_bot",
            "bots",
            "update_contact",
            "assign",
            "unassign",
            "dashboard",
            "next",
            "invite",
            "revoke_invitation",
            "invitations",
            "team_invitations",
            "conversation",
            "typing",
            "view",
            "presence",
            "deliver",
            "report",
            "posts",
            "create_post",
            "edit_post",
            "contacts",
            "contact",
            "create_contact",
            "edit_contact",
            "delete_contact",
            "merge_contacts",
            "contact_fields",
            "define_contact_fields",
            "widget",
            "set_widget",
            "identify",
            "relay",
            "receipt",
        ])
    );
    assert_eq!(
        variants_seen(server_frame(), server_variant),
        set(&["welcome", "result", "error", "event", "signal"])
    );
    assert_eq!(
        variants_seen(reply(), reply_variant),
        set(&[
            "sent",
            "subscribed",
            "unsubscribed",
            "history",
            "conversations",
            "conversation",
            "read",
            "pong",
            "team",
            "team_removed",
            "members",
            "member",
            "member_removed",
            "usage",
            "bot",
            "bot_revoked",
            "bots",
            "contact",
            "assignees",
            "dashboard",
            "next",
            "invited",
            "invitation_revoked",
            "invitations",
            "team_invitations",
            "conversation_details",
            "typing",
            "view",
            "presence",
            "delivered",
            "report",
            "posts",
            "post",
            "contacts",
            "contact_page",
            "contact_saved",
            "contact_deleted",
            "contact_fields",
            "widget",
            "identified",
            "relayed",
            "receipt",
        ])
    );
    assert_eq!(
        variants_seen(event(), event_variant),
        set(&[
            "message",
            "conversation_started",
            "read",
            "contact_updated",
            "assignees",
            "delivered",
            "post_changed",
            "contact_changed",
            "contact_deleted",
            "contacts_merged",
            "contact_fields",
            "import_progress",
            "receipt",
        ])
    );
    assert_eq!(
        variants_seen(signal(), signal_variant),
        set(&[
            "presence",
            "typing",
            "viewing",
            "team_changed",
            "members_changed",
            "contact_presence"
        ])
    );
    assert_eq!(
        variants_seen(error_code(), |c| error_code_name(*c)).len(),
        ERROR_CODES.len()
    );
}
