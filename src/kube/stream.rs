//! One `pods/exec` stream: the websocket the API server upgrades to (v5, or v4 on an older
//! server), with its channels (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close)
//! read and written by two tasks of their own. The reader never waits on the writer: an
//! exec that stops reading its stdin (`head -c 10`) leaves our writer stuck in a send, and
//! its exit status must still arrive. (`kube`'s own `AttachedProcess` serves both
//! directions from one loop, where a blocked stdin send also blocks the status: written
//! here for that reason.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{AttachParams, TerminalSize};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::KubeError;

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const STATUS: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;

/// The pipes between the stream's tasks and whoever reads and writes the exec.
const PIPE: usize = 64 * 1024;
/// An idle connection is kept alive (proxies drop silent ones).
const PING: Duration = Duration::from_secs(30);
/// The longest status message kept.
const STATUS_MAX: usize = 64 * 1024;

/// What to run where.
pub struct Target<'a> {
    pub namespace: &'a str,
    pub pod: &'a str,
    pub container: Option<&'a str>,
    pub command: Vec<String>,
    pub tty: bool,
    pub stdin: bool,
    /// Whether the caller reads stdout (the killer reads stderr only).
    pub stdout: bool,
}

/// How stdin moves: what was sent, whether a send (of input, a size, a ping or the end of
/// input) waits on the server now, and whether the end of input was told.
#[derive(Debug, Default)]
pub struct Progress {
    pub sent: AtomicU64,
    pub sending: AtomicBool,
    pub closed: AtomicBool,
    /// Frames of output received, and whether one is being handed on (its reader is
    /// slow): a stream whose output moves is not stuck.
    pub received: AtomicU64,
    pub delivering: AtomicBool,
}

impl Progress {
    /// How much input went, while the stream waits on the exec to take it: a send waits,
    /// or the end of input was told (input may still be buffered on the way). `None` while
    /// the writer has nothing to wait for.
    pub fn waiting_at(&self) -> Option<u64> {
        let waits = self.sending.load(Ordering::Acquire) || self.closed.load(Ordering::Acquire);
        (waits && !self.delivering.load(Ordering::Acquire))
            .then(|| self.sent.load(Ordering::Acquire))
    }

    /// The output frames received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Acquire)
    }

    /// Runs one send, flagged as waiting while it does.
    async fn flagged<F: std::future::Future>(&self, send: F) -> F::Output {
        self.sending.store(true, Ordering::Release);
        let r = send.await;
        self.sending.store(false, Ordering::Release);
        r
    }
}

/// An open exec stream.
pub struct Opened {
    pub stdin: Option<DuplexStream>,
    pub stdout: Option<DuplexStream>,
    pub stderr: Option<DuplexStream>,
    /// The exec's status, once; `Err` when the stream ended without one.
    pub status: oneshot::Receiver<Status>,
    /// Size changes (tty only).
    pub resize: Option<mpsc::Sender<TerminalSize>>,
    /// The stream's tasks: aborted when this is dropped.
    pub tasks: Tasks,
    pub progress: Arc<Progress>,
}

/// The two tasks of a stream; dropping this ends the stream.
pub struct Tasks {
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
    }
}

/// Opens the exec; an error answer of the API server (a missing pod, a refusal) is
/// returned sorted. `first_size` is sent before anything else.
pub async fn open(
    client: &kube::Client,
    t: Target<'_>,
    first_size: Option<TerminalSize>,
) -> Result<Opened, KubeError> {
    let mut ap = AttachParams::default()
        .stdin(t.stdin)
        .stdout(t.stdout)
        .stderr(!t.tty)
        .tty(t.tty);
    if let Some(c) = t.container {
        ap = ap.container(c);
    }
    let url = <Pod as kube::Resource>::url_path(&(), Some(t.namespace));
    let req = kube::core::Request::new(url)
        .exec(t.pod, t.command, &ap)
        .map_err(|e| KubeError::Api(e.to_string()))?;
    let conn = client
        .connect(req)
        .await
        .map_err(|e| KubeError::from_kube(e, t.namespace, t.pod))?;
    let closes = conn.supports_stream_close();
    let (sink, source) = conn.into_stream().split();

    let (stdin_ours, stdin_theirs) = t.stdin.then(|| tokio::io::duplex(PIPE)).unzip();
    let (stdout_ours, stdout_theirs) = t.stdout.then(|| tokio::io::duplex(PIPE)).unzip();
    let (stderr_ours, stderr_theirs) = (!t.tty).then(|| tokio::io::duplex(PIPE)).unzip();
    let (resize_tx, resize_rx) = mpsc::channel(8);
    let (status_tx, status) = oneshot::channel();

    let progress = Arc::new(Progress::default());
    let writer = tokio::spawn(write_loop(
        sink,
        stdin_theirs,
        resize_rx,
        (first_size, closes),
        progress.clone(),
    ));
    let stop_writer = writer.abort_handle();
    let counted = progress.clone();
    let reader = tokio::spawn(async move {
        read_loop(source, stdout_theirs, stderr_theirs, status_tx, &counted).await;
        // The exec is over: input it did not take is refused from now on.
        stop_writer.abort();
    });
    Ok(Opened {
        stdin: stdin_ours,
        stdout: stdout_ours,
        stderr: stderr_ours,
        status,
        resize: t.tty.then_some(resize_tx),
        tasks: Tasks { reader, writer },
        progress,
    })
}

