//! The shape check behind [`super::decode`]: a frame, and every record in
//! it, is a map with named fields.
//!
//! serde's derived `Deserialize` also accepts a struct written as a list of
//! its fields in order (`["ping", 119]` for a ping), and both formats offer
//! it that form; the derive has no switch to refuse it, and an internally
//! tagged enum (every frame type) buffers its content before the variant
//! is chosen, out of reach of a wrapping deserializer. So the check is made
//! after the frame decoded, against the frame itself: serialized to a JSON
//! value, it has an object wherever it has a record and an array wherever
//! it has a list. The input is walked alongside, and must hold a map with
//! string keys wherever that value holds an object. Lists, and values the
//! frame ignored (unknown fields, defaults), are not constrained further.
//!
//! Most frames (a `send`, a `ping`) hold no list at all; for them a quick
//! pass over the input ([`Plain`]) proves the shape without serializing
//! the frame, and the full check ([`Expect`]) runs only when it cannot.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// What a record must look like, for error messages.
const A_RECORD: &str = "a map with named fields";

/// Walks one input value against `expected`, the decoded frame's own value
/// at the same place (None where the frame kept nothing).
#[derive(Clone, Copy)]
pub(super) struct Expect<'a>(pub(super) Option<&'a Value>);

impl<'de> DeserializeSeed<'de> for Expect<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.0 {
            Some(Value::Object(_) | Value::Array(_) | Value::String(_)) => {
                deserializer.deserialize_any(self)
            }
            // Nothing below a number or a nil can be a record: skip it.
            _ => deserializer.deserialize_ignored_any(IgnoredAny).map(drop),
        }
    }
}

impl<'de> Visitor<'de> for Expect<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(A_RECORD)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let fields = match self.0 {
            Some(Value::Object(fields)) => Some(fields),
            _ => None,
        };
        while let Some(Key(name)) = map.next_key()? {
            let expected = match (fields, name) {
                (Some(fields), Some(name)) => fields.get(&name),
                (Some(_), None) => {
                    return Err(de::Error::custom(format!(
                        "field names must be strings: expected {A_RECORD}"
                    )))
                }
                (None, _) => None,
            };
            map.next_value_seed(Expect(expected))?;
        }
        Ok(())
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let items = match self.0 {
            Some(Value::Object(_)) => {
                return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
            }
            Some(Value::Array(items)) => Some(items),
            _ => None,
        };
        let mut index = 0;
        while seq
            .next_element_seed(Expect(items.and_then(|items| items.get(index))))?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    // A leaf where the frame has a record or list cannot have decoded into
    // one, and holds no record to check. Where the frame has a string (a
    // `type` tag, an enum value, a text), the input must have one too, not
    // the number or bytes serde would also take (a variant's index).
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.leaf(de::Unexpected::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.leaf(de::Unexpected::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.leaf(de::Unexpected::Unsigned(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.leaf(de::Unexpected::Float(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        self.leaf(de::Unexpected::Bytes(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.leaf(de::Unexpected::Option)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf(de::Unexpected::Unit)
    }
}

impl Expect<'_> {
    fn leaf<E: de::Error>(self, unexpected: de::Unexpected<'_>) -> Result<(), E> {
        match self.0 {
            Some(Value::String(_)) => Err(de::Error::invalid_type(unexpected, &"a string")),
            _ => Ok(()),
        }
    }
}

/// A map key: its text if it is a string, None for any other kind.
struct Key(Option<String>);

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        Ok(Key(Some(name.to_owned())))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Key, E> {
        Ok(Key(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Key, E> {
        Ok(Key(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Key, E> {
        Ok(Key(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Key, E> {
        Ok(Key(None))
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Key, E> {
        Ok(Key(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
        Ok(Key(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Key, E> {
        Ok(Key(None))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Key, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Key(None))
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Key, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Key(None))
    }
}

/// The quick pass that spares most frames the full check: true when the
/// input is a map with string keys holding no list and no bytes anywhere,
/// and a string under every `type` key. Such input can only have filled
/// each record from a map and each tag from a name; anything else (a
/// `statuses` list, say) takes the full check.
#[derive(Clone, Copy)]
pub(super) struct Plain {
    /// Whether this value sits under a `type` key.
    pub(super) tag: bool,
}

impl<'de> DeserializeSeed<'de> for Plain {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Plain {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(A_RECORD)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<bool, M::Error> {
        let mut plain = !self.tag;
        while let Some(name) = map.next_key::<Name>()? {
            let value = map.next_value_seed(Plain {
                tag: matches!(name, Name::Type),
            })?;
            plain &= value && !matches!(name, Name::NotAString);
        }
        Ok(plain)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<bool, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(!self.tag)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(!self.tag)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(!self.tag)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(!self.tag)
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(!self.tag)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(!self.tag)
    }
}

/// A map key, as [`Plain`] needs it: without allocating.
enum Name {
    Type,
    Other,
    NotAString,
}

impl<'de> de::Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        let plain = deserializer.deserialize_any(NameVisitor)?;
        Ok(plain)
    }
}

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Name, E> {
        Ok(if name == "type" {
            Name::Type
        } else {
            Name::Other
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Name, E> {
        Ok(Name::NotAString)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Name, E> {
        Ok(Name::NotAString)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Name, E> {
        Ok(Name::NotAString)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Name, E> {
        Ok(Name::NotAString)
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Name, E> {
        Ok(Name::NotAString)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Name, E> {
        Ok(Name::NotAString)
    }

    fn visit_none<E: de::Error>(self) -> Result<Name, E> {
        Ok(Name::NotAString)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Name, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Name::NotAString)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Name, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Name::NotAString)
    }
}
