//! Normalisation of what identifies a contact: phone numbers to E.164 with
//! the `phonenumber` crate (libphonenumber's metadata), emails trimmed and
//! lowercased after a shape check, tags and name words lowercased.
//!
//! Invariant: two spellings of one phone number or email normalise to the
//! same string, and a normalised value normalises to itself, so that the
//! book's indexes (`contact_phone`, `contact_email`) find a contact however
//! its number was typed.

use phonenumber::country::Id;
use phonenumber::Mode;

/// The region a number without a leading `+` is read in. Teams have no
/// region of their own yet; the US is the first market.
pub(crate) const DEFAULT_REGION: Id = Id::US;

/// The longest email kept (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;
/// The longest tag kept.
const MAX_TAG: usize = 64;

/// Why a value was refused, said so that the user can correct it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Invalid {
    /// Not a phone number.
    #[error(
        "\"{0}\" is not a valid phone number (write it with its country code, as +14155550123)"
    )]
    Phone(String),
    /// Not an email.
    #[error("\"{0}\" is not a valid email address")]
    Email(String),
    /// An empty, too long or control-character tag.
    #[error("\"{0}\" is not a valid tag (1 to {MAX_TAG} characters, no control characters)")]
    Tag(String),
}

/// A phone number in E.164 (`+14155550123`).
pub(crate) fn phone(raw: &str) -> Result<String, Invalid> {
    let number = phonenumber::parse(Some(DEFAULT_REGION), raw.trim())
        .map_err(|_| Invalid::Phone(raw.to_string()))?;
    if !number.is_valid() {
        return Err(Invalid::Phone(raw.to_string()));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// A phone as a conversation's channel gave it: E.164 when it is a valid
/// number, else as given, trimmed (a short code, a chat handle), so that a
/// channel's identifier is never refused.
pub(crate) fn channel_phone(raw: &str) -> String {
    phone(raw).unwrap_or_else(|_| raw.trim().to_string())
}

/// An email, trimmed and lowercased: one `@` between a local part and a
/// dotted domain, no spaces or control characters.
pub(crate) fn email(raw: &str) -> Result<String, Invalid> {
    let email = raw.trim().to_lowercase();
    let bad = || Invalid::Email(raw.to_string());
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let shaped = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= MAX_EMAIL
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if shaped {
        Ok(email)
    } else {
        Err(bad())
    }
}

/// A tag, trimmed and lowercased.
pub(crate) fn tag(raw: &str) -> Result<String, Invalid> {
    let tag = raw.trim().to_lowercase();
    if tag.is_empty() || tag.chars().count() > MAX_TAG || tag.chars().any(char::is_control) {
        return Err(Invalid::Tag(raw.to_string()));
    }
    Ok(tag)
}

/// Normalises every value of `raw` with `each`, keeping the first of
/// duplicates, in order.
pub(crate) fn all(
    raw: &[String],
    each: fn(&str) -> Result<String, Invalid>,
) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for value in raw {
        let value = each(value)?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_number_normalise_alike_and_stay_normalised() {
        for raw in [
            "+1 415 555 0123",
            "(415) 555-0123",
            "415.555.0123",
            "+14155550123",
        ] {
            assert_eq!(phone(raw).unwrap(), "+14155550123", "{raw}");
        }
        assert_eq!(phone("+44 20 7946 0958").unwrap(), "+442079460958");
        assert!(matches!(phone("12"), Err(Invalid::Phone(_))));
        assert!(matches!(phone("call me"), Err(Invalid::Phone(_))));
        assert_eq!(channel_phone(" 55512 "), "55512");
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_shaped() {
        assert_eq!(email("  Ana@Example.COM ").unwrap(), "ana@example.com");
        for bad in [
            "ana",
            "ana@",
            "@x.test",
            "ana@x",
            "a b@x.test",
            "a@@x.test",
            "a@x.",
        ] {
            assert!(matches!(email(bad), Err(Invalid::Email(_))), "{bad}");
        }
    }

    #[test]
    fn duplicates_go_after_normalising() {
        let raw = vec!["VIP".to_string(), " vip".into(), "Lead".into()];
        assert_eq!(all(&raw, tag).unwrap(), ["vip", "lead"]);
        assert!(all(&["".to_string()], tag).is_err());
    }
}
