//! Harness 3: access taken away mid-session. Every subject that can say
//! hello holds a live connection, subscribed to every team it may; then the
//! owner removes team A from a connection of its own.
//!
//! Every connection whose access reached team A is closed with 4009,
//! whatever kind of principal holds it: its Manager and Member, the owner's
//! other connection, its bot, the Restricted Members with a grant in it,
//! and its web chat visitor (whose token then opens nothing). A request sent on such a connection after the removal (`send`,
//! `history`, `conversations`, `typing`) gets no result. Every other
//! connection stays open and answers. A fresh hello lists what remains:
//! the Member, who is a Member of team S too, keeps team S.
//!
//! The other changes that take access away are made mid-session too, one
//! to each kind of holder ([`run_changes`]): a member removed, a role
//! changed, a bot revoked, a grant revoked.

use super::table::{subscriptions, Subject, CONNECTED, SUBJECTS};
use super::world::MatrixWorld;
use crate::util::*;
use futures::{SinkExt, StreamExt};
use switchboard_protocol::client::{
    ClientFrame, Conversations, Hello, History, Ping, SendMessage, Subscribe,
};
use switchboard_protocol::codec::{decode, encode, Encoding};
use switchboard_protocol::ids::{RequestId, TeamId};
use switchboard_protocol::manage::{RemoveMember, RemoveTeam, RevokeBot, SetRole};
use switchboard_protocol::model::Role;
use switchboard_protocol::presence::Typing;
use switchboard_protocol::server::{Reply, ResultFrame, ServerFrame, Welcome};
use switchboard_protocol::{close, PROTOCOL_VERSION};
use switchboard_server::store::{Page, Store};
use switchboard_server::{admin, GrantState};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Whether the subject's access reached team A before its removal.
fn held_team_a(subject: Subject) -> bool {
    matches!(
        subject,
        Subject::Owner
            | Subject::Manager
            | Subject::Member
            | Subject::RestrictedC
            | Subject::RestrictedOther
            | Subject::Bot
            | Subject::Visitor
    )
}

/// The teams a fresh hello must list after the removal.
fn teams_after(world: &MatrixWorld, subject: Subject) -> Vec<TeamId> {
    match subject {
        Subject::Owner | Subject::Member | Subject::Sibling => vec![world.team_s],
        Subject::OtherAccount => vec![world.team_b],
        _ => Vec::new(),
    }
}

/// The requests an old connection tries after the removal, ids 101..=104.
fn attempts(world: &MatrixWorld) -> [ClientFrame; 4] {
    [
        ClientFrame::Send(SendMessage {
            id: RequestId(101),
            conversation: world.c,
            client_msg_id: "after-removal".into(),
            body: "still here?".into(),
            as_contact: false,
            post: None,
        }),
        ClientFrame::History(History {
            id: RequestId(102),
            conversation: world.c,
            before: None,
            after: None,
            limit: None,
        }),
        ClientFrame::Conversations(Conversations {
            id: RequestId(103),
            team: world.team_a,
            before: None,
            limit: None,
        }),
        ClientFrame::Typing(Typing {
            id: RequestId(104),
            conversation: world.c,
        }),
    ]
}

/// Reads until the connection closes, refusing any `result`; returns the
/// close code.
async fn closed_without_result(raw: &mut Raw, subject: Subject) -> Option<u16> {
    loop {
        let message = tokio::time::timeout(PATIENCE, raw.ws.next())
            .await
            .expect("a close in time");
        let bytes = match message {
            Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| f.code.into()),
            Some(Ok(WsMessage::Binary(bytes))) => bytes,
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        };
        let frame: ServerFrame = decode(raw.encoding, &bytes, 1 << 24).unwrap();
        assert!(
            !matches!(frame, ServerFrame::Result(_)),
            "{subject:?} got a result after the change: {frame:?}"
        );
    }
}

/// Says hello and returns the welcome.
async fn welcome(url: &str, token: &str) -> Welcome {
    let mut raw = Raw::connect(url, Encoding::MsgPack).await;
    raw.send(&ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: token.to_string(),
    }))
    .await;
    match raw.recv().await {
        Some(ServerFrame::Welcome(welcome)) => welcome,
        other => panic!("expected welcome, got {other:?}"),
    }
}

/// Every subject that can say hello, connected to the servers at `urls`
/// in turn and subscribed to every team it may.
async fn connect_all(urls: &[String], world: &MatrixWorld) -> Vec<(Subject, Raw)> {
    let mut connections = Vec::new();
    for (n, subject) in SUBJECTS[..CONNECTED].iter().enumerate() {
        let url = &urls[n % urls.len()];
        let mut raw = Raw::login(url, world.token(*subject)).await;
        for (n, team) in subscriptions(*subject).iter().enumerate() {
            let frame = ClientFrame::Subscribe(Subscribe {
                id: RequestId(n as u64 + 1),
                team: world.team(*team),
                after: None,
            });
            match raw.request(frame).await {
                ServerFrame::Result(_) => {}
                other => panic!("{subject:?} subscribes: {other:?}"),
            }
        }
        connections.push((*subject, raw));
    }
    connections
}

/// Asserts that a request of the owner's succeeds.
async fn by_the_owner(owner: &mut Raw, frame: ClientFrame) {
    match owner.request(frame).await {
        ServerFrame::Result(_) => {}
        other => panic!("the owner's change: {other:?}"),
    }
}

