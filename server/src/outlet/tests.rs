//! The outbox's bounds: what is shed, what closes, what waits.

use super::*;

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
