//! Hostile input: whatever bytes arrive, decoding fails cleanly. No panic,
//! no recursion per nesting level, nothing parsed past the size limit, and
//! the request id recovered when it can be, so the error names its request.

use crate::strategies::*;
use crate::{encode_value, BOTH, LIMIT};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchboard_protocol::codec::{probe_request_id, MAX_DEPTH};
use switchboard_protocol::{
    decode, encode, ClientFrame, DecodeError, Encoding, RequestId, ServerFrame,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..512)) {
        for encoding in BOTH {
            let _ = decode::<ClientFrame>(encoding, &bytes, LIMIT);
            let _ = decode::<ServerFrame>(encoding, &bytes, LIMIT);
            let _ = probe_request_id(encoding, &bytes, LIMIT);
        }
    }

    /// Random bytes rarely get past the first marker; damaged real frames
    /// reach deep into the decoder.
    #[test]
    fn decoding_damaged_frames_never_panics(
        client in client_frame(),
        server in server_frame(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        for encoding in BOTH {
            for mut bytes in [encode(encoding, &client).unwrap(), encode(encoding, &server).unwrap()] {
                for (at, byte) in &edits {
                    let i = at.index(bytes.len());
                    bytes[i] = *byte;
                }
                let _ = decode::<ClientFrame>(encoding, &bytes, LIMIT);
                let _ = decode::<ServerFrame>(encoding, &bytes, LIMIT);
                let _ = probe_request_id(encoding, &bytes, LIMIT);
            }
        }
    }

    /// A truncated frame is an error, never a different, shorter frame.
    #[test]
    fn a_truncated_frame_is_an_error(frame in server_frame(), cut in any::<prop::sample::Index>()) {
        for encoding in BOTH {
            let bytes = encode(encoding, &frame).unwrap();
            let prefix = &bytes[..cut.index(bytes.len())];
            prop_assert!(decode::<ServerFrame>(encoding, prefix, LIMIT).is_err());
        }
    }

    #[test]
    fn trailing_bytes_after_a_msgpack_frame_are_refused(
        frame in client_frame(),
        extra in vec(any::<u8>(), 1..16),
    ) {
        let mut bytes = encode(Encoding::MsgPack, &frame).unwrap();
        bytes.extend_from_slice(&extra);
        let result = decode::<ClientFrame>(Encoding::MsgPack, &bytes, usize::MAX);
        prop_assert!(
            matches!(result, Err(DecodeError::TrailingBytes(n)) if n == extra.len()),
            "got {:?}", result
        );
    }

    #[test]
    fn input_over_the_limit_is_refused_before_parsing(frame in server_frame(), encoding in prop_oneof![Just(Encoding::MsgPack), Just(Encoding::Json)]) {
        let bytes = encode(encoding, &frame).unwrap();
        let limit = bytes.len() - 1;
        let result = decode::<ServerFrame>(encoding, &bytes, limit);
        prop_assert!(
            matches!(result, Err(DecodeError::TooLarge { size, limit: l }) if size == bytes.len() && l == limit),
            "got {:?}", result
        );
        // Exactly at the limit is fine.
        prop_assert_eq!(decode::<ServerFrame>(encoding, &bytes, bytes.len()).unwrap(), frame);
    }

    /// The server answers an undecodable frame with `bad_frame` and the
    /// request's id, as long as the `id` field itself is readable.
    #[test]
    fn probe_request_id_recovers_the_id_of_a_broken_frame(
        frame in client_frame().prop_filter("hello has no id", |f| f.request_id().is_some()),
        pick in any::<prop::sample::Index>(),
    ) {
        let id = frame.request_id().unwrap();
        let mut value = serde_json::to_value(&frame).unwrap();
        let object = value.as_object_mut().unwrap();
        let keys: Vec<String> = object.keys().filter(|k| *k != "id").cloned().collect();
        let key = pick.get(&keys).clone();
        // A value of a type the field does not take: a boolean, but a
        // string for the boolean fields (`as_contact`).
        let poison = if object[&key].is_boolean() { json!("yes") } else { json!(true) };
        object.insert(key.clone(), poison);
        for encoding in BOTH {
            let bytes = encode_value(encoding, &value);
            prop_assert!(
                decode::<ClientFrame>(encoding, &bytes, LIMIT).is_err(),
                "{} set to a wrong type still decodes", key
            );
            prop_assert_eq!(probe_request_id(encoding, &bytes, LIMIT), Some(id));
        }
    }
}

