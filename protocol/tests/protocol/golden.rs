//! The exact bytes of a few frames. If one of these fails, the wire format
//! changed: every client in every language breaks with it. Change the
//! expected bytes only together with PROTOCOL.md and a new protocol version.

use switchboard_protocol::client::Hello;
use switchboard_protocol::codec::probe_request_id;
use switchboard_protocol::model::{Message, Sender, SenderKind};
use switchboard_protocol::server::{ErrorFrame, Event, EventFrame, Reply, ResultFrame, SendAck};
use switchboard_protocol::{
    decode, encode, ClientFrame, ConversationId, Encoding, ErrorCode, Millis, Offset, RequestId,
    Seq, ServerFrame, TeamId,
};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    // Everything after a `#` on a line is a comment.
    let digits: Vec<u8> = text
        .lines()
        .flat_map(|line| line.split('#').next().unwrap_or("").bytes())
        .filter(u8::is_ascii_hexdigit)
        .collect();
    digits
        .chunks(2)
        .map(|pair| {
            // Two ASCII hex digits always form a valid hex byte.
            u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap()
        })
        .collect()
}

/// Pins both encodings of `frame`, in both directions.
fn assert_wire<T>(frame: &T, json: &str, msgpack_hex: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let encoded = encode(Encoding::Json, frame).unwrap();
    assert_eq!(std::str::from_utf8(&encoded).unwrap(), json);
    assert_eq!(
        &decode::<T>(Encoding::Json, json.as_bytes(), 1 << 16).unwrap(),
        frame
    );

    let expected = unhex(msgpack_hex);
    let encoded = encode(Encoding::MsgPack, frame).unwrap();
    assert_eq!(hex(&encoded), hex(&expected));
    assert_eq!(
        &decode::<T>(Encoding::MsgPack, &expected, 1 << 16).unwrap(),
        frame
    );
}

#[test]
fn hello() {
    // The example in PROTOCOL.md.
    assert_wire(
        &ClientFrame::Hello(Hello {
            version: 1,
            token: "abc123".into(),
        }),
        r#"{"type":"hello","version":1,"token":"abc123"}"#,
        "83                      # map, 3 entries
         a4 74797065             # \"type\"
         a5 68656c6c6f           # \"hello\"
         a7 76657273696f6e       # \"version\"
         01                      # 1
         a5 746f6b656e           # \"token\"
         a6 616263313233         # \"abc123\"",
    );
}

#[test]
fn send_ack() {
    // The `sent` result of PROTOCOL.md's worked session.
    assert_wire(
        &ServerFrame::Result(ResultFrame {
            id: RequestId(2),
            result: Reply::Sent(SendAck {
                conversation: ConversationId(5),
                seq: Seq(4),
                offset: Offset(42),
                at: Millis(1_767_225_600_123),
                duplicate: false,
            }),
            duplicate: false,
        }),
        r#"{"type":"result","id":2,"result":{"type":"sent","conversation":5,"seq":4,"offset":42,"at":1767225600123,"duplicate":false}}"#,
        "83 a4 74797065 a6 726573756c74                  # {type: result,
         a2 6964 02                                      #  id: 2,
         a6 726573756c74 86                              #  result: {6 entries
         a4 74797065 a4 73656e74                         #   type: sent,
         ac 636f6e766572736174696f6e 05                  #   conversation: 5,
         a3 736571 04                                    #   seq: 4,
         a6 6f6666736574 2a                              #   offset: 42,
         a2 6174 cf 0000019b76daa87b                     #   at: uint64 1767225600123,
         a9 6475706c6963617465 c2                        #   duplicate: false}}",
    );
}

#[test]
fn error_without_an_id() {
    // `id` is present as nil/null, not left out, when the server could not
    // read the request's id.
    assert_wire(
        &ServerFrame::Error(ErrorFrame {
            id: None,
            code: ErrorCode::BadFrame,
            message: "x".into(),
        }),
        r#"{"type":"error","id":null,"code":"bad_frame","message":"x"}"#,
        "84 a4 74797065 a5 6572726f72                    # {type: error,
         a2 6964 c0                                      #  id: nil,
         a4 636f6465 a9 6261645f6672616d65               #  code: bad_frame,
         a7 6d657373616765 a1 78                         #  message: x}",
    );
}

