//! Frame decoding in both encodings: the first input byte picks the
//! encoding (even: MessagePack, odd: JSON), the rest is one WebSocket
//! message. Decoding must never panic; a frame that decodes must encode and
//! decode again to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_protocol::codec::probe_request_id;
use switchboard_protocol::{decode, encode, ClientFrame, Encoding, ServerFrame};

/// The server's default `max_frame_bytes`.
const LIMIT: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let encoding = if selector % 2 == 0 {
        Encoding::MsgPack
    } else {
        Encoding::Json
    };
    let _ = probe_request_id(encoding, bytes, LIMIT);
    let _ = decode::<ServerFrame>(encoding, bytes, LIMIT);
    if let Ok(frame) = decode::<ClientFrame>(encoding, bytes, LIMIT) {
        let again = encode(encoding, &frame).expect("a decoded frame encodes");
        let back =
            decode::<ClientFrame>(encoding, &again, usize::MAX).expect("an encoded frame decodes");
        assert_eq!(back, frame);
    }
});
