//! The codec: every frame survives both encodings unchanged, both encodings
//! carry the same named fields, and what other languages' encoders write
//! (any field order, optional fields left out, other integer widths) reads
//! the same.

use crate::strategies::*;
use crate::{encode_value, BOTH, LIMIT};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Debug;
use switchboard_protocol::client::{Conversations, History, StartConversation, Subscribe};
use switchboard_protocol::codec::probe_request_id;
use switchboard_protocol::model::NewContact;
use switchboard_protocol::{
    decode, encode, ClientFrame, ConversationId, Encoding, ErrorCode, RequestId, ServerFrame,
    TeamId,
};

/// Encodes then decodes `frame` in `encoding`, asserting it comes back equal.
fn assert_round_trip<T>(encoding: Encoding, frame: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = encode(encoding, frame).expect("every frame encodes");
    if !encoding.is_binary() {
        // JSON travels in WebSocket text messages, which must be UTF-8.
        prop_assert!(std::str::from_utf8(&bytes).is_ok());
    }
    let back: T = decode(encoding, &bytes, usize::MAX)
        .map_err(|e| TestCaseError::fail(format!("{encoding:?} decode failed: {e}")))?;
    prop_assert_eq!(&back, frame);
    Ok(())
}

/// The MessagePack encoding read back as a generic value equals the JSON
/// encoding: both carry the same maps with the same named fields and types.
fn assert_same_shape<T: Serialize>(frame: &T) -> Result<(), TestCaseError> {
    let msgpack = encode(Encoding::MsgPack, frame).expect("every frame encodes");
    let json = encode(Encoding::Json, frame).expect("every frame encodes");
    let from_msgpack: Value =
        rmp_serde::from_slice(&msgpack).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let from_json: Value =
        serde_json::from_slice(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        from_msgpack.is_object(),
        "a frame is a map with named fields"
    );
    prop_assert!(from_msgpack.get("type").is_some_and(Value::is_string));
    prop_assert_eq!(from_msgpack, from_json);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_client_frame_round_trips(frame in client_frame()) {
        for encoding in BOTH {
            assert_round_trip(encoding, &frame)?;
        }
        assert_same_shape(&frame)?;
    }

    #[test]
    fn every_server_frame_round_trips(frame in server_frame()) {
        for encoding in BOTH {
            assert_round_trip(encoding, &frame)?;
        }
        assert_same_shape(&frame)?;
    }

    // Replies and events sit one level down in `server_frame`; these walk
    // them directly so that each variant gets hundreds of cases.
    #[test]
    fn every_reply_round_trips(frame in result_frame()) {
        let frame = ServerFrame::Result(frame);
        for encoding in BOTH {
            assert_round_trip(encoding, &frame)?;
        }
        assert_same_shape(&frame)?;
    }

    // The account-management frames sit one level down too.
    #[test]
    fn every_manage_request_and_reply_round_trips(
        frame in manage_frame(),
        reply in manage_reply(),
        id in request_id(),
    ) {
        let result = ServerFrame::Result(switchboard_protocol::server::ResultFrame::new(id, reply));
        for encoding in BOTH {
            assert_round_trip(encoding, &frame)?;
            assert_round_trip(encoding, &result)?;
        }
        assert_same_shape(&frame)?;
        assert_same_shape(&result)?;
    }

    #[test]
    fn every_event_round_trips(frame in event_frame()) {
        let frame = ServerFrame::Event(frame);
        for encoding in BOTH {
            assert_round_trip(encoding, &frame)?;
        }
        assert_same_shape(&frame)?;
    }

    #[test]
    fn every_error_frame_round_trips(frame in error_frame()) {
        let frame = ServerFrame::Error(frame);
        for encoding in BOTH {
            assert_round_trip(encoding, &frame)?;
        }
    }
}

