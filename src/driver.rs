//! One exec session driven to its end, the same for `execmux exec` and a console tab: stdin
//! through a writer task of its own (a blocked write never pins the session), resizes
//! through a debouncing task (latest size wins, sent at the latest a bound after the first
//! of a burst), the exit, a detach, and a cancel that kills, waits (saying so while the
//! container is paused), deletes and removes the FIFOs.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::domain::{ConsoleSize, ExitInfo, Link, TaskState};
use crate::launcher::Launched;
use crate::runtime::Runtime;

mod resize;
#[cfg(test)]
mod tests;

/// How long output may drain after an exit, for all streams together (Docker waits 2 s).
const DRAIN: Duration = Duration::from_secs(2);
/// Chunks of input queued for an exec that does not read them before more is refused.
const STDIN_QUEUE: usize = 256;
/// How often a cancel looks again at an exec that has not exited after its kill.
const KILL_RECHECK: Duration = Duration::from_secs(2);
/// How long a cancel waits for the exit of an exec whose container is not paused.
const KILL_GIVE_UP: Duration = Duration::from_secs(20);

/// What the owner of a session asks of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Bytes for the exec's stdin.
    Input(Vec<u8>),
    Resize(ConsoleSize),
    /// End of input: a pipe stdin is closed (and the shim told); a tty is left open.
    Eof,
    /// Leave the exec running.
    Detach,
    /// Kill the exec, wait, delete.
    Cancel,
    /// During a slow cancel: stop waiting, delete what can be, leave the rest to the reaper.
    Force,
}

/// What a session reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// containerd stopped or started answering (the exec and its I/O go on meanwhile).
    Link(Link),
    /// A kill was sent but the exec has not exited yet (why, e.g. "container paused").
    KillPending(String),
    /// The exec does not read its input: this many bytes were dropped.
    InputDropped(usize),
}

/// How a session ended.
#[derive(Debug)]
pub enum Outcome {
    /// The exec exited on its own; it is deleted.
    Exited(Result<ExitInfo, String>),
    /// It was cancelled: killed, waited for and deleted (or left for the reaper, said in the
    /// error).
    Killed(Result<ExitInfo, String>),
    /// It keeps running.
    Detached,
}

/// Why the loop of a running session stopped.
enum Stop {
    Exited,
    Detach,
    Cancel,
}

/// Writes an exec's stdin on a task of its own, from a bounded queue.
#[derive(Debug, Clone)]
pub struct StdinHandle {
    tx: mpsc::Sender<Vec<u8>>,
}

impl StdinHandle {
    /// Queues bytes; false when the queue is full (the exec is not reading) or closed.
    pub fn send(&self, bytes: Vec<u8>) -> bool {
        self.tx.try_send(bytes).is_ok()
    }
}

struct StdinWriter {
    handle: StdinHandle,
    task: JoinHandle<()>,
}

impl StdinWriter {
    fn spawn(mut pipe: tokio::net::unix::pipe::Sender) -> Self {
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(STDIN_QUEUE);
        let task = tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                if let Err(e) = pipe.write_all(&bytes).await {
                    tracing::warn!(error = %e, "write to exec stdin");
                    return;
                }
            }
        });
        Self {
            handle: StdinHandle { tx },
            task,
        }
    }
}

/// A started exec and what pumps it.
pub struct Session {
    launched: Launched,
    stdin: Option<StdinWriter>,
    tty: bool,
}

impl Session {
    /// Takes over a launched exec and its stdin (the caller keeps the output streams).
    pub fn new(
        launched: Launched,
        stdin: Option<tokio::net::unix::pipe::Sender>,
        tty: bool,
    ) -> Self {
        Self {
            launched,
            stdin: stdin.map(StdinWriter::spawn),
            tty,
        }
    }

    /// Where terminal replies (and any other writer) may queue stdin bytes.
    pub fn stdin(&self) -> Option<StdinHandle> {
        self.stdin.as_ref().map(|w| w.handle.clone())
    }

