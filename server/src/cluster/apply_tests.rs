//! Applying an op twice leaves what applying it once leaves: what lets a
//! restarted node resume from the sequence its projection recorded,
//! applying again the op a crash may have cut short.

use super::applier::Applied;
use super::apply::apply;
use super::ops::{Op, OwnedEntry};
use crate::store::{
    AccountRecord, Entry, GrantRecord, GrantState, InvitationRecord, MailRecord, SignupRecord,
    SledStore, TeamRecord, TokenKind, TokenRecord, UserRecord,
};
use switchboard_protocol::ids::{
    AccountId, ConversationId, Epoch, Millis, Offset, Seq, TeamId, UserId,
};
use switchboard_protocol::model::{Message, Role, Sender, SenderKind};

fn team(handle: &str) -> TeamRecord {
    TeamRecord {
        id: TeamId(7),
        account: AccountId(1),
        name: "Team".into(),
        handle: handle.into(),
        identity: String::new(),
        statuses: vec![],
        max_members: None,
        created_at: Millis(0),
        blast_rate: None,
        widget: Default::default(),
    }
}

fn message(seq: u64) -> Message {
    Message {
        conversation: ConversationId(3),
        seq: Seq(seq),
        offset: Offset(seq),
        sender: Sender {
            kind: SenderKind::Agent,
            id: 5,
            name: "A".into(),
        },
        body: format!("m{seq}"),
        client_msg_id: Some(format!("c{seq}")),
        at: Millis(seq),
        status: None,
        post: None,
        delivery: None,
    }
}

fn batch(seqs: std::ops::RangeInclusive<u64>) -> Op {
    let entries = seqs
        .map(|seq| {
            let message = message(seq);
            let entry = Entry::Message {
                message: &message,
                idempotency: Some((UserId(5), message.client_msg_id.as_deref().unwrap())),
            };
            (Offset(seq), OwnedEntry::from_entry(&entry))
        })
        .collect();
    Op::Batch {
        team: TeamId(7),
        epoch: Epoch(11),
        entries,
    }
}

/// One op of each kind that deletes, takes, puts or counts.
fn ops() -> Vec<Op> {
    let token = TokenRecord {
        user: UserId(5),
        kind: TokenKind::Session,
        created_at: Millis(1),
        expires_at: None,
    };
    let invitation = InvitationRecord {
        user: UserId(5),
        team: TeamId(7),
        created_at: Millis(1),
        expires_at: Millis(1_000),
        conversation: None,
        invited_by: None,
        note: None,
    };
    vec![
        Op::CreateTeam {
            team: team("desk"),
            epoch: Epoch(11),
            owner: UserId(5),
            receipt: None,
        },
        Op::PutUser(UserRecord {
            id: UserId(5),
            email: "a@example.com".into(),
            name: "A".into(),
            handle: "a".into(),
            created_at: Millis(0),
            password_hash: None,
        }),
        Op::PutMembership {
            team: TeamId(7),
            user: UserId(6),
            role: Role::Member,
        },
        Op::PutToken {
            hash: [1; 32],
            token,
        },
        Op::DeleteToken([1; 32]),
        Op::PutInvitation {
            hash: [2; 32],
            invitation,
        },
        Op::TakeInvitation([2; 32]),
        Op::ReserveIds { count: 100 },
        batch(1..=3),
        Op::PutTeam {
            team: team("front"),
            epoch: Epoch(12),
        },
        Op::RemoveMembership {
            team: TeamId(7),
            user: UserId(6),
        },
        Op::PutMail(MailRecord {
            id: 4,
            to: "a@example.com".into(),
            subject: "S".into(),
            body: "B".into(),
            queued_at: Millis(1),
        }),
        Op::DeleteMail(4),
        Op::PutGrant(GrantRecord {
            conversation: ConversationId(3),
            team: TeamId(7),
            user: UserId(8),
            state: GrantState::Revoked,
            invited_by: UserId(5),
            resent_by: vec![],
            at: Millis(2),
            invitation: None,
            mailed_for: None,
        }),
        Op::PutSignup {
            hash: [3; 32],
            signup: SignupRecord {
                email: "b@example.com".into(),
                name: "B".into(),
                account_name: "B's".into(),
                password_hash: None,
                created_at: Millis(1),
                expires_at: Millis(1_000),
                confirmed: None,
            },
        },
        Op::ConfirmSignup {
            hash: [3; 32],
            user: UserRecord {
                id: UserId(9),
                email: "b@example.com".into(),
                name: "B".into(),
                handle: "b".into(),
                created_at: Millis(2),
                password_hash: None,
            },
            account: AccountRecord {
                id: AccountId(2),
                name: "B's".into(),
                owner: UserId(9),
                created_at: Millis(2),
            },
            now: Millis(2),
        },
        Op::DeleteExpiredSignup {
            hash: [3; 32],
            now: Millis(5_000),
        },
        Op::ReserveIds { count: 100 },
        batch(4..=5),
        Op::RemoveTeam(TeamId(7)),
    ]
}

#[test]
fn every_op_applied_twice_leaves_what_it_leaves_applied_once() {
    let (once_dir, twice_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let once = SledStore::open(once_dir.path()).unwrap();
    let twice = SledStore::open(twice_dir.path()).unwrap();
    for (seq, op) in (1..).zip(ops()) {
        let first = apply(&once, seq, op.clone());
        once.keep_applied(seq).unwrap();
        let again = apply(&twice, seq, op.clone()).and_then(|_| {
            twice.keep_applied(seq)?;
            apply(&twice, seq, op.clone())
        });
        if let (Ok(Applied::Ids(first)), Ok(Applied::Ids(again))) = (&first, &again) {
            assert_eq!(first, again, "a reservation gives the same block again");
        }
        assert!(again.is_ok(), "{op:?} applies again: {again:?}");
        twice.keep_applied(seq).unwrap();
        assert!(
            once.contents() == twice.contents(),
            "applying {op:?} twice leaves what applying it once leaves"
        );
    }
}