#[test]
fn message_event() {
    let frame = ServerFrame::Event(EventFrame {
        team: TeamId(1),
        offset: Offset(5),
        event: Event::Message(Message {
            conversation: ConversationId(2),
            seq: Seq(4),
            offset: Offset(5),
            sender: Sender {
                kind: SenderKind::Agent,
                id: 9,
                name: "Ada".into(),
            },
            body: "hi".into(),
            client_msg_id: Some("m-1".into()),
            at: Millis(1),
            status: None,
            post: None,
            delivery: None,
        }),
    });
    let json = r#"{"type":"event","team":1,"offset":5,"event":{"type":"message","conversation":2,"seq":4,"offset":5,"sender":{"kind":"agent","id":9,"name":"Ada"},"body":"hi","client_msg_id":"m-1","at":1}}"#;
    assert_eq!(
        std::str::from_utf8(&encode(Encoding::Json, &frame).unwrap()).unwrap(),
        json
    );
    assert_eq!(
        decode::<ServerFrame>(Encoding::Json, json.as_bytes(), 1 << 16).unwrap(),
        frame
    );
}

/// Every complete frame in PROTOCOL.md's worked session decodes, the
/// server's lines are byte for byte what the server writes, and a client
/// line shown as broken is answered by `bad_frame` with the id the server
/// can read from it.
#[test]
fn protocol_md_examples_are_real_frames() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../PROTOCOL.md");
    let doc = std::fs::read_to_string(path).expect("PROTOCOL.md sits at the workspace root");
    let mut checked = 0;
    // Set after a client line that does not decode: the id the next
    // server line, a `bad_frame` error, must carry.
    let mut broken: Option<Option<RequestId>> = None;
    for line in doc.lines() {
        let Some((who, frame)) = line.split_once(": ") else {
            continue;
        };
        if !frame.starts_with('{') || !frame.ends_with('}') {
            continue;
        }
        match who {
            "C" if !frame.contains("...") => {
                if decode::<ClientFrame>(Encoding::Json, frame.as_bytes(), 1 << 16).is_err() {
                    broken = Some(probe_request_id(Encoding::Json, frame.as_bytes(), 1 << 16));
                }
            }
            "S" => {
                if let Some(id) = broken.take() {
                    let id = id.map_or("null".to_string(), |id| id.to_string());
                    let expected = format!(r#"{{"type":"error","id":{id},"code":"bad_frame","#);
                    assert!(
                        frame.starts_with(&expected),
                        "{frame} should start {expected}"
                    );
                } else if !frame.contains("...") {
                    let decoded = decode::<ServerFrame>(Encoding::Json, frame.as_bytes(), 1 << 16)
                        .unwrap_or_else(|e| panic!("{frame}: {e}"));
                    let encoded = encode(Encoding::Json, &decoded).unwrap();
                    assert_eq!(std::str::from_utf8(&encoded).unwrap(), frame);
                }
            }
            _ => continue,
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} example frames found");
    assert!(broken.is_none(), "a broken client frame without its error");
    // The MessagePack hello of section 18.
    let hello = ClientFrame::Hello(Hello {
        version: 1,
        token: "abc123".into(),
    });
    let hex_hello = hex(&encode(Encoding::MsgPack, &hello).unwrap());
    assert!(doc.contains(&format!("`{hex_hello}`")), "{hex_hello}");
}

#[test]
fn close_codes_keep_their_numbers_and_reconnect_rules() {
    use switchboard_protocol::close::*;
    let table = [
        (NORMAL, 1000, false),
        (PROTOCOL_ERROR, 1002, true),
        (TOO_BIG, 1009, true),
        (INTERNAL, 1011, true),
        (RESTART, 1012, true),
        (HELLO_REQUIRED, 4000, false),
        (UNAUTHORIZED, 4001, false),
        (UNSUPPORTED_VERSION, 4002, false),
        (HELLO_TIMEOUT, 4003, true),
        (SLOW_CONSUMER, 4008, true),
        (ACCESS_CHANGED, 4009, true),
        (RATE_LIMITED, 4029, true),
        (TOO_MANY_CONNECTIONS, 4030, true),
        (PING_TIMEOUT, 4010, true),
    ];
    for (code, number, reconnect) in table {
        assert_eq!(code, number);
        assert_eq!(should_reconnect(code), reconnect, "close code {code}");
    }
    assert!(
        should_reconnect(4999),
        "an unknown code is treated like 1011"
    );
}
