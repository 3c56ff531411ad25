//! An exec's stdin, written on a task of its own with backpressure: a writer of user input
//! waits while the exec does not read (nothing is dropped), terminal replies (made from
//! the exec's own output) are dropped when their small queue is full, and what could not be
//! delivered is counted, so an exec that stops reading its input is told apart from one
//! that took all of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Chunks of user input between the writers and the pipe; a writer waits beyond this.
const USER_QUEUE: usize = 8;
/// Replies of the terminal waiting to be written; more are dropped (the exec's output
/// makes them, so it must not be able to grow this).
const REPLY_QUEUE: usize = 64;
/// Largest chunk handed to the writer at once, so that replies interleave with a paste.
pub const CHUNK: usize = 64 * 1024;

/// The stdin could not take what was written: the exec exited or closed its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the exec no longer reads its input")]
pub struct StdinClosed;

/// What became of the input once the session ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StdinReport {
    /// Bytes of user input written to the exec's stdin.
    pub delivered: u64,
    /// Whether some user input was written to no one: refused by a closed pipe, or still
    /// queued or being written when the session ended.
    pub lost: bool,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    /// Bytes taken from the queue and not yet written.
    in_flight: AtomicU64,
    /// A write failed: nothing more will be delivered.
    failed: AtomicBool,
    /// Bytes offered after the pipe failed or with the session over.
    refused: AtomicBool,
}

/// Where user input is written: a sender waits while the exec does not read. Clones share
/// the pipe; the stdin closes once every handle is dropped and the queue is written.
#[derive(Debug, Clone)]
pub struct StdinHandle {
    user: mpsc::Sender<Vec<u8>>,
    counters: Arc<Counters>,
}

/// Where a terminal queues its replies to the program's queries: dropped when the small
/// queue is full, never waited for. It does not keep the stdin open.
#[derive(Debug, Clone)]
pub struct ReplySender {
    replies: mpsc::Sender<Vec<u8>>,
}

impl ReplySender {
    /// Queues a reply; false when it was dropped (the queue is full or closed).
    pub fn send(&self, bytes: Vec<u8>) -> bool {
        self.replies.try_send(bytes).is_ok()
    }
}

impl StdinHandle {
    /// Queues user input, waiting while the queue is full.
    pub async fn send(&self, bytes: Vec<u8>) -> Result<(), StdinClosed> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.user.send(bytes).await.is_err() {
            self.counters.refused.store(true, Ordering::Relaxed);
            return Err(StdinClosed);
        }
        Ok(())
    }

    /// `send` from a thread outside the runtime (a reader of the caller's stdin): blocks.
    pub fn blocking_send(&self, bytes: Vec<u8>) -> Result<(), StdinClosed> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.user.blocking_send(bytes).is_err() {
            self.counters.refused.store(true, Ordering::Relaxed);
            return Err(StdinClosed);
        }
        Ok(())
    }

    /// Waits for room in the user queue: what a sender that must not block holds its
    /// input with until then.
    pub async fn reserve(&self) -> Result<mpsc::Permit<'_, Vec<u8>>, StdinClosed> {
        self.user.reserve().await.map_err(|_| {
            self.counters.refused.store(true, Ordering::Relaxed);
            StdinClosed
        })
    }
}

/// The task that owns the write end of the exec's stdin.
pub struct StdinWriter {
    handle: Option<StdinHandle>,
    replies: ReplySender,
    /// Counts what is still queued when the session stops, without keeping the queue open.
    queue: mpsc::WeakSender<Vec<u8>>,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
    ended: bool,
}

impl StdinWriter {
    pub fn spawn(pipe: crate::backend::Input) -> Self {
        let (user_tx, user_rx) = mpsc::channel::<Vec<u8>>(USER_QUEUE);
        let (reply_tx, reply_rx) = mpsc::channel::<Vec<u8>>(REPLY_QUEUE);
        let counters = Arc::new(Counters::default());
        let task = tokio::spawn(write_loop(pipe, user_rx, reply_rx, counters.clone()));
        Self {
            queue: user_tx.downgrade(),
            handle: Some(StdinHandle {
                user: user_tx,
                counters: counters.clone(),
            }),
            replies: ReplySender { replies: reply_tx },
            counters,
            task,
            ended: false,
        }
    }

    /// Where terminal replies go.
    pub fn replies(&self) -> ReplySender {
        self.replies.clone()
    }

    /// A handle for another writer (the session keeps its own until `close`).
    pub fn handle(&self) -> Option<StdinHandle> {
        self.handle.clone()
    }

    /// Drops the session's own handle: once every other handle is gone and the queue is
    /// written, the task ends (and the pipe closes).
    pub fn close(&mut self) {
        self.handle = None;
    }

    /// Ends once the task has ended (every handle dropped and the queue written, or the
    /// pipe failed); pending for good after that, so it can stand in a `select!`.
    pub async fn ended(&mut self) {
        if self.ended {
            return std::future::pending().await;
        }
        let _ = (&mut self.task).await;
        self.ended = true;
    }

    /// Drops the session's handle and waits for the task to end, within `bound`; true when
    /// it did.
    pub async fn finish(&mut self, bound: std::time::Duration) -> bool {
        self.handle = None;
        if self.ended {
            return true;
        }
        let done = tokio::time::timeout(bound, &mut self.task).await.is_ok();
        self.ended |= done;
        done
    }

