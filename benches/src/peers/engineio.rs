//! The part of Engine.IO v4 and Socket.IO v5 that the Socket.IO peer's
//! clients speak over a plain WebSocket: text packets in, text packets out.
//!
//! An Engine.IO packet is a type digit then data (`0` open, `1` close,
//! `2` ping, `3` pong, `4` message, `6` noop). A message carries a
//! Socket.IO packet: a type digit (`0` connect, `1` disconnect, `2` event,
//! `4` connect error, `5` binary event), then for a binary event the
//! number of attachments and `-`, then an optional `/namespace,` and ack
//! id, then JSON. Binary attachments follow as binary WebSocket frames,
//! raw (Engine.IO v4 adds no prefix over WebSocket).
//!
//! Only the default namespace and the one event the peer relays, `"msg"`
//! with one argument, are understood; other events decode to
//! [`Packet::Ignored`]. Decoding never panics, whatever the input.

use anyhow::{bail, Context};
use bytes::Bytes;

/// The one event name the peer relays.
const EVENT: &str = "msg";

/// The Socket.IO connect request for the default namespace.
pub(super) const CONNECT: &str = "40";
/// The answer to a ping.
pub(super) const PONG: &str = "3";
/// A `"msg"` event whose one argument is the binary attachment that
/// follows as the next binary frame.
pub(super) const BINARY_EVENT_HEADER: &str = r#"451-["msg",{"_placeholder":true,"num":0}]"#;

/// A text packet, decoded.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Packet {
    /// Engine.IO's open packet (the session's parameters are not needed).
    Open,
    /// Engine.IO close or Socket.IO disconnect: the session is over.
    Closed,
    /// The server's heartbeat, to be answered with [`PONG`].
    Ping,
    /// Socket.IO accepted the connection to the namespace.
    Connected,
    /// Socket.IO refused the connection; the server's message.
    Refused(String),
    /// A `"msg"` event with a string argument: the payload.
    Event(Bytes),
    /// A `"msg"` event whose argument is the binary frame that follows.
    BinaryEvent,
    /// Anything else (pongs, noops, other events): nothing to do.
    Ignored,
}

/// Decodes one text frame.
pub(super) fn decode(text: &str) -> anyhow::Result<Packet> {
    let mut chars = text.chars();
    Ok(match chars.next() {
        Some('0') => Packet::Open,
        Some('1') => Packet::Closed,
        Some('2') => Packet::Ping,
        Some('3' | '5' | '6') => Packet::Ignored,
        Some('4') => decode_socketio(chars.as_str())?,
        _ => bail!("not an Engine.IO packet: {}", excerpt(text)),
    })
}

/// Decodes the Socket.IO packet inside an Engine.IO message.
fn decode_socketio(packet: &str) -> anyhow::Result<Packet> {
    let mut chars = packet.chars();
    let kind = chars.next();
    let rest = chars.as_str();
    Ok(match kind {
        Some('0') => Packet::Connected,
        Some('1') => Packet::Closed,
        Some('2') => decode_event(skip_namespace_and_id(rest))?,
        Some('4') => Packet::Refused(refusal(skip_namespace_and_id(rest))),
        Some('5') => {
            let (count, json) = rest
                .split_once('-')
                .with_context(|| format!("binary event without a count: {}", excerpt(packet)))?;
            let attachments: usize = count
                .parse()
                .with_context(|| format!("bad attachment count: {}", excerpt(packet)))?;
            let (name, _) = event_parts(skip_namespace_and_id(json))?;
            if attachments != 1 || name != EVENT {
                bail!(
                    "unexpected binary event ({attachments} attachments): {}",
                    excerpt(packet)
                );
            }
            Packet::BinaryEvent
        }
        Some('3' | '6') => Packet::Ignored,
        _ => bail!("not a Socket.IO packet: {}", excerpt(packet)),
    })
}

/// Skips an optional `/namespace,` and an optional ack id.
fn skip_namespace_and_id(packet: &str) -> &str {
    let packet = match packet.strip_prefix('/') {
        Some(rest) => rest.split_once(',').map_or("", |(_, json)| json),
        None => packet,
    };
    packet.trim_start_matches(|c: char| c.is_ascii_digit())
}

/// The name and first argument of an event's JSON array.
fn event_parts(json: &str) -> anyhow::Result<(String, serde_json::Value)> {
    let mut array: Vec<serde_json::Value> = serde_json::from_str(json)
        .with_context(|| format!("event is not a JSON array: {}", excerpt(json)))?;
    if array.len() != 2 {
        // Not an event the peer sends; the caller ignores other names.
        return Ok((String::new(), serde_json::Value::Null));
    }
    let argument = array.pop().unwrap_or_default();
    match array.pop() {
        Some(serde_json::Value::String(name)) => Ok((name, argument)),
        _ => bail!("event without a name: {}", excerpt(json)),
    }
}

