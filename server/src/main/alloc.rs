//! The server's allocator: jemalloc, in place of the C library's.
//!
//! Every write crosses threads: a hub's thread encodes an event and sled's
//! pages, a connection's writer or one of sled's IO threads frees them.
//! glibc's malloc serialises those frees on the allocating thread's arena
//! lock. In a profile of durable sends (8 senders x 32 in flight) the
//! hubs' threads made 183,000 futex calls in 4 s, almost all of them in
//! malloc, realloc and free waiting on or waking such a lock; with jemalloc,
//! whose thread caches batch frees back to their arena, 9,800. Against the
//! build before, interleaved (three rounds each): acknowledged sends 34,900
//! against 19,200/s, p99 19.4 against 41.0 ms; the fan-out's knee 400
//! against 200 msg/s. A reconnect storm of 19,000 clients is slower
//! (5.74 against 4.56 s): the live traffic goes out in smaller batches,
//! more writes for the same events (README, Performance).
//!
//! Two arenas, one per core of the machines measured, instead of jemalloc's
//! four per core: each arena keeps partly used pages of its own, and over
//! eight arenas an idle connection's few allocations (made by whichever
//! thread served it) held 6.03 KiB of resident memory against 5.78-5.86 KiB
//! over two. The option is built into jemalloc (`JEMALLOC_SYS_WITH_MALLOC_CONF`
//! in `.cargo/config.toml`, which cargo reads when run inside the checkout;
//! a value already in the build's environment wins); `_RJEM_MALLOC_CONF`
//! in the server's environment overrides it at start.

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