/// A JSON-like tree: maps with a real frame's `type` (or a wrong one) and
/// fields of any shape, the input a confused client in another language
/// sends.
fn loose_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "(?s).{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::from),
            vec(("[a-z_]{1,12}", inner), 0..5)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

const FRAME_TYPES: [&str; 8] = [
    "hello",
    "ping",
    "send",
    "history",
    "subscribe",
    "result",
    "error",
    "event",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Structured but wrong input fails with a typed error of the input's
    /// encoding or of its shape (never the size or trailing-bytes variants,
    /// which do not apply), and whatever does decode encodes back to the
    /// same frame.
    #[test]
    fn loose_values_decode_to_a_frame_or_a_typed_error(
        kind in prop::sample::select(&FRAME_TYPES[..]),
        id in prop_oneof![Just(None), any::<u64>().prop_map(Some)],
        fields in vec(("[a-z_]{1,12}", loose_value()), 0..6),
    ) {
        let mut object: serde_json::Map<String, Value> = fields.into_iter().collect();
        object.insert("type".into(), json!(kind));
        if let Some(id) = id {
            object.insert("id".into(), json!(id));
        }
        let value = Value::Object(object);
        for encoding in BOTH {
            let bytes = encode_value(encoding, &value);
            match decode::<ClientFrame>(encoding, &bytes, usize::MAX) {
                Ok(frame) => {
                    let again = encode(encoding, &frame).unwrap();
                    prop_assert_eq!(decode::<ClientFrame>(encoding, &again, usize::MAX).unwrap(), frame);
                }
                Err(DecodeError::MsgPack(_)) if encoding == Encoding::MsgPack => {}
                Err(DecodeError::Json(_)) if encoding == Encoding::Json => {}
                // A loose array where the frame has a record.
                Err(DecodeError::NotAMap(_)) => {}
                Err(other) => prop_assert!(false, "{:?}: unexpected error {:?}", encoding, other),
            }
            let _ = decode::<ServerFrame>(encoding, &bytes, usize::MAX);
        }
    }
}

#[test]
fn probe_request_id_gives_up_without_a_readable_id() {
    let cases = [
        json!({"type": "hello", "version": 1, "token": "t"}),
        json!({"type": "ping", "id": "7"}),
        json!({"type": "ping", "id": -7}),
        json!({"type": "ping"}),
        json!([1, 2, 3]),
        json!("ping"),
    ];
    for value in cases {
        for encoding in BOTH {
            let bytes = encode_value(encoding, &value);
            assert_eq!(probe_request_id(encoding, &bytes, LIMIT), None, "{value}");
        }
    }
    // Over the limit, nothing is parsed at all.
    let bytes = encode_value(Encoding::Json, &json!({"type": "ping", "id": 7}));
    assert_eq!(probe_request_id(Encoding::Json, &bytes, 4), None);
}

#[test]
fn json_trailing_garbage_is_refused() {
    let mut bytes = encode(
        Encoding::Json,
        &ClientFrame::Ping(switchboard_protocol::client::Ping { id: RequestId(1) }),
    )
    .unwrap();
    bytes.extend_from_slice(b" {}");
    assert!(matches!(
        decode::<ClientFrame>(Encoding::Json, &bytes, LIMIT),
        Err(DecodeError::Json(_))
    ));
}