/// The `type` tags on the wire are the snake_case names a client in another
/// language matches on.
#[test]
fn type_tags_are_the_documented_names() {
    let mut runner = TestRunner::deterministic();
    for _ in 0..500 {
        let frame = client_frame().new_tree(&mut runner).unwrap().current();
        let value = serde_json::to_value(&frame).unwrap();
        assert_eq!(value["type"], client_variant(&frame));

        let frame = result_frame().new_tree(&mut runner).unwrap().current();
        let value = serde_json::to_value(ServerFrame::Result(frame.clone())).unwrap();
        assert_eq!(value["type"], "result");
        assert_eq!(value["result"]["type"], reply_variant(&frame.result));

        let frame = event_frame().new_tree(&mut runner).unwrap().current();
        let value = serde_json::to_value(ServerFrame::Event(frame.clone())).unwrap();
        assert_eq!(value["type"], "event");
        assert_eq!(value["event"]["type"], event_variant(&frame.event));

        let frame = signal_frame().new_tree(&mut runner).unwrap().current();
        let value = serde_json::to_value(ServerFrame::Signal(frame.clone())).unwrap();
        assert_eq!(value["type"], "signal");
        assert_eq!(value["signal"]["type"], signal_variant(&frame.signal));
    }
}

#[test]
fn error_codes_have_stable_wire_names() {
    for code in ERROR_CODES {
        let name = error_code_name(code);
        assert_eq!(code.as_str(), name);
        assert_eq!(code.to_string(), name);
        assert_eq!(serde_json::to_value(code).unwrap(), json!(name));
        assert_eq!(
            serde_json::from_value::<ErrorCode>(json!(name)).unwrap(),
            code
        );
    }
    // A code added by a newer server reads as `unknown`, not as a bad frame.
    let frame = json!({"type": "error", "id": 3, "code": "teapot", "message": "short and stout"});
    for encoding in BOTH {
        let bytes = encode_value(encoding, &frame);
        let decoded: ServerFrame = decode(encoding, &bytes, LIMIT).unwrap();
        let ServerFrame::Error(error) = decoded else {
            panic!("expected an error frame, got {decoded:?}");
        };
        assert_eq!(error.code, ErrorCode::Unknown);
        assert_eq!(error.id, Some(RequestId(3)));
    }
}

#[test]
fn optional_request_fields_may_be_omitted() {
    let cases = [
        (
            json!({"type": "subscribe", "id": 1, "team": 2}),
            ClientFrame::Subscribe(Subscribe {
                id: RequestId(1),
                team: TeamId(2),
                after: None,
            }),
        ),
        (
            json!({"type": "history", "id": 3, "conversation": 4}),
            ClientFrame::History(History {
                id: RequestId(3),
                conversation: ConversationId(4),
                before: None,
                after: None,
                limit: None,
            }),
        ),
        (
            json!({"type": "conversations", "id": 5, "team": 6}),
            ClientFrame::Conversations(Conversations {
                id: RequestId(5),
                team: TeamId(6),
                before: None,
                limit: None,
            }),
        ),
        (
            json!({"type": "start_conversation", "id": 7, "team": 8, "contact": {"name": "Ada"}}),
            ClientFrame::StartConversation(StartConversation {
                id: RequestId(7),
                team: TeamId(8),
                contact: NewContact {
                    name: "Ada".into(),
                    email: None,
                    phone: None,
                },
            }),
        ),
    ];
    for (value, expected) in cases {
        for encoding in BOTH {
            let bytes = encode_value(encoding, &value);
            let frame: ClientFrame = decode(encoding, &bytes, LIMIT)
                .unwrap_or_else(|e| panic!("{value} in {encoding:?}: {e}"));
            assert_eq!(frame, expected);
            // nil / null, as the codec itself writes absent values, means
            // the same as leaving the field out.
            let with_nulls = serde_json::to_value(&expected).unwrap();
            assert!(with_nulls.to_string().contains("null"));
            let bytes = encode_value(encoding, &with_nulls);
            assert_eq!(
                decode::<ClientFrame>(encoding, &bytes, LIMIT).unwrap(),
                expected
            );
        }
    }
}

