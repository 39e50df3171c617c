//! A client's search of the book ([`ContactQuery`]) as the store reads it
//! ([`ContactSearch`]): the text read as an email, a phone or name words,
//! the tag lowercased, the field trimmed. Shared by the `contacts` request
//! and a blast's audience, so that both find the same contacts.

use super::normal;
use crate::store::{name_words, ContactSearch};
use switchboard_protocol::contacts::ContactQuery;

/// The store's search for `query` (its `after` kept, its `limit` not).
pub(crate) fn search(query: &ContactQuery) -> ContactSearch {
    let mut search = ContactSearch {
        after: query.after,
        tag: query.tag.as_deref().map(|t| t.trim().to_lowercase()),
        field: query
            .field
            .as_ref()
            .map(|f| (f.key.trim().to_string(), f.value.trim().to_string())),
        ..ContactSearch::default()
    };
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if let Ok(email) = normal::email(text) {
            search.email = Some(email);
        } else if let Some(phone) = as_phone(text) {
            search.phone = Some(phone);
        } else {
            search.words = name_words(text);
        }
    }
    search
}

/// A search text read as a phone: mostly digits, and a valid number.
fn as_phone(text: &str) -> Option<String> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    (digits >= 5 && letters == 0)
        .then(|| normal::phone(text).ok())
        .flatten()
}