/// Runs `f` on a thread with a small stack: if decoding recursed once per
/// nesting level, 100k levels would overflow it and abort the test binary.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// 100k nested one-element arrays (`0x91 0x91 ... 0xc0`): a few hundred KB
/// that would take 100k levels of recursion to parse.
fn nested_msgpack_arrays(levels: usize) -> Vec<u8> {
    let mut bytes = vec![0x91; levels];
    bytes.push(0xc0);
    bytes
}

#[test]
fn deeply_nested_msgpack_is_refused_quickly() {
    let started = Instant::now();
    let results = on_small_stack(|| {
        let arrays = nested_msgpack_arrays(100_000);
        // The same nesting inside the value of a field of a real-looking frame.
        let mut in_field = vec![0x82];
        in_field.extend_from_slice(&rmp_serde::to_vec(&"type").unwrap());
        in_field.extend_from_slice(&rmp_serde::to_vec(&"ping").unwrap());
        in_field.extend_from_slice(&rmp_serde::to_vec(&"id").unwrap());
        in_field.extend_from_slice(&arrays);
        // And nested single-entry maps: {"a": {"a": ...}}.
        let mut maps = [0x81, 0xa1, b'a'].repeat(100_000);
        maps.push(0xc0);

        let mut results = Vec::new();
        for bytes in [&arrays, &in_field, &maps] {
            results.push(format!(
                "{:?}",
                decode::<ClientFrame>(Encoding::MsgPack, bytes, usize::MAX)
            ));
            results.push(format!(
                "{:?}",
                decode::<ServerFrame>(Encoding::MsgPack, bytes, usize::MAX)
            ));
            assert_eq!(probe_request_id(Encoding::MsgPack, bytes, usize::MAX), None);
        }
        results
    });
    for result in &results {
        assert!(result.starts_with("Err("), "{result}");
    }
    assert!(
        results.iter().any(|r| r.contains("DepthLimitExceeded")),
        "expected the depth limit to stop at least the array case: {results:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn deeply_nested_json_is_refused_quickly() {
    let started = Instant::now();
    let all_err = on_small_stack(|| {
        let arrays = "[".repeat(100_000).into_bytes();
        let in_field = format!(r#"{{"type":"ping","id":{}"#, "[".repeat(100_000)).into_bytes();
        [arrays, in_field].iter().all(|bytes| {
            decode::<ClientFrame>(Encoding::Json, bytes, usize::MAX).is_err()
                && decode::<ServerFrame>(Encoding::Json, bytes, usize::MAX).is_err()
                && probe_request_id(Encoding::Json, bytes, usize::MAX).is_none()
        })
    });
    assert!(all_err);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn the_deepest_real_frames_fit_under_the_depth_limit() {
    // A history page: frame > result > messages > message > sender is the
    // deepest shape on the wire; it must decode with room to spare.
    let mut runner = TestRunner::deterministic();
    let frame = loop {
        let frame = result_frame().new_tree(&mut runner).unwrap().current();
        if matches!(&frame.result, switchboard_protocol::server::Reply::History(page) if !page.messages.is_empty())
        {
            break ServerFrame::Result(frame);
        }
    };
    let bytes = encode(Encoding::MsgPack, &frame).unwrap();
    assert_eq!(
        decode::<ServerFrame>(Encoding::MsgPack, &bytes, LIMIT).unwrap(),
        frame
    );
    // PROTOCOL.md promises 15 levels of MessagePack and 127 of JSON; one
    // more is refused.
    assert_eq!(MAX_DEPTH, 16);
    let msgpack =
        |levels| decode::<Value>(Encoding::MsgPack, &nested_msgpack_arrays(levels), LIMIT);
    assert!(msgpack(15).is_ok(), "{:?}", msgpack(15));
    assert!(matches!(
        msgpack(16),
        Err(DecodeError::MsgPack(
            rmp_serde::decode::Error::DepthLimitExceeded
        ))
    ));
    let json = |levels: usize| {
        let text = "[".repeat(levels) + &"]".repeat(levels);
        decode::<Value>(Encoding::Json, text.as_bytes(), LIMIT)
    };
    assert!(json(127).is_ok());
    assert!(json(128).is_err());
}
