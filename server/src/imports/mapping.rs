//! A CSV's columns read as a contact: the team's [`ImportMapping`]
//! (header -> target) checked against the file's header line and compiled
//! into [`Columns`], which turns one row into a [`RowDraft`] or the reason
//! it is refused.
//!
//! Invariants:
//! - Every header of the file has a target: named in the mapping, or the
//!   header itself when it is a target's name (`name`, `phones`, a field's
//!   key...), so that an export imports back with no mapping at all. A
//!   header with neither refuses the whole import before any row is read
//!   (nothing is silently dropped); `ignore` drops a column on purpose.
//! - A row is refused whole, never imported in part: one bad phone refuses
//!   its row with the line and the value.

use crate::contacts::normal::Invalid;
use crate::contacts::{check_fields, normalise_draft, BookError};
use crate::store::ImportMapping;
use std::collections::BTreeMap;
use switchboard_protocol::contacts::{ContactDraft, FieldDef};

/// Where one column's values go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The contact's name (several name columns are joined by a space).
    Name,
    /// Phone numbers, separated by `;` or `,`.
    Phone,
    /// Emails, separated by `;` or `,`.
    Email,
    /// One tag.
    Tag,
    /// Tags, separated by `;` or `,`.
    Tags,
    /// Notes (several notes columns are joined by a new line).
    Notes,
    /// A custom field's value.
    Field(String),
    /// Dropped on purpose.
    Ignore,
}

impl Target {
    /// The target a mapping value names, if it names one.
    pub(crate) fn parse(value: &str) -> Option<Target> {
        let value = value.trim();
        Some(match value.to_ascii_lowercase().as_str() {
            "name" => Target::Name,
            "phone" | "phones" => Target::Phone,
            "email" | "emails" => Target::Email,
            "tag" => Target::Tag,
            "tags" => Target::Tags,
            "notes" | "note" => Target::Notes,
            "ignore" => Target::Ignore,
            _ => {
                let key = value.strip_prefix("field:")?.trim();
                if key.is_empty() {
                    return None;
                }
                Target::Field(key.to_string())
            }
        })
    }
}

/// Checks a mapping's values (not yet against a file): the answer to a
/// `PUT` of a bad one names the column.
pub(crate) fn check(mapping: &ImportMapping, fields: &[String]) -> Result<(), String> {
    for (header, value) in &mapping.columns {
        match Target::parse(value) {
            None => {
                return Err(format!(
                    "column \"{header}\": \"{value}\" is not one of name, phone, email, tag, \
                     tags, notes, field:<key>, ignore"
                ))
            }
            Some(Target::Field(key)) if !fields.contains(&key) => {
                return Err(format!(
                    "column \"{header}\": the team defines no contact field \"{key}\""
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// One row, read and normalised by the book's own rules: a contact to
/// create or merge.
pub(crate) type RowDraft = ContactDraft;

/// A mapping compiled against a file's header line: one target per column.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    targets: Vec<Target>,
    /// The team's custom fields.
    fields: Vec<FieldDef>,
}

impl Columns {
    /// The targets of `headers` under `mapping`; refused when a header has
    /// none, or names a field the team does not define.
    pub(crate) fn new(
        mapping: &ImportMapping,
        headers: &[String],
        fields: Vec<FieldDef>,
    ) -> Result<Columns, String> {
        let defined = |key: &str| fields.iter().any(|d| d.key == key);
        let by_header: BTreeMap<String, &String> = (mapping.columns.iter())
            .map(|(h, v)| (h.trim().to_lowercase(), v))
            .collect();
        let mut targets = Vec::with_capacity(headers.len());
        let mut unmapped = Vec::new();
        for header in headers {
            let key = header.trim().to_lowercase();
            let target = match by_header.get(&key) {
                Some(value) => Target::parse(value)
                    .ok_or_else(|| format!("column \"{header}\": \"{value}\" is not a target"))?,
                // An export's own headers need no mapping.
                None => match Target::parse(&key) {
                    Some(target) => target,
                    None if defined(header.trim()) => Target::Field(header.trim().to_string()),
                    None => {
                        unmapped.push(header.clone());
                        continue;
                    }
                },
            };
            if let Target::Field(key) = &target {
                if !defined(key) {
                    return Err(format!(
                        "column \"{header}\": the team defines no contact field \"{key}\""
                    ));
                }
            }
            targets.push(target);
        }
        if !unmapped.is_empty() {
            return Err(format!(
                "no mapping for column(s) {}: map each to name, phone, email, tag, tags, notes, \
                 field:<key> or ignore",
                unmapped
                    .iter()
                    .map(|h| format!("\"{h}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !targets.contains(&Target::Name) {
            return Err("no column is mapped to name".into());
        }
        Ok(Columns { targets, fields })
    }

    /// The contact a row holds, normalised, or why it is refused.
    pub(crate) fn row(&self, record: &csv::ByteRecord) -> Result<RowDraft, String> {
        if record.len() != self.targets.len() {
            return Err(format!(
                "{} values where the header has {} columns",
                record.len(),
                self.targets.len()
            ));
        }
        let mut raw = ContactDraft {
            name: String::new(),
            phones: Vec::new(),
            emails: Vec::new(),
            tags: Vec::new(),
            fields: BTreeMap::new(),
            notes: String::new(),
        };
        for (target, cell) in self.targets.iter().zip(record.iter()) {
            let value = std::str::from_utf8(cell)
                .map_err(|_| "the row is not valid UTF-8".to_string())?
                .trim();
            if value.is_empty() {
                continue;
            }
            match target {
                Target::Name => join(&mut raw.name, value, " "),
                Target::Phone => raw.phones.extend(split(value).map(String::from)),
                Target::Email => raw.emails.extend(split(value).map(String::from)),
                Target::Tag => raw.tags.push(value.to_string()),
                Target::Tags => raw.tags.extend(split(value).map(String::from)),
                Target::Notes => join(&mut raw.notes, value, "\n"),
                Target::Field(key) => {
                    raw.fields.insert(key.clone(), value.to_string());
                }
                Target::Ignore => {}
            }
        }
        if raw.name.is_empty() {
            return Err("missing name".into());
        }
        let fields =
            check_fields(&self.fields, &raw.fields).map_err(|e| format!("bad field value: {e}"))?;
        let mut draft = normalise_draft(raw).map_err(|e| match &e {
            BookError::Invalid(Invalid::Phone(_)) => format!("bad phone: {e}"),
            BookError::Invalid(Invalid::Email(_)) => format!("bad email: {e}"),
            BookError::Invalid(Invalid::Tag(_)) => format!("bad tag: {e}"),
            BookError::Shape(_) => e.to_string(),
        })?;
        draft.fields = fields;
        Ok(draft)
    }
}

/// The parts of a multi-valued cell (`;` as export writes, or `,`).
fn split(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn join(to: &mut String, value: &str, separator: &str) {
    if !to.is_empty() {
        to.push_str(separator);
    }
    to.push_str(value);
}
