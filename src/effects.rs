//! Runs the app's effects on tokio tasks with the runtime and answers with messages: one
//! worker task per tab owns its exec through the session driver, each output stream is
//! parsed into the tab's terminal on a task of its own, and nothing here touches the model.

use std::collections::HashMap;
use std::path::PathBuf;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use crate::app::msg::{Effect, Msg, PendingExec, Prepared, TabId};
use crate::backend::{Backend, Exec, Output, Streams};
use crate::domain::{ConsoleSize, ExecKey};
use crate::driver::stdin::ReplySender;
use crate::driver::{Control, Outcome, Session};
use crate::launcher::LaunchError;
use crate::monitor::{self, Snapshot};
use crate::registry::StartPlan;
use crate::runtime::exec::new_exec_id;
use crate::runtime::{Runtime, spec};
use crate::session::shared::SharedTerminal;

/// Largest read from an exec's output at once.
const CHUNK: usize = 16 * 1024;
/// Output parsed under one hold of the tab's lock.
const FEED_SLICE: usize = 4 * 1024;

pub struct Runner {
    rt: Runtime,
    fifo_base: PathBuf,
    ctl: mpsc::UnboundedSender<Msg>,
    tabs: HashMap<TabId, mpsc::UnboundedSender<Control>>,
}

impl Runner {
    pub fn new(rt: Runtime, fifo_base: PathBuf, ctl: mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            rt,
            fifo_base,
            ctl,
            tabs: HashMap::new(),
        }
    }

    /// Starts one effect; returns false when the app is to exit.
    pub fn run(&mut self, effect: Effect) -> bool {
        let rt = self.rt.clone();
        let ctl = self.ctl.clone();
        match effect {
            Effect::Exit => return false,
            // The event loop writes it to the host terminal itself.
            Effect::Clipboard(_) => {}
            Effect::SaveText { stem, text } => {
                save(ctl, "selection", move |dir| {
                    crate::transcript::save(dir, &stem, &[&text])
                });
            }
            Effect::Transcript {
                stem,
                header,
                terminal,
                sgr,
            } => {
                save(ctl, "transcript", move |dir| {
                    let body = crate::session::text::transcript(&terminal.lock(), sgr);
                    crate::transcript::save(dir, &stem, &[&header, &body])
                });
            }
            Effect::Resync {
                scope,
                believed,
                generation,
            } => {
                tokio::spawn(async move {
                    let msg = match monitor::snapshot(&rt, &scope, &believed).await {
                        Ok(s) => Msg::Snapshot(Snapshot { generation, ..s }),
                        Err(e) => Msg::ResyncFailed {
                            generation,
                            error: format!("resync: {e}"),
                        },
                    };
                    let _ = ctl.send(msg);
                });
            }
            Effect::ListNamespaces => {
                tokio::spawn(async move {
                    let msg = match rt.namespaces().await {
                        Ok(ns) => Msg::Namespaces(ns),
                        Err(e) => Msg::Error(format!("list namespaces: {e}")),
                    };
                    let _ = ctl.send(msg);
                });
            }
            Effect::Prepare(pending) => {
                tokio::spawn(async move {
                    let result = prepare(&rt, &pending).await;
                    let _ = ctl.send(Msg::Prepared(Box::new(Prepared { pending, result })));
                });
            }
            Effect::Launch {
                tab,
                plan,
                terminal,
            } => {
                let (tx, rx) = mpsc::unbounded_channel();
                self.tabs.insert(tab, tx);
                let backend = Backend::containerd(rt, self.fifo_base.clone());
                tokio::spawn(tab_worker(backend, tab, plan, terminal, rx, ctl));
            }
            Effect::Attach { tab, key, terminal } => {
                let (tx, rx) = mpsc::unbounded_channel();
                self.tabs.insert(tab, tx);
                let backend = Backend::containerd(rt, self.fifo_base.clone());
                tokio::spawn(attach_worker(backend, tab, key, terminal, rx, ctl));
            }
            Effect::Input { tab, bytes } => self.send(tab, Control::Input(bytes)),
            Effect::Resize { tab, size } => self.send(tab, Control::Resize(size)),
            Effect::Close { tab } => self.send(tab, Control::Cancel),
            Effect::Force { tab } => self.send(tab, Control::Force),
            Effect::Eof { tab } => self.send(tab, Control::Eof),
            Effect::Kill { key } => {
                tokio::spawn(async move {
                    let result = rt.exec_kill(&key, 9).await.map_err(|e| e.to_string());
                    let _ = ctl.send(Msg::KillDone { key, result });
                });
            }
        }
        true
    }

    fn send(&mut self, tab: TabId, cmd: Control) {
        if let Some(tx) = self.tabs.get(&tab) {
            if tx.send(cmd).is_err() {
                self.tabs.remove(&tab);
            }
        }
    }
}

