//! The contact book's rules, apart from any I/O: what a valid contact is
//! ([`normalise_draft`], [`normalise_patch`], [`check_fields`],
//! [`check_definitions`]) and what merging two contacts makes ([`merge`]).
//! The session normalises what a client sends (a user's mistake is
//! answered there); the team's hub checks custom fields against the team's
//! definitions and keeps the uniqueness of phones and emails, as the team's
//! only writer.
//!
//! Invariants of a normalised contact: a name of 1 to [`MAX_NAME`] bytes,
//! trimmed; phones E.164, emails lowercased, tags lowercased, each list
//! without duplicates and at most [`MAX_VALUES`] long; notes at most
//! [`MAX_NOTES`] bytes.

pub(crate) mod normal;
pub(crate) mod query;

use crate::store::ContactRecord;
use normal::Invalid;
use std::collections::BTreeMap;
use switchboard_protocol::contacts::{ContactDraft, ContactPatch, FieldDef, FieldKind};

/// The longest name kept, in bytes.
pub(crate) const MAX_NAME: usize = 200;
/// The most phones, emails or tags one contact holds.
pub(crate) const MAX_VALUES: usize = 20;
/// The longest notes kept, in bytes.
pub(crate) const MAX_NOTES: usize = 10_000;
/// The longest custom field value, in bytes.
pub(crate) const MAX_FIELD_VALUE: usize = 1_000;
/// The most custom fields a team defines.
pub(crate) const MAX_FIELDS: usize = 50;

/// Why a contact or a field definition was refused, said for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BookError {
    /// A phone, email or tag that is not one.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Anything else out of shape (the message says what).
    #[error("{0}")]
    Shape(String),
}

fn name(raw: &str) -> Result<String, BookError> {
    let name = raw.trim();
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(BookError::Shape(format!(
            "a contact's name takes 1 to {MAX_NAME} bytes"
        )));
    }
    Ok(name.to_string())
}

fn list(
    raw: &[String],
    what: &str,
    each: fn(&str) -> Result<String, Invalid>,
) -> Result<Vec<String>, BookError> {
    if raw.len() > MAX_VALUES {
        return Err(BookError::Shape(format!(
            "a contact holds at most {MAX_VALUES} {what}"
        )));
    }
    Ok(normal::all(raw, each)?)
}

fn notes(raw: &str) -> Result<String, BookError> {
    if raw.len() > MAX_NOTES {
        return Err(BookError::Shape(format!(
            "notes hold at most {MAX_NOTES} bytes"
        )));
    }
    Ok(raw.to_string())
}

/// A draft with its name, phones, emails, tags and notes normalised.
pub(crate) fn normalise_draft(draft: ContactDraft) -> Result<ContactDraft, BookError> {
    Ok(ContactDraft {
        name: name(&draft.name)?,
        phones: list(&draft.phones, "phones", normal::phone)?,
        emails: list(&draft.emails, "emails", normal::email)?,
        tags: list(&draft.tags, "tags", normal::tag)?,
        fields: draft.fields,
        notes: notes(&draft.notes)?,
    })
}

/// A patch with each field given normalised as a draft's.
pub(crate) fn normalise_patch(patch: ContactPatch) -> Result<ContactPatch, BookError> {
    Ok(ContactPatch {
        name: patch.name.as_deref().map(name).transpose()?,
        phones: patch
            .phones
            .map(|p| list(&p, "phones", normal::phone))
            .transpose()?,
        emails: patch
            .emails
            .map(|e| list(&e, "emails", normal::email))
            .transpose()?,
        tags: patch
            .tags
            .map(|t| list(&t, "tags", normal::tag))
            .transpose()?,
        fields: patch.fields,
        notes: patch.notes.as_deref().map(notes).transpose()?,
    })
}

