//! A blast's template: text with placeholders `{{name}}`, `{{first_name}}`
//! and `{{FIELD_KEY}}` (a custom field the team defined), each with an
//! optional fallback after a bar (`{{first_name|there}}`) used when the
//! contact has no value for it.
//!
//! Invariants:
//! - Parsing refuses what it cannot read (an unclosed `{{`, an empty or
//!   unknown placeholder) with a message naming it: a template is never
//!   sent with a placeholder written out.
//! - Rendering cannot fail: every placeholder of a parsed template is
//!   known, and a missing value becomes its fallback, or nothing.
//! - Text outside placeholders is kept byte for byte (a lone `{` or `}`
//!   included).

use crate::store::ContactRecord;

/// The longest template, in characters.
pub(crate) const MAX_CHARS: usize = 4_000;

/// A template, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field { key: Key, fallback: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Name,
    FirstName,
    Custom(String),
}

impl Template {
    /// Parses `source`, whose custom placeholders must be among `fields`
    /// (the team's field keys).
    pub(crate) fn parse(source: &str, fields: &[String]) -> Result<Template, String> {
        if source.trim().is_empty() {
            return Err("the template is empty".into());
        }
        if source.chars().count() > MAX_CHARS {
            return Err(format!("the template is over {MAX_CHARS} characters"));
        }
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let inner_start = &rest[open + 2..];
            let Some(close) = inner_start.find("}}") else {
                return Err(format!(
                    "a placeholder is not closed: \"{}\"",
                    clip(&rest[open..])
                ));
            };
            let inner = &inner_start[..close];
            let (key, fallback) = match inner.split_once('|') {
                Some((key, fallback)) => (key.trim(), fallback.trim().to_string()),
                None => (inner.trim(), String::new()),
            };
            let key = match key {
                "" => return Err("an empty placeholder: \"{{}}\"".into()),
                "name" => Key::Name,
                "first_name" => Key::FirstName,
                other if fields.iter().any(|f| f == other) => Key::Custom(other.to_string()),
                other => {
                    return Err(format!(
                        "unknown placeholder \"{{{{{other}}}}}\": use name, first_name or \
                         one of the team's contact fields"
                    ))
                }
            };
            parts.push(Part::Field { key, fallback });
            rest = &inner_start[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The message `contact` gets.
    pub(crate) fn render(&self, contact: &ContactRecord) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field { key, fallback } => {
                    let value = match key {
                        Key::Name => contact.name.trim(),
                        Key::FirstName => contact.name.split_whitespace().next().unwrap_or(""),
                        Key::Custom(key) => contact.fields.get(key).map_or("", |v| v.trim()),
                    };
                    out.push_str(if value.is_empty() { fallback } else { value });
                }
            }
        }
        out
    }
}

/// The start of an unclosed placeholder, for the error message.
fn clip(text: &str) -> String {
    text.chars().take(30).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use switchboard_protocol::ids::{ContactId, Millis, TeamId};

    fn contact(name: &str, fields: &[(&str, &str)]) -> ContactRecord {
        let mut record =
            ContactRecord::new(ContactId(1), TeamId(1), name.into(), None, None, Millis(0));
        for (k, v) in fields {
            record.fields.insert((*k).into(), (*v).into());
        }
        record
    }

    fn fields() -> Vec<String> {
        vec!["city".into(), "plan".into()]
    }

    #[test]
    fn placeholders_take_the_contacts_values() {
        let t = Template::parse("Hi {{first_name}} ({{name}}) in {{ city }}!", &fields()).unwrap();
        let c = contact("Ada Lovelace", &[("city", "London")]);
        assert_eq!(t.render(&c), "Hi Ada (Ada Lovelace) in London!");
    }

    #[test]
    fn a_missing_value_takes_the_fallback_or_nothing() {
        let t = Template::parse(
            "Hi {{first_name|there}}, {{plan|no plan}}{{city}}.",
            &fields(),
        )
        .unwrap();
        assert_eq!(t.render(&contact("  ", &[])), "Hi there, no plan.");
        assert_eq!(
            t.render(&contact("Bo", &[("plan", "gold")])),
            "Hi Bo, gold."
        );
    }

    #[test]
    fn unknown_empty_and_unclosed_placeholders_are_refused() {
        let err = Template::parse("Hi {{nickname}}", &fields()).unwrap_err();
        assert!(err.contains("{{nickname}}"), "{err}");
        assert!(Template::parse("Hi {{ }}", &fields()).is_err());
        assert!(Template::parse("Hi {{name", &fields())
            .unwrap_err()
            .contains("not closed"));
        assert!(Template::parse("   ", &fields()).is_err());
        assert!(Template::parse(&"x".repeat(MAX_CHARS + 1), &fields()).is_err());
    }

    #[test]
    fn lone_braces_are_text() {
        let t = Template::parse("a { b } c }} d", &fields()).unwrap();
        assert_eq!(t.render(&contact("X", &[])), "a { b } c }} d");
    }

    proptest! {
        /// Text without `{{` renders to itself, whoever it goes to.
        #[test]
        fn plain_text_renders_unchanged(text in "[^{]{1,200}", name in "\\PC{0,20}") {
            prop_assume!(!text.trim().is_empty());
            let t = Template::parse(&text, &fields()).unwrap();
            prop_assert_eq!(t.render(&contact(&name, &[])), text);
        }

        /// Parsing never panics, and what parses renders.
        #[test]
        fn any_input_parses_or_is_refused(source in "\\PC{0,300}", name in "\\PC{0,20}") {
            if let Ok(t) = Template::parse(&source, &fields()) {
                let _ = t.render(&contact(&name, &[("city", "x")]));
            }
        }

        /// A placeholder with a fallback renders the value when there is
        /// one, and the fallback otherwise.
        #[test]
        fn fallbacks_fill_only_missing_values(
            value in "[a-z]{0,10}",
            fallback in "[a-z ]{0,10}",
        ) {
            let t = Template::parse(&format!("<{{{{city|{fallback}}}}}>"), &fields()).unwrap();
            let c = contact("N", &[("city", value.as_str())]);
            let expected = if value.is_empty() { fallback.trim().to_string() } else { value.clone() };
            prop_assert_eq!(t.render(&c), format!("<{expected}>"));
        }
    }
}
