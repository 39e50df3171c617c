//! The outbox's bounds: what is shed, what closes, what waits.

use super::*;
use switchboard_protocol::close;

fn bounded(bytes: usize) -> (Outlet, Arc<Outbox>, Arc<AtomicUsize>) {
    let high_water = Arc::new(AtomicUsize::new(0));
    let bounds = Bounds { frames: 100, bytes };
    let (outlet, outbox) = Outlet::bounded(1, Encoding::MsgPack, bounds, Arc::clone(&high_water));
    (outlet, outbox, high_water)
}

#[tokio::test]
async fn signals_are_shed_past_half_the_bytes_and_frames_past_the_bound_close() {
    let (outlet, outbox, high_water) = bounded(100);
    assert!(outlet.push(Bytes::from(vec![0; 40])));
    assert!(outlet.offer(Bytes::from(vec![1; 10])));
    assert!(
        !outlet.offer(Bytes::from(vec![1; 10])),
        "past 50 bytes: shed"
    );
    assert!(outlet.push(Bytes::from(vec![0; 50])));
    assert!(
        !outlet.push(Bytes::from(vec![0; 1])),
        "past 100 bytes: closed"
    );
    assert!(
        matches!(outbox.work().await, Work::Close(ref f, close::SLOW_CONSUMER, _) if f.is_empty())
    );
    assert_eq!(high_water.load(Ordering::Relaxed), 100);
}

#[tokio::test]
async fn bytes_taken_by_the_writer_count_until_written() {
    let (outlet, outbox, _) = bounded(100);
    assert!(outlet.push(Bytes::from(vec![0; 80])));
    let Work::Write(frames) = outbox.work().await else {
        panic!("expected frames to write");
    };
    assert!(
        !outlet.offer(Bytes::from(vec![1; 10])),
        "still in the writer's hands"
    );
    outbox.written(frames.iter().map(Bytes::len).sum());
    assert!(outlet.push(Bytes::from(vec![0; 100])));
}

#[tokio::test]
async fn a_batch_too_large_for_a_reader_that_kept_up_is_refused_and_the_connection_stays_open() {
    let (outlet, outbox, _) = bounded(100);
    assert!(outlet.push(Bytes::from(vec![0; 30])));
    let burst = [Bytes::from(vec![1; 50]), Bytes::from(vec![1; 50])];
    assert_eq!(outlet.push_batch(&burst), Batch::NoRoom);
    assert_eq!(outlet.push_batch(&burst[..1]), Batch::Queued);
    // Past three quarters held, the reader is behind: closed.
    assert_eq!(outlet.push_batch(&burst[..1]), Batch::Closed);
    assert!(matches!(
        outbox.work().await,
        Work::Close(_, close::SLOW_CONSUMER, _)
    ));
}

#[tokio::test]
async fn drained_waits_until_the_writer_has_written_down_to_a_quarter() {
    let (outlet, outbox, _) = bounded(100);
    assert!(outlet.push(Bytes::from(vec![0; 60])));
    let room = outlet.room();
    assert_eq!((room.soft.bytes, room.hard.bytes), (0, 40));
    let waiting = tokio::spawn({
        let outlet = outlet.clone();
        async move { outlet.drained().await }
    });
    let Work::Write(frames) = outbox.work().await else {
        panic!("expected frames to write");
    };
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished(), "still in the writer's hands");
    outbox.written(frames.iter().map(Bytes::len).sum());
    assert!(waiting.await.unwrap(), "drained, open");
}

#[tokio::test]
async fn a_ping_asked_twice_goes_once_after_what_is_queued_and_a_close_wins_over_it() {
    let (outlet, outbox, _) = bounded(100);
    outlet.ping();
    assert!(outlet.push(Bytes::from(vec![0; 10])));
    outlet.ping();
    assert!(matches!(outbox.work().await, Work::Write(ref f) if f.len() == 1));
    assert!(matches!(outbox.work().await, Work::Ping));
    outlet.ping();
    outlet.close(close::NORMAL, "");
    assert!(matches!(
        outbox.work().await,
        Work::Close(_, close::NORMAL, _)
    ));
}

