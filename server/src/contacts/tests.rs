//! The book's rules without I/O: drafts normalised, fields checked against
//! their definitions, merges joining without doubling.

use super::*;
use switchboard_protocol::ids::{ContactId, Millis, TeamId};

fn defs() -> Vec<FieldDef> {
    let def = |key: &str, kind, options: &[&str]| FieldDef {
        key: key.into(),
        label: key.to_uppercase(),
        kind,
        options: options.iter().map(|o| o.to_string()).collect(),
    };
    vec![
        def("note", FieldKind::Text, &[]),
        def("age", FieldKind::Number, &[]),
        def("since", FieldKind::Date, &[]),
        def("stage", FieldKind::Choice, &["new", "won"]),
    ]
}

#[test]
fn a_draft_is_normalised_or_refused_naming_the_value() {
    let draft = ContactDraft {
        name: "  Ana Ruiz ".into(),
        phones: vec!["(415) 555-0123".into(), "+1 415 555 0123".into()],
        emails: vec![" Ana@X.test".into()],
        tags: vec!["VIP".into()],
        fields: BTreeMap::new(),
        notes: String::new(),
    };
    let normal = normalise_draft(draft.clone()).unwrap();
    assert_eq!(normal.name, "Ana Ruiz");
    assert_eq!(normal.phones, ["+14155550123"]);
    assert_eq!(normal.emails, ["ana@x.test"]);
    assert_eq!(normal.tags, ["vip"]);
    let bad = ContactDraft {
        phones: vec!["not a phone".into()],
        ..draft.clone()
    };
    let why = normalise_draft(bad).unwrap_err().to_string();
    assert!(why.contains("not a phone"), "{why}");
    let unnamed = ContactDraft {
        name: "  ".into(),
        ..draft
    };
    assert!(normalise_draft(unnamed).is_err());
}

#[test]
fn field_values_must_be_defined_and_valid_for_their_kind() {
    let ok = BTreeMap::from([
        ("age".to_string(), "41.5".to_string()),
        ("since".to_string(), "2024-02-29".to_string()),
        ("stage".to_string(), "won".to_string()),
        ("note".to_string(), "  ".to_string()),
    ]);
    let checked = check_fields(&defs(), &ok).unwrap();
    assert_eq!(checked.len(), 3, "an empty value clears the field");
    for (key, value) in [
        ("age", "forty"),
        ("since", "2023-02-29"),
        ("since", "2024-13-01"),
        ("stage", "lost"),
        ("colour", "red"),
    ] {
        let values = BTreeMap::from([(key.to_string(), value.to_string())]);
        assert!(check_fields(&defs(), &values).is_err(), "{key}={value}");
    }
}

#[test]
fn definitions_need_unique_keys_and_choices_their_options() {
    assert!(check_definitions(&defs()).is_ok());
    let mut twice = defs();
    twice.push(twice[0].clone());
    assert!(check_definitions(&twice).is_err());
    let mut bare = defs();
    bare[3].options.clear();
    assert!(check_definitions(&bare).is_err());
    let mut key = defs();
    key[0].key = "Has Space".into();
    assert!(check_definitions(&key).is_err());
}

#[test]
fn a_merge_joins_without_doubling_and_keeps_what_into_had() {
    let mut into = ContactRecord::new(
        ContactId(1),
        TeamId(1),
        "Ana".into(),
        Some("ana@x.test".into()),
        Some("+14155550100".into()),
        Millis(1),
    );
    into.fields.insert("stage".into(), "new".into());
    into.notes = "first".into();
    let mut from = ContactRecord::new(
        ContactId(2),
        TeamId(1),
        "Ana R".into(),
        Some("ana@x.test".into()),
        Some("+14155550200".into()),
        Millis(2),
    );
    from.phones.push("+14155550300".into());
    from.tags = vec!["vip".into()];
    from.fields.insert("stage".into(), "won".into());
    from.fields.insert("age".into(), "40".into());
    from.notes = "second".into();
    merge(&mut into, &(&from).into(), &|v| v == "+14155550300");
    assert_eq!(into.name, "Ana");
    assert_eq!(into.phones, ["+14155550100", "+14155550200"]);
    assert_eq!(into.emails, ["ana@x.test"]);
    assert_eq!(into.tags, ["vip"]);
    assert_eq!(into.fields["stage"], "new");
    assert_eq!(into.fields["age"], "40");
    assert_eq!(into.notes, "first\n\nsecond");
}
