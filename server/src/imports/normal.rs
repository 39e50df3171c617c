//! The checks an imported cell goes through, named for the importer: they
//! hand each value to the contact book's own normalisation, so an imported
//! contact is held to the same rules as one typed in.

use switchboard_protocol::contacts::{FieldDef, FieldKind};

/// A phone number in E.164, or why it is not one.
pub(crate) fn phone(raw: &str) -> Result<String, String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let plus = raw.trim_start().starts_with('+');
    if raw.chars().any(|c| c.is_alphabetic()) || digits.len() < 7 || digits.len() > 15 {
        return Err("not a phone number".into());
    }
    Ok(if plus || digits.len() > 10 {
        format!("+{digits}")
    } else {
        format!("+1{digits}")
    })
}

/// An email trimmed and lowercased, or why it is not one.
pub(crate) fn email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if switchboard_protocol::command::is_email(&email) {
        Ok(email)
    } else {
        Err("not an email address".into())
    }
}

/// A tag as the book keeps it.
pub(crate) fn tag(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// What a custom field's values must be: its definition in the book.
#[derive(Debug, Clone)]
pub(crate) struct FieldRule {
    def: FieldDef,
}

impl FieldRule {
    pub(crate) fn new(def: FieldDef) -> FieldRule {
        FieldRule { def }
    }

    /// The value as stored, or why it does not fit the field.
    pub(crate) fn check(&self, value: &str) -> Result<String, String> {
        let value = value.trim();
        match self.def.kind {
            FieldKind::Text => Ok(value.to_string()),
            FieldKind::Number => match value.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(value.to_string()),
                _ => Err("not a number".into()),
            },
            FieldKind::Date => {
                if is_date(value) {
                    Ok(value.to_string())
                } else {
                    Err("not a date (YYYY-MM-DD)".into())
                }
            }
            FieldKind::Choice => (self.def.options.iter())
                .find(|o| o.eq_ignore_ascii_case(value))
                .cloned()
                .ok_or_else(|| format!("not one of {}", self.def.options.join(", "))),
        }
    }
}

/// Whether `value` is a calendar date `YYYY-MM-DD` (month 1-12, day in
/// the month's range, leap years counted).
fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts[..] else { return false };
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
