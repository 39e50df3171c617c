use super::{fold, shorten, Frames, Row};

/// Five samples as `perf script --no-inline` prints them (innermost frame
/// first): three under the hub's send (two of them in sled's page cache,
/// one in a recursive encoder), one in a connection's writer, one in the
/// flusher thread's kernel call.
const PERF_SCRIPT: &str = "\
tokio-rt-worker 101 50105.908432:    5000000 cpu-clock: 
\t         12eb62f sled::pagecache::PageCache::get+0x1af (/bin/switchboard)
\t          e72f27 switchboard_server::store::sled_store::SledStore::index_message+0x4d7 (/bin/switchboard)
\t         122b576 switchboard_server::hub::writes::<impl switchboard_server::hub::actor::Hub>::send+0x636 (/bin/switchboard)
\t         16efcfa tokio::runtime::scheduler::multi_thread::worker::Context::run_task+0x15a (/bin/switchboard)

tokio-rt-worker 102 50105.910567:    5000000 cpu-clock: 
\t          16d824 __memmove_avx512_unaligned_erms+0x24 (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t         14166d8 tungstenite::protocol::frame::frame::Frame::format_into_buf+0x1c8 (/bin/switchboard)
\t          fd11d7 switchboard_server::connection::writer::write::{{closure}}+0x327 (/bin/switchboard)
\t         16efcfa tokio::runtime::scheduler::multi_thread::worker::Context::run_task+0x15a (/bin/switchboard)

tokio-rt-worker 101 50105.912001:    5000000 cpu-clock: 
\t         12eb62f sled::pagecache::PageCache::get+0x1af (/bin/switchboard)
\t         107d658 sled::tree::Tree::insert+0x248 (/bin/switchboard)
\t          e72f27 switchboard_server::store::sled_store::SledStore::index_message+0x4d7 (/bin/switchboard)
\t         122b576 switchboard_server::hub::writes::<impl switchboard_server::hub::actor::Hub>::send+0x636 (/bin/switchboard)
\t         16efcfa tokio::runtime::scheduler::multi_thread::worker::Context::run_task+0x15a (/bin/switchboard)

tokio-rt-worker 101 50105.914002:    5000000 cpu-clock: 
\t          f17f3b <&mut rmp_serde::encode::Serializer<W,C> as serde_core::ser::Serializer>::serialize_u64+0x46b (/bin/switchboard)
\t          f17f00 <&mut rmp_serde::encode::Serializer<W,C> as serde_core::ser::Serializer>::serialize_u64+0x10 (/bin/switchboard)
\t         116fc0e switchboard_server::outlet::encode_frame+0xce (/bin/switchboard)
\t         122b576 switchboard_server::hub::writes::<impl switchboard_server::hub::actor::Hub>::send+0x636 (/bin/switchboard)
\t         16efcfa tokio::runtime::scheduler::multi_thread::worker::Context::run_task+0x15a (/bin/switchboard)

switchboard-flu 110 50105.916003:    5000000 cpu-clock: 
\tffffffff8170e0a6 alloc_fd+0x46 ([kernel.kallsyms])
\tffffffff816d8c22 do_sys_openat2+0x72 ([kernel.kallsyms])
\t           fd001 __open64_nocancel+0x41 (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t         1168d10 switchboard_server::store::sled_store::disk::sync_changed+0xc0 (/bin/switchboard)

";

fn row(name: &str, inclusive: f64, own: f64) -> Row {
    Row {
        name: name.to_string(),
        inclusive,
        own,
    }
}

#[test]
fn a_perf_script_folds_into_the_frames_most_often_running() {
    let folded = fold(PERF_SCRIPT.as_bytes()).unwrap();
    let frames = Frames::of_folded(&folded);
    assert_eq!(frames.weight, 5 * 5_000_000);
    let top = frames.by_self(3);
    assert_eq!(top[0], row("PageCache::get", 0.4, 0.4));
    // One sample each, in name order: the kernel frame marked as such.
    assert_eq!(
        top[1],
        row("<Serializer as Serializer>::serialize_u64", 0.2, 0.2)
    );
    assert_eq!(top[2], row("__memmove_avx512_unaligned_erms", 0.2, 0.2));
    assert!(frames.by_self(10).iter().any(|r| r.name == "alloc_fd_[k]"));
}

#[test]
fn the_servers_own_frames_rank_by_the_time_under_them() {
    let frames = Frames::of_folded(&fold(PERF_SCRIPT.as_bytes()).unwrap());
    let ours = frames.ours_by_inclusive(3);
    assert_eq!(ours[0], row("Hub::send", 0.6, 0.0));
    assert_eq!(ours[1], row("SledStore::index_message", 0.4, 0.0));
    // Neither the runtime nor a library is Switchboard's code.
    assert!(ours
        .iter()
        .all(|r| !r.name.contains("run_task") && !r.name.contains("PageCache")));
    assert_eq!(
        frames.threads(),
        vec![
            ("tokio-rt-worker".to_string(), 0.8),
            ("switchboard-flu".to_string(), 0.2)
        ]
    );
}

#[test]
fn a_library_frame_on_the_servers_types_is_not_the_servers() {
    let folded = "t;switchboard_server::hub::Registry::start::{{closure}};\
                  core::ptr::drop_in_place<switchboard_server::hub::Event> 1\n";
    let ours = Frames::of_folded(folded).ours_by_inclusive(5);
    let names: Vec<&str> = ours.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Registry::start::{{closure}}"]);
}

#[test]
fn a_recursive_frame_counts_once_per_sample() {
    let folded = "t;a;b;a;b 3\nt;a 1\n";
    let frames = Frames::of_folded(folded);
    assert_eq!(frames.by_self(1), vec![row("b", 0.75, 0.75)]);
    assert_eq!(frames.by_self(2)[1], row("a", 1.0, 0.25));
}

#[test]
fn lines_that_are_not_stacks_are_skipped() {
    let frames = Frames::of_folded("\nno count here\nt;a x\nt;a 2\n");
    assert_eq!(frames.weight, 2);
    assert!(Frames::of_folded("").by_self(5).is_empty());
}

#[test]
fn names_lose_their_generics_and_long_paths() {
    for (long, short) in [
        (
            "<tokio_tungstenite::WebSocketStream<T> as futures_sink::Sink<tungstenite::Message>>::start_send",
            "<WebSocketStream as Sink>::start_send",
        ),
        (
            "switchboard_server::hub::writes::<impl switchboard_server::hub::actor::Hub>::send",
            "Hub::send",
        ),
        (
            "switchboard_server::connection::writer::write_loop::{{closure}}",
            "writer::write_loop::{{closure}}",
        ),
        (
            "tokio::runtime::task::core::Core<T,S>::poll",
            "Core::poll",
        ),
        (
            "<F as core::ops::function::FnOnce<()>>::call_once{{vtable.shim}}",
            "<F as FnOnce>::call_once{{vtable.shim}}",
        ),
        (
            "alloc::boxed::Box<dyn Fn(u8) -> u8>::new",
            "Box::new",
        ),
        ("__memmove_avx512_unaligned_erms", "__memmove_avx512_unaligned_erms"),
        ("do_syscall_64_[k]", "do_syscall_64_[k]"),
        ("[unknown]", "[unknown]"),
    ] {
        assert_eq!(shorten(long), short, "{long}");
    }
}
