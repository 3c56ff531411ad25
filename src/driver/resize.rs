//! The resizer of a tty session: sizes asked for come on a watch channel, and the latest is
//! sent once they pause for a moment, or at the latest a bound after the first of a burst
//! (a storm of resizes never postpones it); one that finds containerd away is sent again
//! until it lands or a newer size replaces it.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::domain::{ConsoleSize, ExecKey};
use crate::runtime::RuntimeError;

/// Resizes closer together than this are merged into the last one.
pub(super) const DEBOUNCE: Duration = Duration::from_millis(40);
/// However many requests follow the first of a burst, the latest is sent this long after it.
pub(super) const LONGEST: Duration = Duration::from_millis(120);
/// A resize that finds containerd away is tried again this often, this many times.
const RETRY: Duration = Duration::from_millis(500);
const RETRIES: u32 = 60;

/// When the size of a burst goes out: a quiet spell after its last request, but never later
/// than the bound after its first.
pub(super) fn due(first: Instant, last: Instant) -> Instant {
    (last + DEBOUNCE).min(first + LONGEST)
}

/// Sends the sizes asked for on `sizes` through `send` until the sender is dropped.
pub(super) async fn run<F, Fut>(
    key: ExecKey,
    mut sizes: watch::Receiver<Option<ConsoleSize>>,
    mut send: F,
) where
    F: FnMut(ConsoleSize) -> Fut,
    Fut: Future<Output = Result<(), RuntimeError>>,
{
    // A size that came while a resize was being retried is handled without waiting.
    let mut newer = false;
    loop {
        if !newer && sizes.changed().await.is_err() {
            return;
        }
        newer = false;
        let first = Instant::now();
        let mut last = first;
        loop {
            match tokio::time::timeout_at(due(first, last), sizes.changed()).await {
                Ok(Ok(())) => last = Instant::now(),
                Ok(Err(_)) => return,
                Err(_) => break,
            }
        }
        let Some(size) = *sizes.borrow_and_update() else {
            continue;
        };
        // While containerd is away the size is sent again until it lands (or a newer one
        // replaces it): a lost resize would leave the exec at its old size.
        for attempt in 0..RETRIES {
            tracing::debug!(exec = %key, rows = size.rows, cols = size.cols, "resize");
            match send(size).await {
                Ok(()) => break,
                Err(e) if e.is_outage() && attempt + 1 < RETRIES => {
                    tracing::debug!(exec = %key, error = %e, "resize: retrying");
                    match tokio::time::timeout(RETRY, sizes.changed()).await {
                        Ok(Ok(())) => {
                            newer = true;
                            break;
                        }
                        Ok(Err(_)) => return,
                        Err(_) => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(exec = %key, error = %e, "resize");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn key() -> ExecKey {
        ExecKey::test("box", "e1")
    }

    fn size(i: u16) -> ConsoleSize {
        ConsoleSize {
            rows: 10 + i,
            cols: 80,
        }
    }

    type Sent = mpsc::UnboundedReceiver<(Instant, ConsoleSize)>;
    type Sizes = watch::Sender<Option<ConsoleSize>>;

    /// A resizer whose sends are recorded (when, what); `fail` says which attempts find
    /// containerd away.
    fn resizer(
        mut fail: impl FnMut(usize) -> bool + Send + 'static,
    ) -> (Sizes, Sent, tokio::task::JoinHandle<()>) {
        let (tx, rx) = watch::channel(None);
        let (sent_tx, sent) = mpsc::unbounded_channel();
        let mut n = 0;
        let task = tokio::spawn(run(key(), rx, move |size| {
            let _ = sent_tx.send((Instant::now(), size));
            n += 1;
            let away = fail(n);
            async move {
                if away {
                    Err(RuntimeError::Timeout {
                        op: "resize",
                        secs: 1,
                    })
                } else {
                    Ok(())
                }
            }
        }));
        (tx, sent, task)
    }

    async fn next(
        sent: &mut mpsc::UnboundedReceiver<(Instant, ConsoleSize)>,
    ) -> (Instant, ConsoleSize) {
        tokio::time::timeout(Duration::from_secs(5), sent.recv())
            .await
            .expect("a resize within 5 s")
            .expect("the resizer runs")
    }

    #[test]
    fn a_burst_goes_out_after_a_quiet_spell_or_a_bound_after_its_first_request() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(due(t0, t0), t0 + DEBOUNCE);
        assert_eq!(due(t0, t0 + ms(10)), t0 + ms(10) + DEBOUNCE);
        // A request every 5 ms, for ever: the latest still goes out by the bound.
        for n in 0..1000 {
            assert!(due(t0, t0 + ms(5) * n) <= t0 + LONGEST);
        }
        assert_eq!(due(t0, t0 + ms(500)), t0 + LONGEST);
    }

    #[tokio::test]
    async fn a_storm_of_resizes_does_not_postpone_the_resize() {
        let (tx, mut sent, task) = resizer(|_| false);
        let start = Instant::now();
        // A request every 5 ms for at least 1.5 s.
        let storm = tokio::spawn(async move {
            for i in 0..300 {
                tx.send_replace(Some(size(i)));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tx
        });
        let (at, first) = next(&mut sent).await;
        eprintln!(
            "first resize of the storm: {:?} after its first request",
            at - start
        );
        assert!(
            at - start < LONGEST * 5,
            "the first resize went out {:?} after the first request",
            at - start
        );
        assert!(!storm.is_finished(), "sent while the requests still came");
        assert_ne!(first, size(299));
        let tx = storm.await.expect("storm");
        // The last size asked for is the last one sent, once.
        let mut last = first;
        while last != size(299) {
            last = next(&mut sent).await.1;
        }
        drop(tx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the resizer ends with its sender")
            .expect("resizer");
        assert!(sent.recv().await.is_none(), "nothing after the last size");
    }

    #[tokio::test]
    async fn a_burst_is_one_resize_of_its_last_size() {
        let (tx, mut sent, _task) = resizer(|_| false);
        for i in 0..3 {
            tx.send_replace(Some(size(i)));
        }
        assert_eq!(next(&mut sent).await.1, size(2));
        let quiet = tokio::time::timeout(LONGEST * 3, sent.recv()).await;
        assert!(quiet.is_err(), "a second resize: {quiet:?}");
    }

    #[tokio::test]
    async fn a_resize_that_finds_containerd_away_is_sent_again_until_it_lands() {
        // The first two attempts find containerd away.
        let (tx, mut sent, _task) = resizer(|n| n <= 2);
        tx.send_replace(Some(size(1)));
        let (t1, a) = next(&mut sent).await;
        let (t2, b) = next(&mut sent).await;
        let (_, c) = next(&mut sent).await;
        assert_eq!((a, b, c), (size(1), size(1), size(1)));
        assert!(t2 - t1 >= RETRY, "retried after {:?}", t2 - t1);
        let quiet = tokio::time::timeout(RETRY * 2, sent.recv()).await;
        assert!(quiet.is_err(), "sent again after it landed: {quiet:?}");
    }

    #[tokio::test]
    async fn a_newer_size_replaces_one_being_retried() {
        let (tx, mut sent, _task) = resizer(|n| n == 1);
        tx.send_replace(Some(size(1)));
        assert_eq!(next(&mut sent).await.1, size(1));
        tx.send_replace(Some(size(2)));
        let (_, b) = next(&mut sent).await;
        assert_eq!(b, size(2), "the newer size, not the old one again");
        let quiet = tokio::time::timeout(RETRY * 2, sent.recv()).await;
        assert!(quiet.is_err(), "the old size came back: {quiet:?}");
    }
}
