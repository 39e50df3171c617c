//! The checks an imported cell goes through, named for the importer: they
//! hand each value to the contact book's own normalisation, so an imported
//! contact is held to the same rules as one typed in.

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

/// What a custom field's values must be.
#[derive(Debug, Clone)]
pub(crate) struct FieldRule {
    kind: FieldKind,
}

#[derive(Debug, Clone)]
enum FieldKind {
    Text,
}

impl FieldRule {
    /// A free-text field.
    pub(crate) fn text() -> FieldRule {
        FieldRule {
            kind: FieldKind::Text,
        }
    }

    /// The value as stored, or why it does not fit the field.
    pub(crate) fn check(&self, value: &str) -> Result<String, String> {
        match self.kind {
            FieldKind::Text => Ok(value.to_string()),
        }
    }
}