    /// Runs until the exec exits, is detached or cancelled; `readers` are the output pumps,
    /// drained (together, bounded) after an exit. A closed `controls` cancels.
    pub async fn run(
        mut self,
        controls: &mut mpsc::UnboundedReceiver<Control>,
        readers: Vec<JoinHandle<()>>,
        notice: &mut (dyn FnMut(Notice) + Send),
    ) -> Outcome {
        let rt = self.launched.runtime().clone();
        let (size_tx, size_rx) = watch::channel(None);
        let resizer = {
            let (rt, key) = (rt.clone(), self.launched.key.clone());
            tokio::spawn(resize::run(key.clone(), size_rx, move |size| {
                let (rt, key) = (rt.clone(), key.clone());
                async move { rt.exec_resize(&key, size).await }
            }))
        };
        let mut link = self.launched.link();
        let outcome = loop {
            tokio::select! {
                _ = self.launched.exited() => break Stop::Exited,
                Ok(()) = link.changed() => notice(Notice::Link(link.borrow_and_update().clone())),
                c = controls.recv() => match c {
                    Some(Control::Input(bytes)) => self.write(bytes, notice),
                    Some(Control::Resize(size)) => {
                        if self.tty {
                            size_tx.send_replace(Some(size));
                        }
                    }
                    Some(Control::Eof) => self.close_stdin(&rt),
                    Some(Control::Detach) => break Stop::Detach,
                    Some(Control::Cancel | Control::Force) | None => break Stop::Cancel,
                },
            }
        };
        resizer.abort();
        match outcome {
            Stop::Detach => {
                if let Some(w) = self.stdin.take() {
                    // Let what was typed before the detach keys reach the exec.
                    drop(w.handle);
                    let _ = tokio::time::timeout(Duration::from_millis(500), w.task).await;
                }
                for r in readers {
                    r.abort();
                }
                self.launched.detach();
                Outcome::Detached
            }
            Stop::Cancel => {
                if let Some(w) = self.stdin.take() {
                    w.task.abort();
                }
                let r = cancel(self.launched, controls, notice).await;
                for r in readers {
                    r.abort();
                }
                Outcome::Killed(r)
            }
            Stop::Exited => {
                drain(readers, DRAIN).await;
                if let Some(w) = self.stdin.take() {
                    w.task.abort();
                }
                Outcome::Exited(self.launched.finish().await.map_err(|e| e.to_string()))
            }
        }
    }

    fn write(&self, bytes: Vec<u8>, notice: &mut (dyn FnMut(Notice) + Send)) {
        let n = bytes.len();
        if let Some(w) = &self.stdin {
            if !w.handle.send(bytes) {
                notice(Notice::InputDropped(n));
            }
        }
    }

    /// Pipe mode: our end closes once the queue is written, then the shim is told. A tty
    /// is never closed (`CloseIO` would hang up its terminal), as Docker does.
    fn close_stdin(&mut self, rt: &Runtime) {
        if self.tty {
            return;
        }
        let Some(w) = self.stdin.take() else { return };
        let key = self.launched.key.clone();
        let rt = rt.clone();
        drop(w.handle);
        tokio::spawn(async move {
            let _ = w.task.await;
            if let Err(e) = rt.exec_close_stdin(&key).await {
                tracing::warn!(exec = %key, error = %e, "close stdin");
            }
        });
    }
}

/// Waits for every reader to finish, all within one `bound` (not one each); aborts the rest.
async fn drain(mut readers: Vec<JoinHandle<()>>, bound: Duration) {
    let deadline = Instant::now() + bound;
    for r in &mut readers {
        if tokio::time::timeout_at(deadline, r).await.is_err() {
            break;
        }
    }
    for r in readers {
        r.abort();
    }
}

/// SIGKILL, then wait for the exit: a paused container holds the kill until it is resumed
/// (reported, waited for without limit); otherwise give up after a bound. A failed kill is
/// retried and never skips the delete; `Force` stops the wait.
async fn cancel(
    mut launched: Launched,
    controls: &mut mpsc::UnboundedReceiver<Control>,
    notice: &mut (dyn FnMut(Notice) + Send),
) -> Result<ExitInfo, String> {
    let mut killed = match launched.signal(9).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(exec = %launched.key, error = %e, "kill");
            false
        }
    };
    let give_up = Instant::now() + KILL_GIVE_UP;
    let mut pending_said = false;
    let mut controls_open = true;
    loop {
        tokio::select! {
            _ = launched.exited() => break,
            c = controls.recv(), if controls_open => match c {
                Some(Control::Force) => {
                    tracing::warn!(exec = %launched.key, "cancel forced before the exit");
                    break;
                }
                Some(_) => {}
                None => controls_open = false,
            },
            () = tokio::time::sleep(KILL_RECHECK) => {
                if !killed {
                    killed = launched.signal(9).await.is_ok();
                }
                let k = &launched.key;
                let paused = matches!(
                    launched.runtime().task(&k.namespace, &k.container).await,
                    Ok(t) if matches!(t.state, TaskState::Paused | TaskState::Pausing)
                );
                if paused {
                    if !pending_said {
                        notice(Notice::KillPending("container paused".into()));
                        pending_said = true;
                    }
                } else if Instant::now() >= give_up {
                    tracing::warn!(exec = %launched.key, "no exit after the kill; giving up");
                    break;
                } else if !pending_said {
                    notice(Notice::KillPending("no exit yet".into()));
                    pending_said = true;
                }
            }
        }
    }
    launched.release().await.map_err(|e| e.to_string())
}