/// Tries every request of [`attempts`] on a connection that lost its
/// access, and asserts none succeeds and it closes with `code`.
async fn assert_cut_off(world: &MatrixWorld, raw: &mut Raw, subject: Subject, code: u16) {
    // The socket may already be closed: a failed write is fine.
    for frame in attempts(world) {
        let bytes = encode(raw.encoding, &frame).unwrap();
        let _ = raw.ws.send(WsMessage::Binary(bytes.into())).await;
    }
    assert_eq!(
        closed_without_result(raw, subject).await,
        Some(code),
        "{subject:?} is closed with {code}"
    );
}

/// Asserts that a connection still answers.
async fn assert_still_open(raw: &mut Raw, subject: Subject) {
    let pong = raw
        .request(ClientFrame::Ping(Ping { id: RequestId(9) }))
        .await;
    assert!(
        matches!(
            pong,
            ServerFrame::Result(ResultFrame {
                result: Reply::Pong,
                ..
            })
        ),
        "{subject:?} stays connected: {pong:?}"
    );
}

/// Runs harness 3 on a freshly seeded world: team A is removed.
pub async fn run(server: &TestServer, world: &MatrixWorld) {
    let store = server.server.store();
    run_on(&[server.url()], store.as_ref(), world).await
}

/// Runs harness 3 with its subjects spread over the servers at `urls` in
/// turn (the nodes of a cluster, `store` theirs); the owner removes the
/// team on the first.
pub async fn run_on(urls: &[String], store: &dyn Store, world: &MatrixWorld) {
    admin::add_member(store, world.team_s, world.member.user, Role::Member).unwrap();
    let connections = connect_all(urls, world).await;

    let url = &urls[0];
    let mut owner = Raw::login(url, &world.owner.token).await;
    let removal = ClientFrame::RemoveTeam(RemoveTeam {
        id: RequestId(1),
        team: world.team_a,
    });
    match owner.request(removal).await {
        ServerFrame::Result(ResultFrame {
            result: Reply::TeamRemoved { team },
            ..
        }) => assert_eq!(team, world.team_a),
        other => panic!("the owner removes team A: {other:?}"),
    }

    for (subject, mut raw) in connections {
        if held_team_a(subject) {
            assert_cut_off(world, &mut raw, subject, close::ACCESS_CHANGED).await;
        } else {
            assert_still_open(&mut raw, subject).await;
        }
        if subject == Subject::Visitor {
            // Its conversation's team is gone: its token reaches nothing.
            let mut raw = Raw::connect(url, Encoding::MsgPack).await;
            raw.send(&ClientFrame::Hello(Hello {
                version: PROTOCOL_VERSION,
                token: world.token(subject).to_string(),
            }))
            .await;
            assert_eq!(raw.close_code().await, Some(close::UNAUTHORIZED));
            continue;
        }
        let welcome = welcome(url, world.token(subject)).await;
        let teams: Vec<TeamId> = welcome.teams.iter().map(|t| t.id).collect();
        assert_eq!(teams, teams_after(world, subject), "{subject:?}'s teams");
        assert!(
            welcome.grants.iter().all(|g| g.team != world.team_a),
            "{subject:?} keeps no grant in the removed team"
        );
    }
    assert_nothing_stored(store, world);
}

/// Asserts that no `send` of [`attempts`] was stored in C.
fn assert_nothing_stored(store: &dyn Store, world: &MatrixWorld) {
    let (messages, _) = store.messages(world.c, Page::Latest, 100).unwrap();
    assert!(
        messages.iter().all(|m| m.body != "still here?"),
        "a send after the change was stored"
    );
}

/// Runs harness 3's other changes on a freshly seeded world, each to
/// one kind of holder at once: the Manager is removed from team A, the
/// Member's role changes, the bot is revoked and the Restricted Member's
/// grant to C is revoked. Each of their connections is cut off (4009; the
/// revoked bot's token, 4001); everyone else's stays open.
pub async fn run_changes(server: &TestServer, world: &MatrixWorld) {
    let url = server.url();
    let connections = connect_all(std::slice::from_ref(&url), world).await;
    let mut owner = Raw::login(&url, &world.owner.token).await;
    let team = world.team_a;
    let changes = [
        ClientFrame::RemoveMember(RemoveMember {
            id: RequestId(1),
            team,
            user: world.manager.user,
        }),
        ClientFrame::SetRole(SetRole {
            id: RequestId(2),
            team,
            user: world.member.user,
            role: Role::Manager,
        }),
        ClientFrame::RevokeBot(RevokeBot {
            id: RequestId(3),
            team,
            bot: world.bot.user,
        }),
    ];
    for change in changes {
        by_the_owner(&mut owner, change).await;
    }
    server
        .server
        .set_grant(
            world.c,
            world.restricted_c.user,
            GrantState::Revoked,
            world.owner.user,
        )
        .unwrap();

    for (subject, mut raw) in connections {
        match subject {
            Subject::Manager | Subject::Member | Subject::RestrictedC => {
                assert_cut_off(world, &mut raw, subject, close::ACCESS_CHANGED).await
            }
            Subject::Bot => assert_cut_off(world, &mut raw, subject, close::UNAUTHORIZED).await,
            _ => assert_still_open(&mut raw, subject).await,
        }
    }
    assert_nothing_stored(server.server.store().as_ref(), world);
}