/// A writer of the test: counts itself `waiting` once it waits for work,
/// then takes it and notes its place in the order the writers ran.
fn writer(
    runtime: &tokio::runtime::Runtime,
    outbox: Arc<Outbox>,
    waiting: Arc<AtomicUsize>,
    ran: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<usize> {
    runtime.spawn(async move {
        let mut work = std::pin::pin!(outbox.work());
        assert!(
            futures::poll!(work.as_mut()).is_pending(),
            "work before any push"
        );
        waiting.fetch_add(1, Ordering::SeqCst);
        let Work::Write(_) = work.await else {
            panic!("expected frames to write");
        };
        ran.fetch_add(1, Ordering::SeqCst)
    })
}

/// A big team's fan-out woken through its pacer, then a small team's
/// writer woken at once, both from outside the runtime (as hubs do from
/// their own threads) while its one worker is busy: the small team's writer
/// runs after at most a pace of the big team's, not after all of them,
/// and every big team's writer runs.
#[test]
fn a_small_teams_writer_waits_behind_a_pace_of_a_big_fan_out_not_all_of_it() {
    const BIG: usize = 1_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (waiting, ran) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let frame = [Bytes::from_static(b"event")];
    let (big, big_writers): (Vec<_>, Vec<_>) = (0..BIG)
        .map(|_| {
            let (outlet, outbox) = Outlet::new(1, Encoding::MsgPack, 10);
            let writer = writer(&runtime, outbox, Arc::clone(&waiting), Arc::clone(&ran));
            (outlet, writer)
        })
        .unzip();
    let (small, small_outbox) = Outlet::new(2, Encoding::MsgPack, 10);
    let small_writer = writer(
        &runtime,
        small_outbox,
        Arc::clone(&waiting),
        Arc::clone(&ran),
    );
    while waiting.load(Ordering::SeqCst) < BIG + 1 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // The worker is held busy (as by other connections' writes) while
    // the big team's turn and then the small team's are handed out.
    let (hold, held) = std::sync::mpsc::channel::<()>();
    let (busy, is_busy) = std::sync::mpsc::channel::<()>();
    runtime.spawn(async move {
        busy.send(()).unwrap();
        held.recv().unwrap();
    });
    is_busy.recv().unwrap();
    let pacer = Pacer::new(runtime.handle().clone());
    let mut wakes = Wakes::default();
    for outlet in &big {
        assert_eq!(outlet.push_batch_paced(&frame, &mut wakes), Batch::Queued);
    }
    pacer.wake(wakes);
    assert!(small.push(frame[0].clone()));
    hold.send(()).unwrap();
    let place = runtime.block_on(small_writer).unwrap();
    assert!(
        place <= 2 * pacer::PACE,
        "the small team's writer ran after {place} of the big team's"
    );
    runtime.block_on(async {
        for writer in big_writers {
            writer.await.unwrap();
        }
    });
    assert_eq!(ran.load(Ordering::SeqCst), BIG + 1);
}

/// A pacer whose runtime is gone (a server shutting down) still wakes
/// every writer it was handed: none waits for a wake-up that never comes.
#[test]
fn a_pacer_whose_runtime_is_gone_wakes_everyone_at_once() {
    let gone = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let pacer = Pacer::new(gone.handle().clone());
    gone.shutdown_background();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap();
    let (waiting, ran) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let frame = [Bytes::from_static(b"event")];
    let mut wakes = Wakes::default();
    let writers: Vec<_> = (0..4 * pacer::PACE)
        .map(|i| {
            let (outlet, outbox) = Outlet::new(1, Encoding::MsgPack, 10);
            let writer = writer(&runtime, outbox, Arc::clone(&waiting), Arc::clone(&ran));
            while waiting.load(Ordering::SeqCst) <= i {
                std::thread::yield_now();
            }
            assert_eq!(outlet.push_batch_paced(&frame, &mut wakes), Batch::Queued);
            writer
        })
        .collect();
    pacer.wake(wakes);
    runtime.block_on(async {
        for writer in writers {
            tokio::time::timeout(std::time::Duration::from_secs(10), writer)
                .await
                .expect("a writer was never woken")
                .unwrap();
        }
    });
}
