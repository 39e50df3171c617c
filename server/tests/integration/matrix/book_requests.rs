//! Harness 1's contact-book requests: the frames of [`Request::Contacts`]
//! and its neighbours, and the throwaway contact a `delete_contact` or
//! `merge_contacts` cell acts on.

use super::request_frames::{contact, team, Target};
use super::table::Request;
use super::world::MatrixWorld;
use crate::util::*;
use switchboard_protocol::client::ClientFrame;
use switchboard_protocol::contacts as book;
use switchboard_protocol::ids::{ContactId, RequestId};
use switchboard_protocol::server::{Reply, ServerFrame};

/// The frame of a contact-book request (see `requests::frame`).
pub(super) fn book_frame(
    request: Request,
    target: Target,
    id: RequestId,
    n: usize,
    extra: u64,
) -> ClientFrame {
    match request {
        Request::Contacts => ClientFrame::Contacts(book::Contacts {
            id,
            team: team(target),
            query: book::ContactQuery::default(),
        }),
        Request::Contact => {
            let (team, contact) = contact(target);
            ClientFrame::Contact(book::ContactRequest { id, team, contact })
        }
        Request::CreateContact => ClientFrame::CreateContact(book::CreateContact {
            id,
            team: team(target),
            key: None,
            contact: book::ContactDraft {
                name: format!("Created {n}"),
                phones: vec![],
                emails: vec![],
                tags: vec![],
                fields: Default::default(),
                notes: String::new(),
            },
        }),
        Request::EditContact => {
            let (team, contact) = contact(target);
            ClientFrame::EditContact(book::EditContact {
                id,
                team,
                contact,
                key: None,
                changes: book::ContactPatch {
                    notes: Some(format!("cell {n}")),
                    ..Default::default()
                },
            })
        }
        Request::DeleteContact => {
            // The throwaway contact, in team A or a team that does not
            // exist.
            ClientFrame::DeleteContact(book::DeleteContact {
                id,
                team: team(target),
                contact: ContactId(extra),
            })
        }
        Request::MergeContacts => {
            let (team, into) = contact(target);
            ClientFrame::MergeContacts(book::MergeContacts {
                id,
                team,
                into,
                from: ContactId(extra),
                key: None,
            })
        }
        Request::ContactFields => ClientFrame::ContactFields(book::ContactFieldsRequest {
            id,
            team: team(target),
        }),
        Request::DefineContactFields => {
            ClientFrame::DefineContactFields(book::DefineContactFields {
                id,
                team: team(target),
                fields: vec![book::FieldDef {
                    key: "stage".into(),
                    label: "Stage".into(),
                    kind: book::FieldKind::Text,
                    options: vec![],
                }],
            })
        }
        other => unreachable!("not a contact-book request: {other:?}"),
    }
}

/// A contact of team A without conversations, created by the owner.
pub(super) async fn throwaway_contact(url: &str, world: &MatrixWorld, n: usize) -> u64 {
    let mut raw = Raw::login(url, &world.owner.token).await;
    let create = ClientFrame::CreateContact(book::CreateContact {
        id: RequestId(1),
        team: world.team_a,
        key: None,
        contact: book::ContactDraft {
            name: format!("Throwaway {n}"),
            phones: vec![],
            emails: vec![],
            tags: vec![],
            fields: Default::default(),
            notes: String::new(),
        },
    });
    match raw.request(create).await {
        ServerFrame::Result(r) => match r.result {
            Reply::ContactSaved(saved) => saved.contact.id.0,
            other => panic!("expected contact_saved, got {other:?}"),
        },
        other => panic!("a throwaway contact: {other:?}"),
    }
}
