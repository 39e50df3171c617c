//! Strategies for the contact book's frames, replies and events.

use super::*;
use std::collections::BTreeMap;
use switchboard_protocol::contacts::*;

fn texts() -> impl Strategy<Value = Vec<String>> {
    vec(text(), 0..3)
}

fn field_values() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(text(), text(), 0..3)
}

prop_compose! {
    pub fn contact_card()(
        (id, team, name) in (contact_id(), team_id(), text()),
        (phones, emails, tags) in (texts(), texts(), texts()),
        (fields, notes) in (field_values(), text()),
        (created_at, updated_at) in (millis(), millis()),
        opted_out_at in proptest::option::of(millis()),
    ) -> ContactCard {
        ContactCard {
            id, team, name, phones, emails, tags, fields, notes, created_at, updated_at, opted_out_at,
        }
    }
}

prop_compose! {
    fn contact_draft()(
        (name, phones, emails) in (text(), texts(), texts()),
        (tags, fields, notes) in (texts(), field_values(), text()),
    ) -> ContactDraft {
        ContactDraft { name, phones, emails, tags, fields, notes }
    }
}

prop_compose! {
    fn contact_patch()(
        (name, phones, emails) in (option::of(text()), option::of(texts()), option::of(texts())),
        (tags, fields, notes) in (option::of(texts()), option::of(field_values()), option::of(text())),
    ) -> ContactPatch {
        ContactPatch { name, phones, emails, tags, fields, notes }
    }
}

fn field_def() -> impl Strategy<Value = FieldDef> {
    let kind = proptest::sample::select(vec![
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Choice,
    ]);
    (text(), text(), kind, texts()).prop_map(|(key, label, kind, options)| FieldDef {
        key,
        label,
        kind,
        options,
    })
}

prop_compose! {
    fn contact_query()(
        (text, tag) in (option::of(text()), option::of(text())),
        field in option::of((text(), text()).prop_map(|(key, value)| FieldFilter { key, value })),
        (after, limit) in (option::of(contact_id()), option::of(any::<u32>())),
    ) -> ContactQuery {
        ContactQuery { text, tag, field, after, limit }
    }
}

/// The contact book's requests (drawn by index, as `command_frame` is:
/// see there why not a nested `prop_oneof!`).
pub fn contact_frame() -> BoxedStrategy<ClientFrame> {
    (
        0..8u8,
        (request_id(), team_id(), contact_id(), contact_id()),
        (option::of(text()), contact_query(), contact_draft()),
        (contact_patch(), small_vec(field_def())),
    )
        .prop_map(
            |(pick, (id, team, contact, from), (key, query, draft), (changes, fields))| match pick {
                0 => ClientFrame::Contacts(Contacts { id, team, query }),
                1 => ClientFrame::Contact(ContactRequest { id, team, contact }),
                2 => ClientFrame::CreateContact(CreateContact {
                    id,
                    team,
                    key,
                    contact: draft,
                }),
                3 => ClientFrame::EditContact(EditContact {
                    id,
                    team,
                    contact,
                    key,
                    changes,
                }),
                4 => ClientFrame::DeleteContact(DeleteContact { id, team, contact }),
                5 => ClientFrame::MergeContacts(MergeContacts {
                    id,
                    team,
                    into: contact,
                    from,
                    key,
                }),
                6 => ClientFrame::ContactFields(ContactFieldsRequest { id, team }),
                _ => ClientFrame::DefineContactFields(DefineContactFields { id, team, fields }),
            },
        )
        .boxed()
}

/// The contact book's replies.
pub fn contact_reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        (small_vec(contact_card()), option::of(contact_id()))
            .prop_map(|(contacts, next)| Reply::Contacts(ContactList { contacts, next })),
        (contact_card(), small_vec(conversation_info())).prop_map(|(contact, conversations)| {
            Reply::ContactPage(ContactPage {
                contact,
                conversations,
            })
        }),
        (contact_card(), any::<bool>())
            .prop_map(|(contact, merged)| Reply::ContactSaved(ContactSaved { contact, merged })),
        contact_deleted().prop_map(Reply::ContactDeleted),
        small_vec(field_def()).prop_map(|fields| Reply::ContactFields(ContactFields { fields })),
    ]
    .boxed()
}

fn contact_deleted() -> impl Strategy<Value = ContactDeleted> {
    (contact_id(), small_vec(conversation_id())).prop_map(|(contact, conversations)| {
        ContactDeleted {
            contact,
            conversations,
        }
    })
}

/// The contact book's events.
pub fn contact_event() -> BoxedStrategy<Event> {
    prop_oneof![
        (contact_card(), small_vec(conversation_id())).prop_map(|(contact, conversations)| {
            Event::ContactChanged(ContactChanged {
                contact,
                conversations,
            })
        }),
        contact_deleted().prop_map(Event::ContactDeleted),
        (contact_card(), contact_id(), small_vec(conversation_id())).prop_map(
            |(into, from, conversations)| Event::ContactsMerged(ContactsMerged {
                into,
                from,
                conversations,
            })
        ),
        small_vec(field_def()).prop_map(|fields| Event::ContactFields(ContactFields { fields })),
    ]
    .boxed()
}