/// Writes a file on a blocking thread in the transcripts directory; answers `Saved`.
fn save(
    ctl: mpsc::UnboundedSender<Msg>,
    what: &'static str,
    write: impl FnOnce(&std::path::Path) -> std::io::Result<PathBuf> + Send + 'static,
) {
    tokio::task::spawn_blocking(move || {
        let result = write(&crate::transcript::default_dir())
            .map(|p| p.display().to_string())
            .map_err(|e| e.to_string());
        let _ = ctl.send(Msg::Saved { what, result });
    });
}

/// The container's defaults, a fresh exec id and, for a shell, the first shell that exists.
async fn prepare(
    rt: &Runtime,
    p: &PendingExec,
) -> Result<(crate::domain::ProcessDefaults, ExecKey, Vec<String>), String> {
    let c = &p.container;
    let spec = rt
        .container_spec(&c.namespace, &c.container)
        .await
        .map_err(|e| e.to_string())?;
    let key = ExecKey {
        namespace: c.namespace.clone(),
        container: c.container.clone(),
        exec: new_exec_id(),
    };
    let args = match &p.shell {
        None => p.config.args.clone(),
        Some(shells) => {
            let task = rt
                .task(&c.namespace, &c.container)
                .await
                .map_err(|e| e.to_string())?;
            let root = PathBuf::from(format!("/proc/{}/root", task.pid));
            let found = shells.iter().find(|s| spec::executable_in_root(&root, s));
            // None found (or the root is not visible from here): the last one, whose
            // failure to start will say why.
            vec![
                found
                    .or(shells.last())
                    .cloned()
                    .unwrap_or_else(|| "/bin/sh".into()),
            ]
        }
    };
    Ok((spec::defaults(&spec), key, args))
}

/// Owns one exec from launch to deletion: launches it, pumps its output into the tab's
/// terminal, and drives the session until it ends.
async fn tab_worker(
    backend: Backend,
    tab: TabId,
    plan: StartPlan,
    terminal: SharedTerminal,
    controls: mpsc::UnboundedReceiver<Control>,
    ctl: mpsc::UnboundedSender<Msg>,
) {
    let (exec, io) = match backend.launch(&plan).await {
        Ok(l) => l,
        Err(LaunchError::Create(e) | LaunchError::Start(e)) => {
            let _ = ctl.send(Msg::StartFailed {
                tab,
                message: e.message(),
            });
            return;
        }
    };
    let _ = ctl.send(Msg::Started {
        tab,
        pid: exec.pid(),
    });
    drive(exec, io, tab, terminal, controls, ctl).await;
}

/// Takes over a running exec of ours that another execmux left, then drives it as a
/// launched one; a refusal answers `AttachRefused`.
async fn attach_worker(
    backend: Backend,
    tab: TabId,
    key: ExecKey,
    terminal: SharedTerminal,
    controls: mpsc::UnboundedReceiver<Control>,
    ctl: mpsc::UnboundedSender<Msg>,
) {
    let (rows, cols) = terminal.lock().size();
    let size = ConsoleSize { rows, cols };
    let (exec, io) = match backend.attach(&key, Some(size)).await {
        Ok(l) => l,
        Err(e) => {
            let _ = ctl.send(Msg::AttachRefused {
                tab,
                message: e.to_string(),
            });
            return;
        }
    };
    let _ = ctl.send(Msg::Attached {
        tab,
        pid: exec.pid(),
        tty: exec.tty(),
        stdin: io.stdin.is_some(),
        size,
    });
    drive(exec, io, tab, terminal, controls, ctl).await;
}

