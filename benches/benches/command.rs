//! The `^command` grammar on the send path: every message body goes through
//! `classify`, so plain text must cost next to nothing, and a command is
//! parsed once per send.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use switchboard_protocol::command::{classify, parse};

fn bench_commands(c: &mut Criterion) {
    let mut group = c.benchmark_group("command");
    let deliver = "^deliver @user hired some note";
    group.bench_function("parse_deliver", |b| b.iter(|| parse(black_box(deliver))));
    group.bench_function("classify_deliver", |b| {
        b.iter(|| classify(black_box(deliver)))
    });
    let text = "Hi Grace, are you free on Tuesday for a call about the role?";
    group.bench_function("classify_plain_text", |b| {
        b.iter(|| classify(black_box(text)))
    });
    group.bench_function("classify_escaped_caret", |b| {
        b.iter(|| classify(black_box("^^5 stars from the last interview")))
    });
    group.bench_function("parse_bad_command", |b| {
        b.iter(|| parse(black_box("^assign bob")))
    });
    group.finish();
}

criterion_group!(benches, bench_commands);
criterion_main!(benches);
