//! The task that owns one tab's terminal: the only code that changes its emulator. It
//! parses the exec's output as the pumps read it (stdout and, without a tty, stderr,
//! through one channel), answers the program's queries to its stdin, applies resizes to
//! the emulator and the exec together, writes transcripts on request, and tells the
//! console "changed" with what its model needs (bell, title, rows scrolled off, modes).

use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use crate::app::msg::{Msg, TabId};
use crate::backend::Output;
use crate::domain::{ConsoleSize, ExitInfo};
use crate::driver::Control;
use crate::driver::stdin::ReplySender;
use crate::session::terminal::TerminalWriter;

/// Largest read from an exec's output at once.
const CHUNK: usize = 16 * 1024;
/// Chunks read ahead of the parser (a pump waits past them: backpressure on the FIFO).
const AHEAD: usize = 4;
/// Output parsed before "changed" is told, when more is already waiting.
const BATCH: usize = 32 * 1024;

/// What the console asks of a tab's terminal.
pub enum TermCmd {
    /// The pane's size: the emulator takes it, and the exec too once bound with a tty.
    Resize(ConsoleSize),
    /// The transcript (scrollback and screen, with colours when `sgr`) goes to `then`.
    Transcript {
        sgr: bool,
        then: Box<dyn FnOnce(String) + Send>,
    },
    /// The exec's session is up: replies go to its stdin (tty only), resizes to the exec.
    Bind {
        replies: Option<ReplySender>,
        tty: bool,
    },
}

/// What the pumps and the session hand the task, in order.
pub enum Fed {
    Output(Vec<u8>),
    /// The exec ended: told after every byte read before it is parsed.
    Ended(Result<ExitInfo, String>),
}

/// Starts the task of tab `tab` owning `writer`; `control` reaches the exec's session.
/// The task ends when the returned command sender is dropped (the tab is gone).
pub fn spawn(
    tab: TabId,
    writer: TerminalWriter,
    control: mpsc::UnboundedSender<Control>,
    ctl: mpsc::UnboundedSender<Msg>,
) -> (mpsc::UnboundedSender<TermCmd>, mpsc::Sender<Fed>) {
    let (cmds, cmds_rx) = mpsc::unbounded_channel();
    let (output, output_rx) = mpsc::channel(AHEAD);
    let task = TabTerminal {
        tab,
        writer,
        control,
        ctl,
        replies: None,
        tty: false,
    };
    tokio::spawn(task.run(cmds_rx, output_rx));
    (cmds, output)
}

struct TabTerminal {
    tab: TabId,
    writer: TerminalWriter,
    control: mpsc::UnboundedSender<Control>,
    ctl: mpsc::UnboundedSender<Msg>,
    replies: Option<ReplySender>,
    /// Bound to a session with a tty: resizes go on to the exec.
    tty: bool,
}

impl TabTerminal {
    async fn run(
        mut self,
        mut cmds: mpsc::UnboundedReceiver<TermCmd>,
        mut output: mpsc::Receiver<Fed>,
    ) {
        let mut output_open = true;
        loop {
            tokio::select! {
                // The console's requests first: a resize waits for no flood.
                biased;
                cmd = cmds.recv() => match cmd {
                    None => return,
                    Some(cmd) => self.command(cmd),
                },
                fed = output.recv(), if output_open => match fed {
                    None => output_open = false,
                    Some(Fed::Ended(exit)) => self.tell(Msg::Ended { tab: self.tab, exit }),
                    Some(Fed::Output(bytes)) => {
                        let ended = self.parse_batch(&bytes, &mut output);
                        if let Some(exit) = ended {
                            self.tell(Msg::Ended { tab: self.tab, exit });
                        }
                        // Let the other tabs' tasks (keys, echoes) run between two
                        // batches of a flood.
                        tokio::task::yield_now().await;
                    }
                },
            }
        }
    }

    /// Parses `first` and what else is already waiting (up to [`BATCH`]), then tells
    /// "changed" once; an end met on the way is returned, to be told after.
    fn parse_batch(
        &mut self,
        first: &[u8],
        output: &mut mpsc::Receiver<Fed>,
    ) -> Option<Result<ExitInfo, String>> {
        let mut parsed = self.parse(first);
        let mut ended = None;
        while parsed < BATCH {
            match output.try_recv() {
                Ok(Fed::Output(bytes)) => parsed += self.parse(&bytes),
                Ok(Fed::Ended(exit)) => {
                    ended = Some(exit);
                    break;
                }
                Err(_) => break,
            }
        }
        self.changed(parsed);
        ended
    }

    fn parse(&mut self, bytes: &[u8]) -> usize {
        let replies = self.writer.feed(bytes);
        // Answers to the program's queries go straight to its stdin, in order with what it
        // reads (a full queue drops them, as it drops typed keys).
        if !replies.is_empty()
            && let Some(stdin) = &self.replies
        {
            let _ = stdin.send(replies);
        }
        bytes.len()
    }

    fn command(&mut self, cmd: TermCmd) {
        match cmd {
            TermCmd::Resize(size) => {
                self.writer.resize(size.rows, size.cols);
                if self.tty {
                    let _ = self.control.send(Control::Resize(size));
                }
                self.changed(0);
            }
            TermCmd::Transcript { sgr, then } => {
                then(crate::session::text::transcript(&self.writer.read(), sgr));
            }
            TermCmd::Bind { replies, tty } => {
                self.replies = replies;
                self.tty = tty;
            }
        }
    }

    fn changed(&mut self, parsed: usize) {
        let change = self
            .writer
            .change(u64::try_from(parsed).unwrap_or(u64::MAX));
        self.tell(Msg::Changed {
            tab: self.tab,
            change: Box::new(change),
        });
    }

    fn tell(&self, msg: Msg) {
        let _ = self.ctl.send(msg);
    }
}

/// Reads one output stream of an exec and hands it to the tab's task; without a tty,
/// every LF gets the CR a tty's output processing would put before it.
pub async fn pump(mut from: Output, to: mpsc::Sender<Fed>, newline_is_crlf: bool) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let bytes = if newline_is_crlf {
            let mut out = Vec::with_capacity(n + n / 8);
            lf_to_crlf(&buf[..n], &mut out);
            out
        } else {
            buf[..n].to_vec()
        };
        if to.send(Fed::Output(bytes)).await.is_err() {
            return;
        }
    }
}

/// `bytes` into `out` with a CR before every LF, as a tty's output processing would.
fn lf_to_crlf(bytes: &[u8], out: &mut Vec<u8>) {
    out.clear();
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
}

#[cfg(test)]
#[path = "tab_task_tests.rs"]
mod tests;
