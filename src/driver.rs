//! One exec session driven to its end, the same for `execmux exec` and a console tab: stdin
//! through a writer task of its own (a blocked write never pins the session), resizes
//! through a debouncing task (latest size wins, sent at the latest a bound after the first
//! of a burst), the exit, a detach, and a cancel that kills, waits (saying so while the
//! container is paused), deletes and removes the FIFOs.

use std::time::Duration;

use std::collections::VecDeque;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backend::{Exec, Input};
use crate::domain::{ConsoleSize, ExitInfo, Notice};
use crate::ending::{ExitError, Held};

mod resize;
pub mod stdin;
#[cfg(test)]
mod tests;

use stdin::StdinWriter;
pub use stdin::{StdinClosed, StdinHandle, StdinReport};

/// How long output may drain after an exit, for all streams together (Docker waits 2 s).
const DRAIN: Duration = Duration::from_secs(2);
/// How long what was typed before a detach or an end of input may take to reach the exec.
const STDIN_FLUSH: Duration = Duration::from_millis(500);

/// What the owner of a session asks of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Bytes for the exec's stdin: queued in order and written as the exec reads them,
    /// never dropped.
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

/// How a session ended.
#[derive(Debug)]
pub enum Outcome {
    /// The exec exited on its own; it is deleted.
    Exited(Result<ExitInfo, ExitError>),
    /// It was cancelled: killed, waited for and deleted (or left for the reaper, said in the
    /// error).
    Killed(Result<ExitInfo, ExitError>),
    /// It keeps running.
    Detached,
}

/// Why the loop of a running session stopped.
enum Stop {
    Exited,
    Detach,
    Cancel,
}

/// How a session ended, and what became of its input.
#[derive(Debug)]
pub struct Ended {
    pub outcome: Outcome,
    pub input: StdinReport,
}

/// A started exec and what pumps it.
pub struct Session {
    exec: Exec,
    stdin: Option<StdinWriter>,
    tty: bool,
}

/// The input side of a session when its loop stops.
struct Left {
    pending: Pending,
    own: Option<StdinHandle>,
    writer: Option<StdinWriter>,
}

/// User input on its way to the writer: held here (in order, whatever its size) while the
/// writer's queue is full, so that the session loop never waits on a slow reader.
#[derive(Default)]
struct Pending {
    chunks: VecDeque<Vec<u8>>,
    bytes: usize,
    /// An end of input waits for what is queued before it.
    eof: bool,
}

impl Pending {
    fn push(&mut self, bytes: Vec<u8>) {
        for c in stdin::chunks(bytes) {
            self.bytes += c.len();
            self.chunks.push_back(c);
        }
    }

    fn pop(&mut self) -> Option<Vec<u8>> {
        let c = self.chunks.pop_front()?;
        self.bytes -= c.len();
        Some(c)
    }

    fn clear(&mut self) -> usize {
        let n = self.bytes;
        self.chunks.clear();
        self.bytes = 0;
        n
    }
}

/// Room in the writer's queue, or never when there is no writer or nothing to send.
async fn room(
    own: Option<&StdinHandle>,
    wanted: bool,
) -> Option<Result<mpsc::Permit<'_, Vec<u8>>, StdinClosed>> {
    match own {
        Some(h) if wanted => Some(h.reserve().await),
        _ => std::future::pending().await,
    }
}

impl Session {
    /// Takes over a started exec and its stdin (the caller pumps the output streams).
    pub fn new(exec: Exec, stdin: Option<Input>) -> Self {
        Self {
            tty: exec.tty(),
            exec,
            stdin: stdin.map(StdinWriter::spawn),
        }
    }

    /// Where another writer of user input (a reader of the caller's stdin) sends it, with
    /// backpressure. The stdin closes once this and the session's own handle are dropped.
    pub fn stdin(&self) -> Option<StdinHandle> {
        self.stdin.as_ref().and_then(StdinWriter::handle)
    }

    /// Where the terminal's replies to the program's queries go (dropped when not read).
    pub fn replies(&self) -> Option<stdin::ReplySender> {
        self.stdin.as_ref().map(StdinWriter::replies)
    }