/// Pumps a started exec's output into the tab's terminal and drives its session to the
/// end, answering `Ended`.
async fn drive(
    exec: Exec,
    io: Streams,
    tab: TabId,
    terminal: SharedTerminal,
    mut controls: mpsc::UnboundedReceiver<Control>,
    ctl: mpsc::UnboundedSender<Msg>,
) {
    let tty = exec.tty();
    let session = Session::new(exec, io.stdin);
    let pump = Pump {
        tab,
        terminal,
        // A terminal answers queries on a tty only: without one the stream is data.
        replies: if tty { session.replies() } else { None },
        ctl: ctl.clone(),
        // Without a tty nothing turns LF into CRLF: the tab does, as a terminal would.
        newline_is_crlf: !tty,
    };
    let mut readers = vec![tokio::spawn(pump.clone().run(io.stdout))];
    if let Some(err) = io.stderr {
        readers.push(tokio::spawn(pump.run(err)));
    }
    let notices = ctl.clone();
    let mut notice = move |notice| {
        let _ = notices.send(Msg::Notice { tab, notice });
    };
    let exit = match session
        .run(&mut controls, readers, &mut notice)
        .await
        .outcome
    {
        Outcome::Exited(r) | Outcome::Killed(r) => r.map_err(|e| e.to_string()),
        // A tab never detaches its session: leaving terminal mode keeps it open.
        Outcome::Detached => return,
    };
    let _ = ctl.send(Msg::Ended { tab, exit });
}

/// Parses one output stream of an exec into its tab's terminal as it arrives, writes the
/// terminal's replies to the exec's stdin, and tells the console "changed" (once until it
/// looks).
#[derive(Clone)]
struct Pump {
    tab: TabId,
    terminal: SharedTerminal,
    replies: Option<ReplySender>,
    ctl: mpsc::UnboundedSender<Msg>,
    newline_is_crlf: bool,
}

impl Pump {
    async fn run(self, mut from: Output) {
        let mut buf = vec![0u8; CHUNK];
        let mut crlf = Vec::new();
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let bytes = if self.newline_is_crlf {
                lf_to_crlf(&buf[..n], &mut crlf);
                &crlf[..]
            } else {
                &buf[..n]
            };
            // Parsed a slice at a time, so that the renderer and the console (a hidden
            // tab's bell, its title) never wait long for the lock while this tab floods.
            let mut replies = Vec::new();
            for part in bytes.chunks(FEED_SLICE) {
                let mut emu = self.terminal.lock();
                emu.feed(part);
                replies.extend(emu.take_replies());
            }
            // Answers to the program's queries go straight to its stdin, in order with
            // what it reads (a full queue drops them, as it drops typed keys).
            if !replies.is_empty() {
                if let Some(stdin) = &self.replies {
                    let _ = stdin.send(replies);
                }
            }
            self.terminal.count_parsed(n);
            if self.terminal.mark_changed()
                && self.ctl.send(Msg::Changed { tab: self.tab }).is_err()
            {
                return;
            }
            // Let the other tabs' tasks (keys, echoes) run between two chunks of a flood.
            tokio::task::yield_now().await;
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
mod tests {
    use super::lf_to_crlf;
    use crate::session::emulator::Emulator;

    #[test]
    fn output_without_a_tty_gets_cr_before_lf_and_no_staircase() {
        let mut out = vec![b'x'];
        lf_to_crlf(b"a\nb\r\nc\n", &mut out);
        assert_eq!(out, b"a\r\nb\r\r\nc\r\n");
        let mut emu = Emulator::new(4, 10, 0);
        emu.feed(&out);
        assert_eq!(emu.screen_text(), "a\nb\nc\n");
    }
}
