//! Runs the app's effects on tokio tasks with the runtime and answers with messages: one
//! worker task per tab owns its exec (stdin, resizes, exit, close), output is read on its
//! own task into a bounded channel, and nothing here touches the model.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::app::msg::{Effect, Msg, PendingExec, Prepared, TabId};
use crate::domain::{ConsoleSize, ExecKey};
use crate::launcher::{self, LaunchError};
use crate::monitor;
use crate::registry::StartPlan;
use crate::runtime::exec::new_exec_id;
use crate::runtime::{Runtime, spec};

/// Resizes closer together than this are merged into the last one.
const RESIZE_DEBOUNCE: Duration = Duration::from_millis(40);
/// How long output may drain after an exit before the exec is deleted.
const DRAIN: Duration = Duration::from_secs(2);
/// Largest read from an exec's output at once.
const CHUNK: usize = 16 * 1024;

enum TabCmd {
    Input(Vec<u8>),
    Resize(ConsoleSize),
    Close,
}

/// What a tab worker sends: control messages, and its output on its own queue.
struct Outbox {
    ctl: mpsc::UnboundedSender<Msg>,
    out: mpsc::Sender<Vec<u8>>,
}

/// Chunks of output a tab may have queued before its exec waits for the screen.
const OUTPUT_QUEUE: usize = 4;

/// The output of one tab, for the event loop to read (each tab has its own queue, so a
/// flooding exec cannot hold back another tab's output).
pub type OutputQueue = mpsc::Receiver<Vec<u8>>;

pub struct Runner {
    rt: Runtime,
    fifo_base: PathBuf,
    ctl: mpsc::UnboundedSender<Msg>,
    tabs: HashMap<TabId, mpsc::UnboundedSender<TabCmd>>,
    new_outputs: Vec<(TabId, OutputQueue)>,
}

impl Runner {
    pub fn new(rt: Runtime, fifo_base: PathBuf, ctl: mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            rt,
            fifo_base,
            ctl,
            tabs: HashMap::new(),
            new_outputs: Vec::new(),
        }
    }

    /// Output queues of tabs launched since the last call.
    pub fn take_outputs(&mut self) -> Vec<(TabId, OutputQueue)> {
        std::mem::take(&mut self.new_outputs)
    }

    /// Starts one effect; returns false when the app is to exit.
    pub fn run(&mut self, effect: Effect) -> bool {
        let rt = self.rt.clone();
        let ctl = self.ctl.clone();
        match effect {
            Effect::Exit => return false,
            Effect::Resync { scope, believed } => {
                tokio::spawn(async move {
                    let msg = match monitor::snapshot(&rt, &scope, &believed).await {
                        Ok(s) => Msg::Snapshot(s),
                        Err(e) => Msg::Error(format!("resync: {e}")),
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
            Effect::Launch { tab, plan } => {
                let (tx, rx) = mpsc::unbounded_channel();
                self.tabs.insert(tab, tx);
                let base = self.fifo_base.clone();
                let (out_tx, out_rx) = mpsc::channel(OUTPUT_QUEUE);
                self.new_outputs.push((tab, out_rx));
                let out = Outbox { ctl, out: out_tx };
                tokio::spawn(async move { tab_worker(rt, base, tab, plan, rx, out).await });
            }
            Effect::Input { tab, bytes } => self.send(tab, TabCmd::Input(bytes)),
            Effect::Resize { tab, size } => self.send(tab, TabCmd::Resize(size)),
            Effect::Close { tab } => self.send(tab, TabCmd::Close),
            Effect::Kill { key } => {
                tokio::spawn(async move {
                    let result = rt.exec_kill(&key, 9).await.map_err(|e| e.to_string());
                    let _ = ctl.send(Msg::KillDone { key, result });
                });
            }
        }
        true
    }

    fn send(&mut self, tab: TabId, cmd: TabCmd) {
        if let Some(tx) = self.tabs.get(&tab) {
            if tx.send(cmd).is_err() {
                self.tabs.remove(&tab);
            }
        }
    }
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

/// Owns one exec from launch to deletion.
async fn tab_worker(
    rt: Runtime,
    base: PathBuf,
    tab: TabId,
    plan: StartPlan,
    mut cmds: mpsc::UnboundedReceiver<TabCmd>,
    outbox: Outbox,
) {
    let mut launched = match launcher::launch(&rt, &base, &plan).await {
        Ok(l) => l,
        Err(LaunchError::Create(e) | LaunchError::Start(e)) => {
            let _ = outbox.ctl.send(Msg::StartFailed {
                tab,
                message: e.message(),
            });
            return;
        }
    };
    let _ = outbox.ctl.send(Msg::Started {
        tab,
        pid: launched.pid,
    });
    let Some(io) = launched.io.take() else {
        let exit = launched.cancel().await.map_err(|e| e.to_string());
        let _ = outbox.ctl.send(Msg::Ended { tab, exit });
        return;
    };
    let mut readers = vec![tokio::spawn(read_output(io.stdout, outbox.out.clone()))];
    if let Some(err) = io.stderr {
        readers.push(tokio::spawn(read_output(err, outbox.out.clone())));
    }
    let mut stdin = io.stdin;
    let mut pending_size: Option<ConsoleSize> = None;
    let mut close = false;
    loop {
        let debounce = async {
            if pending_size.is_some() {
                tokio::time::sleep(RESIZE_DEBOUNCE).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = launched.exited() => break,
            cmd = cmds.recv() => match cmd {
                Some(TabCmd::Input(bytes)) => {
                    if let Some(p) = stdin.as_mut() {
                        if let Err(e) = p.write_all(&bytes).await {
                            tracing::warn!(error = %e, "write to exec stdin");
                            stdin = None;
                        }
                    }
                }
                Some(TabCmd::Resize(size)) => pending_size = Some(size),
                Some(TabCmd::Close) | None => {
                    close = true;
                    break;
                }
            },
            () = debounce => {
                if let Some(size) = pending_size.take() {
                    if let Err(e) = rt.exec_resize(&launched.key, size).await {
                        tracing::warn!(error = %e, "resize");
                    }
                }
            }
        }
    }
    drop(stdin);
    let exit = if close {
        launched.cancel().await
    } else {
        for r in &mut readers {
            let _ = tokio::time::timeout(DRAIN, r).await;
        }
        launched.finish().await
    };
    for r in readers {
        r.abort();
    }
    let _ = outbox.ctl.send(Msg::Ended {
        tab,
        exit: exit.map_err(|e| e.to_string()),
    });
}

async fn read_output(mut from: tokio::net::unix::pipe::Receiver, out: mpsc::Sender<Vec<u8>>) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if out.send(buf[..n].to_vec()).await.is_err() {
                    return;
                }
            }
        }
    }
}