/// Custom field values checked against the team's definitions: every key
/// defined, every value valid for its kind (trimmed; an empty one is left
/// out, which is how a value is cleared).
pub(crate) fn check_fields(
    definitions: &[FieldDef],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, BookError> {
    let mut out = BTreeMap::new();
    for (key, value) in values {
        let Some(def) = definitions.iter().find(|d| &d.key == key) else {
            return Err(BookError::Shape(format!(
                "the team defines no contact field \"{key}\""
            )));
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let valid = value.len() <= MAX_FIELD_VALUE
            && !value.contains('\0')
            && match def.kind {
                FieldKind::Text => true,
                FieldKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
                FieldKind::Date => is_date(value),
                FieldKind::Choice => def.options.iter().any(|o| o == value),
            };
        if !valid {
            let expected = match def.kind {
                FieldKind::Text => format!("text of at most {MAX_FIELD_VALUE} bytes"),
                FieldKind::Number => "a number".to_string(),
                FieldKind::Date => "a date as YYYY-MM-DD".to_string(),
                FieldKind::Choice => format!("one of {}", def.options.join(", ")),
            };
            return Err(BookError::Shape(format!(
                "\"{value}\" is not valid for the field \"{key}\": expected {expected}"
            )));
        }
        out.insert(key.clone(), value.to_string());
    }
    Ok(out)
}

/// Whether `s` is a calendar date written `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// A team's field definitions checked: keys of lowercase letters, digits,
/// `_` and `-`, each once; labels not empty; a choice with its options.
pub(crate) fn check_definitions(fields: &[FieldDef]) -> Result<(), BookError> {
    if fields.len() > MAX_FIELDS {
        return Err(BookError::Shape(format!(
            "a team defines at most {MAX_FIELDS} contact fields"
        )));
    }
    for (i, field) in fields.iter().enumerate() {
        let key_ok = (1..=64).contains(&field.key.len())
            && field
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !key_ok {
            return Err(BookError::Shape(format!(
                "\"{}\" is not a field key (1 to 64 of a-z, 0-9, _ and -)",
                field.key
            )));
        }
        if fields[..i].iter().any(|f| f.key == field.key) {
            return Err(BookError::Shape(format!(
                "the field \"{}\" is defined twice",
                field.key
            )));
        }
        if field.label.trim().is_empty() || field.label.len() > MAX_NAME {
            return Err(BookError::Shape(format!(
                "the field \"{}\" needs a label of 1 to {MAX_NAME} bytes",
                field.key
            )));
        }
        let options_ok = match field.kind {
            FieldKind::Choice => {
                !field.options.is_empty()
                    && field.options.len() <= MAX_VALUES * 5
                    && field
                        .options
                        .iter()
                        .all(|o| !o.trim().is_empty() && o.len() <= 200)
            }
            _ => field.options.is_empty(),
        };
        if !options_ok {
            return Err(BookError::Shape(format!(
                "the field \"{}\": a choice needs options (each 1 to 200 bytes), other kinds none",
                field.key
            )));
        }
    }
    Ok(())
}

/// Merges `from`'s details into `into`: phones, emails and tags joined
/// (into's first, then from's new ones), fields filled where `into` has
/// none, notes appended; the name stays `into`'s. Values `taken` (by a
/// third contact) are left out, so that the merge keeps every phone and
/// email unique.
pub(crate) fn merge(
    into: &mut ContactRecord,
    from: &MergeSource<'_>,
    taken: &dyn Fn(&str) -> bool,
) {
    let join = |list: &mut Vec<String>, more: &[String], check: bool| {
        for value in more {
            let skip = list.contains(value) || (check && taken(value));
            if !skip && list.len() < MAX_VALUES {
                list.push(value.clone());
            }
        }
    };
    join(&mut into.phones, from.phones, true);
    join(&mut into.emails, from.emails, true);
    join(&mut into.tags, from.tags, false);
    for (key, value) in from.fields {
        into.fields
            .entry(key.clone())
            .or_insert_with(|| value.clone());
    }
    let more = from.notes.trim();
    if !more.is_empty() && !into.notes.contains(more) {
        if !into.notes.is_empty() {
            into.notes.push_str("\n\n");
        }
        into.notes.push_str(more);
        // A merge never refuses: past the limit, the older notes win.
        if into.notes.len() > MAX_NOTES {
            let mut end = MAX_NOTES;
            while !into.notes.is_char_boundary(end) {
                end -= 1;
            }
            into.notes.truncate(end);
        }
    }
}

/// What a merge takes in: a draft's details or another contact's.
pub(crate) struct MergeSource<'a> {
    pub(crate) phones: &'a [String],
    pub(crate) emails: &'a [String],
    pub(crate) tags: &'a [String],
    pub(crate) fields: &'a BTreeMap<String, String>,
    pub(crate) notes: &'a str,
}

impl<'a> From<&'a ContactRecord> for MergeSource<'a> {
    fn from(c: &'a ContactRecord) -> Self {
        MergeSource {
            phones: &c.phones,
            emails: &c.emails,
            tags: &c.tags,
            fields: &c.fields,
            notes: &c.notes,
        }
    }
}

impl<'a> From<&'a ContactDraft> for MergeSource<'a> {
    fn from(d: &'a ContactDraft) -> Self {
        MergeSource {
            phones: &d.phones,
            emails: &d.emails,
            tags: &d.tags,
            fields: &d.fields,
            notes: &d.notes,
        }
    }
}

#[cfg(test)]
mod tests;