/// Output to its pipes (waiting while a pipe is full: backpressure on the stream), until
/// the status. Output nobody reads any more is dropped, so the status still comes.
async fn read_loop<S, E>(
    mut source: S,
    mut stdout: Option<DuplexStream>,
    mut stderr: Option<DuplexStream>,
    status: oneshot::Sender<Status>,
    progress: &Progress,
) where
    S: futures::Stream<Item = Result<Message, E>> + Unpin,
{
    while let Some(msg) = source.next().await {
        let bin = match msg {
            Ok(Message::Binary(b)) => b,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        let Some((&channel, data)) = bin.split_first() else {
            continue;
        };
        tracing::debug!(channel, len = data.len(), "kube stream frame");
        let pipe = match channel {
            STDOUT => &mut stdout,
            STDERR => &mut stderr,
            STATUS => {
                if data.len() <= STATUS_MAX
                    && let Ok(s) = serde_json::from_slice::<Status>(data)
                {
                    let _ = status.send(s);
                }
                break;
            }
            _ => continue,
        };
        progress.received.fetch_add(1, Ordering::AcqRel);
        if let Some(p) = pipe
            && !data.is_empty()
        {
            progress.delivering.store(true, Ordering::Release);
            let r = p.write_all(data).await;
            progress.delivering.store(false, Ordering::Release);
            if r.is_err() {
                *pipe = None;
            }
        }
    }
    for p in [stdout, stderr].into_iter().flatten() {
        let mut p = p;
        let _ = p.shutdown().await;
    }
}

/// Stdin, sizes and pings to the server. At the end of stdin the server is told (v5's
/// close frame; v4 has none, so the stream is closed for writing as `kubectl` does).
async fn write_loop<K>(
    mut sink: K,
    mut stdin: Option<DuplexStream>,
    mut sizes: mpsc::Receiver<TerminalSize>,
    (first_size, closes): (Option<TerminalSize>, bool),
    progress: Arc<Progress>,
) where
    K: futures::Sink<Message> + Unpin,
{
    if let Some(s) = first_size
        && send_size(&mut sink, &s).await.is_err()
    {
        return;
    }
    let mut ping = tokio::time::interval(PING);
    ping.reset();
    let mut buf = vec![0u8; PIPE];
    let mut sizes_open = true;
    loop {
        let sent = tokio::select! {
            n = read_some(stdin.as_mut(), &mut buf) => match n {
                Some(n) if n > 0 => {
                    let mut frame = Vec::with_capacity(n + 1);
                    frame.push(STDIN);
                    frame.extend_from_slice(&buf[..n]);
                    let r = progress.flagged(sink.send(Message::Binary(Bytes::from(frame)))).await;
                    progress.sent.fetch_add(n as u64, Ordering::AcqRel);
                    r
                }
                _ => {
                    stdin = None;
                    progress.closed.store(true, Ordering::Release);
                    if closes {
                        progress.flagged(sink.send(Message::Binary(Bytes::from_static(&[CLOSE, STDIN])))).await
                    } else {
                        progress.flagged(sink.close()).await
                    }
                }
            },
            s = sizes.recv(), if sizes_open => if let Some(s) = s { progress.flagged(send_size(&mut sink, &s)).await } else {
                sizes_open = false;
                Ok(())
            },
            _ = ping.tick() => progress.flagged(sink.send(Message::Ping(Bytes::new()))).await,
        };
        if sent.is_err() {
            return;
        }
    }
}

/// The next read of stdin: `Some(0)` or `None` at its end; never while there is none.
async fn read_some(stdin: Option<&mut DuplexStream>, buf: &mut [u8]) -> Option<usize> {
    match stdin {
        Some(s) => s.read(buf).await.ok(),
        None => std::future::pending().await,
    }
}

async fn send_size<K>(sink: &mut K, s: &TerminalSize) -> Result<(), K::Error>
where
    K: futures::Sink<Message> + Unpin,
{
    let json = serde_json::to_vec(s).unwrap_or_default();
    let mut frame = Vec::with_capacity(json.len() + 1);
    frame.push(RESIZE);
    frame.extend_from_slice(&json);
    sink.send(Message::Binary(Bytes::from(frame))).await
}
