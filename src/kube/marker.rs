//! The first bytes an exec of ours writes: an APC string `ESC _ execmux;ID;PID;START ESC \`
//! printed by the wrapper shell before it runs the command, naming the process (its pid
//! and start time, as the container's `/proc` has them) so that it can be killed later.
//! [`Marked`] takes it off the front of the stream and passes everything else on as it
//! came. Only a stream that starts with the marker of this exec's id counts; anything
//! else (the wrapper could not run, a container that writes first) is passed on whole
//! and the exec is known by its id alone.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::watch;

/// The most the marker may take before the stream is passed on as it is.
const LONGEST: usize = 160;

/// The exec's process in its container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub pid: u32,
    /// Field 22 of `/proc/PID/stat`: clock ticks since the container's boot.
    pub start: u64,
}

/// What is known of the marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkState {
    Waiting,
    Found(Mark),
    /// The stream did not start with it.
    Missing,
}

/// The marker's opening for exec `id`.
pub fn opening(id: &str) -> Vec<u8> {
    let mut v = b"\x1b_execmux;".to_vec();
    v.extend_from_slice(id.as_bytes());
    v.push(b';');
    v
}

/// Parses `PID;START` (what stands between the opening and `ESC \`).
fn parse(rest: &[u8]) -> Option<Mark> {
    let s = std::str::from_utf8(rest).ok()?;
    let (pid, start) = s.split_once(';')?;
    Some(Mark {
        pid: pid.parse().ok().filter(|p| *p > 0)?,
        start: start.parse().ok()?,
    })
}

enum Phase {
    /// Still reading the front of the stream.
    Front(Vec<u8>),
    /// Passing bytes on; `held` (from the front) first.
    Pass { held: Vec<u8>, at: usize },
}

/// A stream with the exec's marker taken off its front.
pub struct Marked<R> {
    inner: R,
    opening: Vec<u8>,
    phase: Phase,
    found: watch::Sender<MarkState>,
}

impl<R> Marked<R> {
    pub fn new(inner: R, id: &str) -> (Self, watch::Receiver<MarkState>) {
        let (found, rx) = watch::channel(MarkState::Waiting);
        (
            Self {
                inner,
                opening: opening(id),
                phase: Phase::Front(Vec::new()),
                found,
            },
            rx,
        )
    }

    /// Looks at the front read so far: `None` while it may still become the marker.
    fn judge(&self, front: &[u8], eof: bool) -> Option<(MarkState, usize)> {
        let n = front.len().min(self.opening.len());
        if front[..n] != self.opening[..n] {
            return Some((MarkState::Missing, 0));
        }
        if front.len() > self.opening.len() {
            let body = &front[self.opening.len()..];
            if let Some(end) = body.windows(2).position(|w| w == b"\x1b\\") {
                let used = self.opening.len() + end + 2;
                return Some(match parse(&body[..end]) {
                    Some(m) => (MarkState::Found(m), used),
                    None => (MarkState::Missing, 0),
                });
            }
        }
        (eof || front.len() >= LONGEST).then_some((MarkState::Missing, 0))
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Marked<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.phase {
                Phase::Pass { held, at } => {
                    if *at < held.len() {
                        let n = (held.len() - *at).min(buf.remaining());
                        buf.put_slice(&held[*at..*at + n]);
                        *at += n;
                        if *at == held.len() {
                            *held = Vec::new();
                            *at = 0;
                        }
                        return Poll::Ready(Ok(()));
                    }
                    return Pin::new(&mut this.inner).poll_read(cx, buf);
                }
                Phase::Front(front) => {
                    let mut chunk = [0u8; LONGEST];
                    let mut rb = ReadBuf::new(&mut chunk);
                    let r = Pin::new(&mut this.inner).poll_read(cx, &mut rb);
                    let eof = match r {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Ready(Ok(())) => rb.filled().is_empty(),
                    };
                    front.extend_from_slice(rb.filled());
                    let front = std::mem::take(front);
                    match this.judge(&front, eof) {
                        None => this.phase = Phase::Front(front),
                        Some((state, used)) => {
                            this.found.send_replace(state);
                            this.phase = Phase::Pass {
                                held: front[used..].to_vec(),
                                at: 0,
                            };
                            if eof && used == front.len() {
                                return Poll::Ready(Ok(()));
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn through(parts: &[&[u8]], id: &str) -> (Vec<u8>, MarkState) {
        let (mut w, r) = tokio::io::duplex(8);
        let (mut m, rx) = Marked::new(r, id);
        let parts: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
        let writer = tokio::spawn(async move {
            for p in parts {
                w.write_all(&p).await.expect("write");
            }
        });
        let mut out = Vec::new();
        m.read_to_end(&mut out).await.expect("read");
        writer.await.expect("writer");
        let state = *rx.borrow();
        (out, state)
    }

    #[tokio::test]
    async fn the_marker_is_taken_off_and_read_even_when_split() {
        let (out, state) = through(
            &[b"\x1b_exec", b"mux;ab1;4", b"2;9001\x1b", b"\\hello"],
            "ab1",
        )
        .await;
        assert_eq!(out, b"hello");
        assert_eq!(
            state,
            MarkState::Found(Mark {
                pid: 42,
                start: 9001
            })
        );
    }

    #[tokio::test]
    async fn output_without_the_marker_passes_whole() {
        let (out, state) = through(&[b"sh: not found\n"], "ab1").await;
        assert_eq!(out, b"sh: not found\n");
        assert_eq!(state, MarkState::Missing);
    }

    #[tokio::test]
    async fn another_execs_marker_is_not_ours() {
        let input = b"\x1b_execmux;zz9;1;2\x1b\\x";
        let (out, state) = through(&[input], "ab1").await;
        assert_eq!(out, input);
        assert_eq!(state, MarkState::Missing);
    }

    #[tokio::test]
    async fn an_endless_marker_is_given_up_and_passed_on() {
        let mut long = b"\x1b_execmux;ab1;".to_vec();
        long.extend(std::iter::repeat_n(b'7', 400));
        let (out, state) = through(&[&long], "ab1").await;
        assert_eq!(out, long);
        assert_eq!(state, MarkState::Missing);
    }

    #[tokio::test]
    async fn a_bad_pid_is_missing_and_an_empty_stream_ends() {
        let input = b"\x1b_execmux;ab1;0;5\x1b\\";
        let (out, state) = through(&[input], "ab1").await;
        assert_eq!(out, input);
        assert_eq!(state, MarkState::Missing);
        let (out, state) = through(&[], "ab1").await;
        assert!(out.is_empty());
        assert_eq!(state, MarkState::Missing);
    }

    #[tokio::test]
    async fn a_marker_alone_then_eof_gives_nothing() {
        let (out, state) = through(&[b"\x1b_execmux;ab1;7;8\x1b\\"], "ab1").await;
        assert!(out.is_empty());
        assert_eq!(state, MarkState::Found(Mark { pid: 7, start: 8 }));
    }
}