#[test]
fn fields_may_come_in_any_order_and_unknown_fields_are_ignored() {
    // A client in another language may not control the order of map keys,
    // and a newer client may send fields this version does not know.
    let value = json!({"body": "hi", "x_trace": [1, 2], "client_msg_id": "m1", "conversation": 9, "id": 4, "type": "send"});
    for encoding in BOTH {
        let bytes = encode_value(encoding, &value);
        let frame: ClientFrame = decode(encoding, &bytes, LIMIT).unwrap();
        assert_eq!(frame.request_id(), Some(RequestId(4)));
        assert!(
            matches!(frame, ClientFrame::Send(ref s) if s.body == "hi" && s.client_msg_id == "m1")
        );
    }
}

#[test]
fn ids_use_the_full_u64_range_in_rust() {
    // The documented range is below 2^53 for JavaScript's sake; the Rust
    // codec itself loses nothing beyond it.
    let frame = ClientFrame::Ping(switchboard_protocol::client::Ping {
        id: RequestId(u64::MAX),
    });
    for encoding in BOTH {
        let bytes = encode(encoding, &frame).unwrap();
        assert_eq!(
            decode::<ClientFrame>(encoding, &bytes, LIMIT).unwrap(),
            frame
        );
    }
}

#[test]
fn subprotocols_select_the_encoding() {
    assert_eq!(Encoding::default(), Encoding::MsgPack);
    for encoding in BOTH {
        assert_eq!(
            Encoding::from_subprotocol(encoding.subprotocol()),
            Some(encoding)
        );
    }
    assert_eq!(Encoding::MsgPack.subprotocol(), "switchboard.v1.msgpack");
    assert_eq!(Encoding::Json.subprotocol(), "switchboard.v1.json");
    assert_eq!(
        Encoding::from_subprotocol(" switchboard.v1.json "),
        Some(Encoding::Json)
    );
    assert_eq!(Encoding::from_subprotocol("switchboard.v2.json"), None);
    assert!(Encoding::MsgPack.is_binary());
    assert!(!Encoding::Json.is_binary());
}

/// Encoders in other languages pick integer and string formats of their
/// own: any width that holds the value must do.
#[test]
fn msgpack_from_other_encoders_is_accepted() {
    let key = |k: &str| rmp_serde::to_vec(&k).unwrap();
    let ping_with_id = |type_bytes: &[u8], id_bytes: &[u8]| {
        let mut bytes = vec![0x82];
        bytes.extend_from_slice(&key("type"));
        bytes.extend_from_slice(type_bytes);
        bytes.extend_from_slice(&key("id"));
        bytes.extend_from_slice(id_bytes);
        bytes
    };
    let fixstr_ping = [0xa4, b'p', b'i', b'n', b'g'];
    let str8_ping = [0xd9, 4, b'p', b'i', b'n', b'g'];
    let expected = ClientFrame::Ping(switchboard_protocol::client::Ping { id: RequestId(5) });
    for id in [
        &[0x05][..],                     // positive fixint
        &[0xcc, 5],                      // uint8
        &[0xcd, 0, 5],                   // uint16
        &[0xce, 0, 0, 0, 5],             // uint32
        &[0xcf, 0, 0, 0, 0, 0, 0, 0, 5], // uint64
        &[0xd0, 5],                      // int8
        &[0xd1, 0, 5],                   // int16
        &[0xd2, 0, 0, 0, 5],             // int32
        &[0xd3, 0, 0, 0, 0, 0, 0, 0, 5], // int64
    ] {
        for type_bytes in [&fixstr_ping[..], &str8_ping[..]] {
            let bytes = ping_with_id(type_bytes, id);
            assert_eq!(
                decode::<ClientFrame>(Encoding::MsgPack, &bytes, LIMIT).unwrap(),
                expected,
                "{bytes:02x?}"
            );
        }
    }
    // Negative numbers and floats are not ids.
    for id in [
        &[0xff][..],
        &[0xd0, 0xfb],
        &[0xcb, 0x40, 0x14, 0, 0, 0, 0, 0, 0],
    ] {
        let bytes = ping_with_id(&fixstr_ping, id);
        assert!(decode::<ClientFrame>(Encoding::MsgPack, &bytes, LIMIT).is_err());
        assert_eq!(probe_request_id(Encoding::MsgPack, &bytes, LIMIT), None);
    }
}
