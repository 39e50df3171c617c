//! A logged-in session fed arbitrary messages. Input: the first byte picks
//! the encoding (even: MessagePack over binary messages, odd: JSON over
//! text), the rest is split on `SEPARATOR` into WebSocket messages.
//!
//! One server (temp dir, sled store, one seeded account) is shared by all
//! inputs; each input gets its own connection. Asserts: every message with
//! a readable request id is answered exactly once, then a ping is answered
//! (the connection stays usable), unless the server closed the connection
//! with a documented code.
#![no_main]

use futures::{SinkExt, StreamExt};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;
use switchboard_protocol::client::{ClientFrame, Hello, Ping};
use switchboard_protocol::codec::{decode, encode, probe_request_id, Encoding};
use switchboard_protocol::codes::close;
use switchboard_protocol::server::ServerFrame;
use switchboard_protocol::{RequestId, PROTOCOL_VERSION};
use switchboard_server::admin::{self, NewUser};
use switchboard_server::store::TokenKind;
use switchboard_server::{Config, Server};
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// Splits the input into messages.
const SEPARATOR: &[u8] = b"\n\x00\n";
/// The server's default `max_frame_bytes`.
const LIMIT: usize = 64 * 1024;
/// Ids the harness uses for its own pings.
const PING: RequestId = RequestId(u64::MAX - 1);
/// How long the harness waits for any answer.
const PATIENCE: Duration = Duration::from_secs(10);

struct Harness {
    rt: Runtime,
    url: String,
    token: String,
    _server: Server,
    _dir: tempfile::TempDir,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let dir = tempfile::tempdir().expect("a temp dir");
        let config = Config::new("127.0.0.1:0".parse().expect("an address"), dir.path());
        let server = rt
            .block_on(Server::start(config))
            .expect("the server starts");
        let store = server.store();
        let owner = NewUser {
            email: "fuzz@example.test".into(),
            name: "Fuzz".into(),
            handle: None,
        };
        let (account, _) = admin::create_account(store.as_ref(), "Fuzz", &owner).expect("seeds");
        admin::create_team(store.as_ref(), account.id, "Fuzz", "fuzz", "+1 555 0000")
            .expect("seeds");
        let (_, token) = admin::token_for_email(
            store.as_ref(),
            "fuzz@example.test",
            TokenKind::Session,
            None,
        )
        .expect("a token");
        Harness {
            url: format!("ws://{}/ws", server.local_addr()),
            rt,
            token,
            _server: server,
            _dir: dir,
        }
    })
}

fn message(encoding: Encoding, bytes: Vec<u8>) -> Message {
    match encoding {
        Encoding::Json => Message::Text(String::from_utf8_lossy(&bytes).into_owned().into()),
        Encoding::MsgPack => Message::Binary(bytes.into()),
    }
}

fn split(mut rest: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    while let Some(at) = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        parts.push(&rest[..at]);
        rest = &rest[at + SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

async fn run(h: &Harness, encoding: Encoding, parts: Vec<&[u8]>) {
    let mut request = h.url.as_str().into_client_request().expect("a url");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(encoding.subprotocol()),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connects");
    let hello = ClientFrame::Hello(Hello {
        version: PROTOCOL_VERSION,
        token: h.token.clone(),
    });
    ws.send(message(
        encoding,
        encode(encoding, &hello).expect("encodes"),
    ))
    .await
    .expect("sends");

    let mut expected: HashMap<RequestId, usize> = HashMap::new();
    let mut welcomed = false;
    for part in parts.into_iter().take(32) {
        let msg = message(encoding, part.to_vec());
        let sent = match &msg {
            Message::Text(text) => text.as_bytes().to_vec(),
            Message::Binary(bytes) => bytes.to_vec(),
            _ => Vec::new(),
        };
        if let Some(id) = probe_request_id(encoding, &sent, LIMIT) {
            if id == PING || expected.contains_key(&id) {
                continue; // the oracle needs distinct ids
            }
            expected.insert(id, 0);
        }
        if ws.send(msg).await.is_err() {
            break;
        }
    }
    expected.insert(PING, 0);
    let ping = ClientFrame::Ping(Ping { id: PING });
    let _ = ws
        .send(message(encoding, encode(encoding, &ping).expect("encodes")))
        .await;
    loop {
        let next = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("answers in time");
        let bytes = match next {
            Some(Ok(Message::Binary(b))) => b.to_vec(),
            Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
            Some(Ok(Message::Close(frame))) => {
                let code: Option<u16> = frame.map(|f| f.code.into());
                assert!(
                    matches!(code, Some(close::PROTOCOL_ERROR | close::TOO_BIG)),
                    "closed with {code:?}"
                );
                return;
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => panic!("dropped without a close frame"),
        };
        let frame: ServerFrame = decode(encoding, &bytes, 1 << 24).expect("valid server frames");
        let id = match &frame {
            ServerFrame::Welcome(_) => {
                assert!(!welcomed, "welcomed twice");
                welcomed = true;
                continue;
            }
            ServerFrame::Result(r) => r.id,
            ServerFrame::Error(e) => match e.id {
                Some(id) => id,
                None => continue,
            },
            _ => continue,
        };
        let count = expected
            .get_mut(&id)
            .unwrap_or_else(|| panic!("unasked {id:?}: {frame:?}"));
        *count += 1;
        assert_eq!(*count, 1, "{id:?} answered twice");
        if expected.values().all(|&n| n == 1) {
            break;
        }
    }
    let _ = ws.close(None).await;
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let encoding = if selector % 2 == 0 {
        Encoding::MsgPack
    } else {
        Encoding::Json
    };
    let h = harness();
    h.rt.block_on(run(h, encoding, split(rest)));
});
