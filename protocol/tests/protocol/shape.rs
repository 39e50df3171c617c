//! A frame is a map with named fields, and so is every record in it: the
//! list of a struct's fields that serde would otherwise take (`["ping",
//! 119]`), a map keyed by field numbers, and a variant's index where a
//! string belongs are refused as `NotAMap`, in both encodings, for every
//! frame.

use crate::strategies::*;
use crate::{encode_value, BOTH, LIMIT};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Debug;
use switchboard_protocol::{decode, ClientFrame, DecodeError, Encoding, ServerFrame};

/// Asserts that `bytes` decode to no `T`, refused for its shape.
fn assert_not_a_map<T: Serialize + DeserializeOwned + Debug>(encoding: Encoding, bytes: &[u8]) {
    match decode::<T>(encoding, bytes, LIMIT) {
        Err(DecodeError::NotAMap(_)) => {}
        other => panic!("{encoding:?}: expected NotAMap, got {other:?}"),
    }
}

/// Asserts that `bytes` decode to no client frame, for whatever reason
/// (serde_json itself refuses a number as a variant's name).
fn assert_refused(encoding: Encoding, bytes: &[u8]) {
    let decoded = decode::<ClientFrame>(encoding, bytes, LIMIT);
    assert!(decoded.is_err(), "{encoding:?}: decoded {decoded:?}");
}

/// MessagePack written by hand: an array of the given values.
fn msgpack_array(items: &[Value]) -> Vec<u8> {
    rmp_serde::to_vec(&items).unwrap()
}

#[test]
fn a_frame_written_as_an_array_is_refused() {
    // `["ping", 119]`, and `[1, 2, 3]`: a variant index as the tag
    // (1: subscribe), then the fields in order.
    for items in [json!(["ping", 119]), json!([1, 2, 3])] {
        let items = items.as_array().unwrap().clone();
        assert_not_a_map::<ClientFrame>(Encoding::MsgPack, &msgpack_array(&items));
        let json = serde_json::to_vec(&items).unwrap();
        assert_refused(Encoding::Json, &json);
    }
    let send = json!(["send", 1, 2, "client-1", "hello", false]);
    let items = send.as_array().unwrap().clone();
    assert_not_a_map::<ClientFrame>(Encoding::MsgPack, &msgpack_array(&items));
}

#[test]
fn a_nested_record_written_as_an_array_is_refused() {
    let nested = [
        json!({"type": "subscribe", "id": 1, "team": 2, "after": [3, 4]}),
        json!({"type": "start_conversation", "id": 1, "team": 2, "contact": ["Ann", null, null]}),
    ];
    for value in nested {
        for encoding in BOTH {
            assert_not_a_map::<ClientFrame>(encoding, &encode_value(encoding, &value));
        }
    }
    // The same frames with maps decode.
    let good = json!({"type": "subscribe", "id": 1, "team": 2, "after": {"epoch": 3, "offset": 4}});
    for encoding in BOTH {
        decode::<ClientFrame>(encoding, &encode_value(encoding, &good), LIMIT).unwrap();
    }
}

#[test]
fn field_numbers_and_variant_indexes_are_refused() {
    // MessagePack map keys may be integers; serde would read 0 as the
    // first field.
    let mut numbered = vec![0x82];
    numbered.extend(rmp_serde::to_vec("type").unwrap());
    numbered.extend(rmp_serde::to_vec("ping").unwrap());
    numbered.extend([0x00, 0x05]);
    assert_not_a_map::<ClientFrame>(Encoding::MsgPack, &numbered);
    // A variant's index (8: ping) where the `type` string belongs, and a
    // role's index where its name belongs.
    let ping = json!({"type": 8, "id": 1});
    let msgpack = encode_value(Encoding::MsgPack, &ping);
    assert_not_a_map::<ClientFrame>(Encoding::MsgPack, &msgpack);
    assert_refused(Encoding::Json, &encode_value(Encoding::Json, &ping));
    let role = json!({"type": "set_role", "id": 1, "team": 2, "user": 3, "role": 0});
    for encoding in BOTH {
        assert_refused(encoding, &encode_value(encoding, &role));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// rmp-serde's compact form writes every struct as an array of its
    /// fields: no frame in that form decodes, in MessagePack, nor in JSON
    /// as the same arrays.
    #[test]
    fn every_client_frame_written_as_arrays_is_refused(frame in client_frame()) {
        let compact = rmp_serde::to_vec(&frame).unwrap();
        prop_assert!(decode::<ClientFrame>(Encoding::MsgPack, &compact, LIMIT).is_err());
        let as_json: Value = rmp_serde::from_slice(&compact).unwrap();
        prop_assert!(decode::<ClientFrame>(Encoding::Json, &serde_json::to_vec(&as_json).unwrap(), LIMIT).is_err());
    }

    #[test]
    fn every_server_frame_written_as_arrays_is_refused(frame in server_frame()) {
        let compact = rmp_serde::to_vec(&frame).unwrap();
        prop_assert!(decode::<ServerFrame>(Encoding::MsgPack, &compact, LIMIT).is_err());
    }
}