fn decode_event(json: &str) -> anyhow::Result<Packet> {
    let (name, argument) = event_parts(json)?;
    if name != EVENT {
        return Ok(Packet::Ignored);
    }
    match argument {
        serde_json::Value::String(text) => Ok(Packet::Event(Bytes::from(text))),
        _ => bail!("a msg event without a string: {}", excerpt(json)),
    }
}

/// The message of a connect error, e.g. `{"message":"..."}`.
fn refusal(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|value| value.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| excerpt(json))
}

/// The payload of a `42["msg","..."]` frame whose string has no escapes,
/// as a slice of the frame (no copy, no JSON parse): the common case,
/// since the bench's payloads are plain ASCII. `None` for anything else,
/// which [`decode`] then handles.
pub(super) fn plain_event(frame: &Bytes) -> Option<Bytes> {
    const PREFIX: &[u8] = br#"42["msg",""#;
    const SUFFIX: &[u8] = br#""]"#;
    let inner = frame.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if inner.iter().any(|&byte| byte == b'\\' || byte == b'"') {
        return None;
    }
    Some(frame.slice(PREFIX.len()..PREFIX.len() + inner.len()))
}

/// A `"msg"` event carrying `text` as a JSON string.
pub(super) fn text_event(text: &str) -> String {
    let mut packet = String::with_capacity(text.len() + 12);
    packet.push_str(r#"42["msg","#);
    // Writing JSON into a String cannot fail: a &str always serializes.
    packet.push_str(&serde_json::to_string(text).unwrap_or_default());
    packet.push(']');
    packet
}

/// The start of a packet, for error messages.
fn excerpt(text: &str) -> String {
    let end = text
        .char_indices()
        .nth(80)
        .map_or(text.len(), |(index, _)| index);
    format!("{:?}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_what_the_server_sends() {
        let open = r#"0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":65536}"#;
        assert_eq!(decode(open).ok(), Some(Packet::Open));
        assert_eq!(decode(r#"40{"sid":"b"}"#).ok(), Some(Packet::Connected));
        assert_eq!(decode("2").ok(), Some(Packet::Ping));
        assert_eq!(decode("1").ok(), Some(Packet::Closed));
        assert_eq!(decode("41").ok(), Some(Packet::Closed));
        assert_eq!(
            decode(r#"44{"message":"the query needs room=N (a u32)"}"#).ok(),
            Some(Packet::Refused("the query needs room=N (a u32)".into()))
        );
        assert_eq!(
            decode(r#"42["msg","1712 \"quoted\" \u00e9"]"#).ok(),
            Some(Packet::Event(Bytes::from("1712 \"quoted\" é")))
        );
        assert_eq!(decode(BINARY_EVENT_HEADER).ok(), Some(Packet::BinaryEvent));
        assert_eq!(decode(r#"42["other",1]"#).ok(), Some(Packet::Ignored));
        assert_eq!(
            decode(r#"42/chat,7["msg","x"]"#).ok(),
            Some(Packet::Event(Bytes::from("x")))
        );
    }

    #[test]
    fn refuses_what_it_cannot_relay() {
        assert!(decode("").is_err());
        assert!(decode("x").is_err());
        assert!(decode(r#"42["msg",{"a":1}]"#).is_err());
        assert!(decode(r#"452-["msg",{"_placeholder":true,"num":0}]"#).is_err());
        assert!(decode(r#"45["msg"]"#).is_err());
        assert!(decode("42[").is_err());
    }

    #[test]
    fn plain_events_are_sliced_not_parsed() {
        let frame = Bytes::from(text_event("1712345678901234 padding"));
        assert_eq!(
            plain_event(&frame),
            Some(Bytes::from("1712345678901234 padding"))
        );
        assert_eq!(plain_event(&Bytes::from(text_event("a\"b"))), None);
        assert_eq!(plain_event(&Bytes::from(r#"42["msg","a","b"]"#)), None);
        assert_eq!(plain_event(&Bytes::from("2")), None);
    }

    proptest! {
        #[test]
        fn text_events_round_trip(text in any::<String>()) {
            prop_assert_eq!(decode(&text_event(&text)).ok(), Some(Packet::Event(Bytes::from(text))));
        }

        #[test]
        fn the_plain_path_agrees_with_the_parser(text in any::<String>()) {
            let frame = Bytes::from(text_event(&text));
            if let Some(payload) = plain_event(&frame) {
                prop_assert_eq!(payload, Bytes::from(text));
            }
        }

        #[test]
        fn decoding_anything_never_panics(text in any::<String>()) {
            let _ = decode(&text);
            let _ = decode(&format!("42{text}"));
            let _ = decode(&format!("45{text}"));
        }
    }
}
