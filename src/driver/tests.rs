//! The session driver's own timing: the drain of the output streams after an exit.

use std::time::Duration;

use tokio::time::Instant;

use super::drain;

#[tokio::test]
async fn two_streams_that_never_end_are_drained_within_one_bound_not_two() {
    let bound = Duration::from_millis(800);
    let readers = vec![
        tokio::spawn(std::future::pending::<()>()),
        tokio::spawn(std::future::pending::<()>()),
    ];
    let aborts: Vec<_> = readers
        .iter()
        .map(tokio::task::JoinHandle::abort_handle)
        .collect();
    let started = Instant::now();
    drain(readers, bound).await;
    let took = started.elapsed();
    eprintln!("two endless readers drained in {took:?} (bound {bound:?})");
    assert!(took >= bound, "gave up early: {took:?}");
    assert!(
        took < bound + bound / 2,
        "{took:?} for two readers and a bound of {bound:?}"
    );
    // What did not end in time is stopped.
    for a in aborts {
        tokio::time::timeout(Duration::from_secs(5), async {
            while !a.is_finished() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the reader is aborted");
    }
}

#[tokio::test]
async fn streams_that_end_end_the_drain_at_once() {
    let readers = vec![
        tokio::spawn(async {}),
        tokio::spawn(tokio::time::sleep(Duration::from_millis(50))),
    ];
    let started = Instant::now();
    drain(readers, Duration::from_secs(10)).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
