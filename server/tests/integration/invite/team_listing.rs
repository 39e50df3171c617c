//! `team_invitations`: a team's pending and accepted invitations across
//! its conversations, a page at a time, for its Managers: each names its
//! conversation's contact and who invited; revoked ones leave; Members
//! are refused, outsiders see nothing.

use super::{accepted, invitation_token, mails_to, PASSWORD};
use crate::util::*;
use switchboard_client::{InvitationState, TeamInvitation};
use switchboard_protocol::ErrorCode;

#[tokio::test]
async fn managers_page_through_the_teams_invitations_and_revoked_ones_leave() {
    let (_dir, server, world) = seeded().await;
    let store = server.server.store();
    let (alice, _alice_events) = connect(&server.url(), &world.alice.token).await;
    let (bob, _bob_events) = connect(&server.url(), &world.bob.token).await;
    let jordan = start_conversation(&alice, world.team_a, "Jordan Lee").await;
    let riley = start_conversation(&bob, world.team_a, "Riley Park").await;
    let none = alice.team_invitations(world.team_a, None, None).await;
    assert!(none.unwrap().invitations.is_empty());

    // Alice invites Sam into Jordan's; Bob invites Pat and Kim into Riley's.
    let sam = alice.invite(jordan, "sam@guest.test", None).await.unwrap();
    let pat = bob.invite(riley, "pat@guest.test", None).await.unwrap();
    let kim = bob.invite(riley, "kim@guest.test", None).await.unwrap();
    let token = invitation_token(&mails_to(store.as_ref(), "sam@guest.test")[0].body);
    accepted(&server, &token, PASSWORD).await;

    // Two pages of two: every invitation once, in conversation order.
    let first = alice
        .team_invitations(world.team_a, None, Some(2))
        .await
        .unwrap();
    assert_eq!(first.team, world.team_a);
    assert_eq!(first.invitations.len(), 2);
    let next = first.next.expect("a second page");
    let second = alice
        .team_invitations(world.team_a, Some(next), Some(2))
        .await
        .unwrap();
    assert_eq!(second.next, None, "the last page");
    let all: Vec<TeamInvitation> = first
        .invitations
        .into_iter()
        .chain(second.invitations)
        .collect();
    let mut riley_users = [pat.user, kim.user];
    riley_users.sort();
    assert_eq!(
        all.iter()
            .map(|i| (i.conversation, i.user))
            .collect::<Vec<_>>(),
        [
            (jordan, sam.user),
            (riley, riley_users[0]),
            (riley, riley_users[1])
        ]
    );
    let sam_row = &all[0];
    assert_eq!(sam_row.contact, "Jordan Lee");
    assert_eq!(sam_row.email, "sam@guest.test");
    assert_eq!(sam_row.state, InvitationState::Accepted);
    assert_eq!(sam_row.invited_by, world.alice.user);
    assert_eq!(sam_row.invited_by_name, "Alice");
    let pat_row = all.iter().find(|i| i.user == pat.user).unwrap();
    assert_eq!(pat_row.contact, "Riley Park");
    assert_eq!(pat_row.state, InvitationState::Pending);
    assert_eq!(pat_row.invited_by_name, "Bob");

    // A Manager revokes Pat's: it leaves the list.
    alice.revoke_invitation(riley, pat.user).await.unwrap();
    let after = alice
        .team_invitations(world.team_a, None, None)
        .await
        .unwrap();
    assert_eq!(
        after.invitations.iter().map(|i| i.user).collect::<Vec<_>>(),
        [sam.user, kim.user]
    );

    // Bob, a Member, may not list them; Carol, of another account, does
    // not see the team at all.
    let (code, _) = refusal(bob.team_invitations(world.team_a, None, None).await);
    assert_eq!(code, ErrorCode::Forbidden);
    let (carol, _carol_events) = connect(&server.url(), &world.carol.token).await;
    let (code, _) = refusal(carol.team_invitations(world.team_a, None, None).await);
    assert_eq!(code, ErrorCode::NotFound);
}