    /// Runs until the exec exits, is detached or cancelled; `readers` are the output pumps,
    /// drained (together, bounded) after an exit. A closed `controls` cancels.
    pub async fn run(
        mut self,
        controls: &mut mpsc::UnboundedReceiver<Control>,
        readers: Vec<JoinHandle<()>>,
        notice: &mut (dyn FnMut(Notice) + Send),
    ) -> Ended {
        let (size_tx, size_rx) = watch::channel(None);
        let resizer = {
            let to = self.exec.resizer();
            tokio::spawn(resize::run(self.exec.key().clone(), size_rx, move |size| {
                let to = to.clone();
                async move { to.resize(size).await }
            }))
        };
        let mut link = self.exec.link();
        let mut own = self.stdin();
        let mut writer = self.stdin.take();
        let mut pending = Pending::default();
        let mut closing = false;
        let outcome = loop {
            // An end of input, once what came before it is queued: drop our handle, and
            // tell the shim once the writer has written everything.
            if pending.eof && pending.chunks.is_empty() && own.is_some() {
                own = None;
                if let Some(w) = &mut writer {
                    w.close();
                }
                closing = !self.tty;
            }
            let mut gone = false;
            tokio::select! {
                _ = self.exec.exited() => break Stop::Exited,
                Ok(()) = link.changed() => notice(Notice::Link(link.borrow_and_update().clone())),
                Some(r) = room(own.as_ref(), !pending.chunks.is_empty()) => {
                    if let Ok(permit) = r {
                        if let Some(c) = pending.pop() {
                            permit.send(c);
                        }
                    } else {
                        gone = true;
                        let n = pending.clear();
                        notice(Notice::InputLost(n));
                    }
                }
                () = ended(writer.as_mut()), if closing => {
                    closing = false;
                    self.close_stdin();
                }
                c = controls.recv() => match c {
                    Some(Control::Input(bytes)) => {
                        if own.is_some() && !pending.eof {
                            pending.push(bytes);
                        } else if writer.is_some() {
                            notice(Notice::InputLost(bytes.len()));
                        }
                    }
                    Some(Control::Resize(size)) => {
                        if self.tty {
                            size_tx.send_replace(Some(size));
                        }
                    }
                    Some(Control::Eof) => pending.eof = true,
                    Some(Control::Detach) => break Stop::Detach,
                    Some(Control::Cancel | Control::Force) | None => break Stop::Cancel,
                },
            }
            if gone {
                own = None;
            }
        };
        resizer.abort();
        self.end(
            outcome,
            Left {
                pending,
                own,
                writer,
            },
            readers,
            controls,
            notice,
        )
        .await
    }

    /// What a stop leaves: the input flushed (a detach) or counted, the exec detached,
    /// killed or finished, the output pumps drained or stopped.
    async fn end(
        self,
        outcome: Stop,
        left: Left,
        readers: Vec<JoinHandle<()>>,
        controls: &mut mpsc::UnboundedReceiver<Control>,
        notice: &mut (dyn FnMut(Notice) + Send),
    ) -> Ended {
        let Left {
            mut pending,
            mut own,
            mut writer,
        } = left;
        let lost_pending = !pending.chunks.is_empty();
        match outcome {
            Stop::Detach => {
                // Let what was typed before the detach keys reach the exec.
                let flushed = flush(&mut pending, own.take(), writer.as_mut()).await;
                for r in readers {
                    r.abort();
                }
                self.exec.detach();
                Ended {
                    outcome: Outcome::Detached,
                    input: report(writer, !flushed),
                }
            }
            Stop::Cancel => {
                let input = report(writer, lost_pending);
                let r = cancel(self.exec, controls, notice).await;
                for r in readers {
                    r.abort();
                }
                Ended {
                    outcome: Outcome::Killed(r),
                    input,
                }
            }
            Stop::Exited => {
                drain(readers, DRAIN).await;
                let input = report(writer, lost_pending);
                Ended {
                    outcome: Outcome::Exited(self.exec.finish().await),
                    input,
                }
            }
        }
    }

    /// Pipe mode: the shim is told that input is over (the writer has closed our end). A
    /// tty is never closed (`CloseIO` would hang up its terminal), as Docker does.
    fn close_stdin(&self) {
        if self.tty {
            return;
        }
        let key = self.exec.key().clone();
        let close = self.exec.close_stdin();
        tokio::spawn(async move {
            if let Err(e) = close.await {
                tracing::warn!(exec = %key, error = %e, "close stdin");
            }
        });
    }
}

/// The writer's end, or never when there is none.
async fn ended(writer: Option<&mut StdinWriter>) {
    match writer {
        Some(w) => w.ended().await,
        None => std::future::pending().await,
    }
}

/// Hands what is pending to the writer and waits for it to be written, within
/// `STDIN_FLUSH`; true when all of it was.
async fn flush(
    pending: &mut Pending,
    own: Option<StdinHandle>,
    writer: Option<&mut StdinWriter>,
) -> bool {
    let Some(writer) = writer else { return true };
    let done = tokio::time::timeout(STDIN_FLUSH, async {
        if let Some(h) = &own {
            while let Some(c) = pending.pop() {
                if h.send(c).await.is_err() {
                    return false;
                }
            }
        }
        true
    })
    .await
    .unwrap_or(false);
    drop(own);
    done && writer.finish(STDIN_FLUSH).await
}

/// What became of the input: the writer's count, and whether input was still pending here.
fn report(writer: Option<StdinWriter>, pending: bool) -> StdinReport {
    match writer {
        Some(w) => {
            let mut r = w.stop();
            r.lost |= pending;
            r
        }
        None => StdinReport::default(),
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

/// The one end path (`ending`) with the watched policy: a paused container is waited on,
/// said once; `Force` stops the wait, what cannot be deleted is left for the reaper.
async fn cancel(
    exec: Exec,
    controls: &mut mpsc::UnboundedReceiver<Control>,
    notice: &mut (dyn FnMut(Notice) + Send),
) -> Result<ExitInfo, ExitError> {
    let policy = exec.watched();
    let stop = async {
        loop {
            match controls.recv().await {
                Some(Control::Force) => return,
                Some(_) => {}
                None => std::future::pending::<()>().await,
            }
        }
    };
    let mut held = |h: Held| notice(Notice::KillPending(h.reason().into()));
    exec.end(policy, stop, &mut held).await
}