    /// Stops writing now and says what became of the input.
    pub fn stop(self) -> StdinReport {
        self.task.abort();
        let c = &self.counters;
        let queued = self
            .queue
            .upgrade()
            .map_or(0, |s| s.max_capacity() - s.capacity());
        StdinReport {
            delivered: c.delivered.load(Ordering::Relaxed),
            lost: c.failed.load(Ordering::Relaxed)
                || c.refused.load(Ordering::Relaxed)
                || c.in_flight.load(Ordering::Relaxed) > 0
                || queued > 0,
        }
    }
}

/// Writes replies first (they answer what the program just asked), then user input, until
/// the user side closes or a write fails.
async fn write_loop(
    mut pipe: crate::backend::Input,
    mut user: mpsc::Receiver<Vec<u8>>,
    mut replies: mpsc::Receiver<Vec<u8>>,
    counters: Arc<Counters>,
) {
    let mut replies_open = true;
    loop {
        let (bytes, is_user) = tokio::select! {
            biased;
            r = replies.recv(), if replies_open => {
                let Some(b) = r else {
                    replies_open = false;
                    continue;
                };
                (b, false)
            }
            u = user.recv() => if let Some(b) = u { (b, true) } else {
                // End of input: a stream (Kubernetes) learns it from the shutdown.
                let _ = pipe.shutdown().await;
                return;
            },
        };
        let n = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if is_user {
            counters.in_flight.store(n, Ordering::Relaxed);
        }
        let written = pipe.write_all(&bytes).await;
        if is_user {
            counters.in_flight.store(0, Ordering::Relaxed);
        }
        match written {
            Ok(()) => {
                if is_user {
                    counters.delivered.fetch_add(n, Ordering::Relaxed);
                }
            }
            Err(e) => {
                tracing::info!(error = %e, "exec stdin closed");
                // What is queued is lost too; closing makes waiting writers fail.
                user.close();
                let mut left = false;
                while user.try_recv().is_ok() {
                    left = true;
                }
                if left || is_user {
                    counters.failed.store(true, Ordering::Relaxed);
                }
                return;
            }
        }
    }
}

/// Splits `bytes` into chunks of at most `CHUNK`, in order.
pub fn chunks(bytes: Vec<u8>) -> Vec<Vec<u8>> {
    if bytes.len() <= CHUNK {
        return vec![bytes];
    }
    bytes.chunks(CHUNK).map(<[u8]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncReadExt;

    fn pipe() -> (
        tokio::net::unix::pipe::Sender,
        tokio::net::unix::pipe::Receiver,
    ) {
        let (r, w) = nix::unistd::pipe().expect("pipe");
        let w = tokio::net::unix::pipe::Sender::from_owned_fd(w).expect("sender");
        let r = tokio::net::unix::pipe::Receiver::from_owned_fd(r).expect("receiver");
        (w, r)
    }

    #[tokio::test]
    async fn a_slow_reader_gets_every_byte_in_order() {
        let (w, mut r) = pipe();
        let mut writer = StdinWriter::spawn(Box::pin(w));
        let handle = writer.handle().expect("handle");
        // 8 MiB through a 64 KiB pipe whose reader starts late: the sender must wait.
        let data: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let sender = tokio::spawn(async move {
            for c in chunks(data) {
                handle.send(c).await.expect("send");
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut got = Vec::new();
        let reader = tokio::spawn(async move {
            let mut buf = vec![0; 100_000];
            while got.len() < expected.len() {
                let n = r.read(&mut buf).await.expect("read");
                assert!(n > 0, "early EOF at {}", got.len());
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got == expected, "bytes differ");
        });
        sender.await.expect("sender");
        assert!(writer.finish(Duration::from_secs(10)).await);
        reader.await.expect("reader");
        let report = writer.stop();
        assert_eq!(report.delivered, 8 * 1024 * 1024);
        assert!(!report.lost);
    }

    #[tokio::test]
    async fn a_closed_reader_fails_the_sender_and_counts_as_lost() {
        let (w, r) = pipe();
        let writer = StdinWriter::spawn(Box::pin(w));
        let handle = writer.handle().expect("handle");
        drop(r);
        let mut failed = false;
        for _ in 0..100 {
            if handle.send(vec![b'x'; CHUNK]).await.is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed, "a send after the reader closed must fail");
        let report = writer.stop();
        assert!(report.lost);
    }

    #[tokio::test]
    async fn input_still_queued_when_the_session_stops_is_lost() {
        let (w, _r) = pipe();
        let writer = StdinWriter::spawn(Box::pin(w));
        let handle = writer.handle().expect("handle");
        // Nobody reads: the pipe fills, then the writer holds a chunk in flight.
        let filler = tokio::spawn(async move {
            loop {
                if handle.send(vec![0; CHUNK]).await.is_err() {
                    return;
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(10), async {
            while writer.counters.in_flight.load(Ordering::Relaxed) == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("a chunk in flight");
        let report = writer.stop();
        filler.abort();
        assert!(report.lost);
    }

    #[tokio::test]
    async fn replies_beyond_their_queue_are_dropped_not_waited_for() {
        let (w, _r) = pipe();
        let writer = StdinWriter::spawn(Box::pin(w));
        let replies = writer.replies();
        // A pipe nobody reads: once it and the queue are full, replies are refused at once.
        let mut dropped = false;
        for _ in 0..10_000 {
            if !replies.send(vec![0; 1024]) {
                dropped = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(dropped);
        let _ = writer.stop();
    }
}
