//! Encode and decode of the two hottest frames, in both encodings: the
//! `message` event every subscriber receives (encoded once per event by the
//! server, decoded once per delivery by every client) and the `send` frame
//! every sender writes (decoded once per message by the server).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use switchboard_protocol::client::{ClientFrame, SendMessage};
use switchboard_protocol::ids::{ConversationId, Millis, Offset, RequestId, Seq, TeamId};
use switchboard_protocol::model::{Message, Sender, SenderKind};
use switchboard_protocol::server::{Event, EventFrame, ServerFrame};
use switchboard_protocol::{decode, encode, Encoding};

/// The body size the load targets are stated for.
const BODY_BYTES: usize = 200;
/// Generous: the frames here are a few hundred bytes.
const MAX_FRAME: usize = 64 * 1024;

fn body() -> String {
    let mut body = String::from("Hi Grace, are you free on Tuesday for a call about the role? ");
    while body.len() < BODY_BYTES {
        body.push('.');
    }
    body
}

fn message_event() -> ServerFrame {
    ServerFrame::Event(EventFrame {
        team: TeamId(7),
        offset: Offset(1_234_567),
        event: Event::Message(Message {
            conversation: ConversationId(42),
            seq: Seq(98_765),
            offset: Offset(1_234_567),
            sender: Sender {
                kind: SenderKind::Agent,
                id: 3,
                name: "Ada Lovelace".into(),
            },
            body: body(),
            client_msg_id: Some("7f3c2a9e-0001-4b7d-9c1e-5a2f3b4c5d6e".into()),
            at: Millis(1_767_225_600_123),
            status: None,
            post: None,
            delivery: None,
        }),
    })
}

fn send_frame() -> ClientFrame {
    ClientFrame::Send(SendMessage {
        id: RequestId(1_001),
        conversation: ConversationId(42),
        client_msg_id: "7f3c2a9e-0001-4b7d-9c1e-5a2f3b4c5d6e".into(),
        body: body(),
        as_contact: false,
        post: None,
    })
}

fn encodings() -> [(Encoding, &'static str); 2] {
    [(Encoding::MsgPack, "msgpack"), (Encoding::Json, "json")]
}

fn bench_event(c: &mut Criterion) {
    let frame = message_event();
    let mut group = c.benchmark_group("message_event");
    for (encoding, name) in encodings() {
        // Encoding a valid frame cannot fail.
        let bytes = encode(encoding, &frame).expect("the event encodes");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("encode", name), &frame, |b, frame| {
            b.iter(|| encode(encoding, black_box(frame)))
        });
        group.bench_with_input(BenchmarkId::new("decode", name), &bytes, |b, bytes| {
            b.iter(|| decode::<ServerFrame>(encoding, black_box(bytes), MAX_FRAME))
        });
    }
    group.finish();
}

fn bench_send(c: &mut Criterion) {
    let frame = send_frame();
    let mut group = c.benchmark_group("send_frame");
    for (encoding, name) in encodings() {
        // Encoding a valid frame cannot fail.
        let bytes = encode(encoding, &frame).expect("the send frame encodes");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("encode", name), &frame, |b, frame| {
            b.iter(|| encode(encoding, black_box(frame)))
        });
        group.bench_with_input(BenchmarkId::new("decode", name), &bytes, |b, bytes| {
            b.iter(|| decode::<ClientFrame>(encoding, black_box(bytes), MAX_FRAME))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_event, bench_send);
criterion_main!(benches);
