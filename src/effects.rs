//! Runs the app's effects on tokio tasks with the runtime and answers with messages: one
//! worker task per tab owns its exec through the session driver, one task per tab owns its
//! terminal ([`crate::tab_task`]), and nothing here touches the model or an emulator.

use std::collections::HashMap;
use std::path::PathBuf;
use tokio::sync::mpsc;

use crate::app::msg::{Effect, Msg, PendingExec, Prepared, TabId};
use crate::backend::{Backend, Exec, Streams};
use crate::domain::{ConsoleSize, ExecKey};
use crate::driver::{Control, Outcome, Session};
use crate::launcher::LaunchError;
use crate::monitor::{self, Snapshot};
use crate::registry::{RegistryError, StartPlan};
use crate::runtime::exec::new_exec_id;
use crate::runtime::{Runtime, spec};
use crate::session::terminal::TerminalWriter;
use crate::tab_task::{self, Fed, TermCmd};

pub struct Runner {
    backend: Backend,
    /// The pods a cluster's watch keeps (the Kubernetes backend only).
    pods: crate::kube::watch::PodView,
    /// The cluster's watch: the scope it follows, its task, and where its news go.
    watch: Option<Watch>,
    ctl: mpsc::UnboundedSender<Msg>,
    tabs: HashMap<TabId, TabLink>,
}

/// A watch of a cluster's pods for one scope; a resync for another scope replaces it.
struct Watch {
    scope: crate::domain::Scope,
    task: Option<tokio::task::AbortHandle>,
    events: mpsc::UnboundedSender<Msg>,
}

/// How the runner reaches a tab: its exec's session and its terminal's task.
struct TabLink {
    control: mpsc::UnboundedSender<Control>,
    terminal: mpsc::UnboundedSender<TermCmd>,
}

/// What a tab's exec worker is handed: the terminal task's two inputs.
struct TermLink {
    cmds: mpsc::UnboundedSender<TermCmd>,
    output: mpsc::Sender<Fed>,
}

impl Runner {
    pub fn new(rt: Runtime, fifo_base: PathBuf, ctl: mpsc::UnboundedSender<Msg>) -> Self {
        Self {
            backend: Backend::containerd(rt, fifo_base),
            pods: crate::kube::watch::PodView::default(),
            watch: None,
            ctl,
            tabs: HashMap::new(),
        }
    }

    /// A runner on a cluster: its containers come from a watch of the pods of the scope
    /// asked for (started by the first resync), whose news go to `events`.
    pub fn kube(
        cluster: crate::kube::Cluster,
        events: mpsc::UnboundedSender<Msg>,
        ctl: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        Self {
            backend: Backend::Kube(cluster),
            pods: crate::kube::watch::PodView::default(),
            watch: Some(Watch {
                scope: crate::domain::Scope::All,
                task: None,
                events,
            }),
            ctl,
            tabs: HashMap::new(),
        }
    }

    /// Whether the backend is a Kubernetes cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.backend, Backend::Kube(_))
    }

    /// Starts one effect; returns false when the app is to exit.
    pub fn run(&mut self, effect: Effect) -> bool {
        let backend = self.backend.clone();
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
                tab,
                stem,
                header,
                sgr,
            } => {
                // The tab's task renders its terminal; the file is written off the workers.
                let answer = ctl.clone();
                let then = Box::new(move |body: String| {
                    save(answer, "transcript", move |dir| {
                        crate::transcript::save(dir, &stem, &[&header, &body])
                    });
                });
                let sent = self
                    .tabs
                    .get(&tab)
                    .is_some_and(|t| t.terminal.send(TermCmd::Transcript { sgr, then }).is_ok());
                if !sent {
                    let _ = ctl.send(Msg::Saved {
                        what: "transcript",
                        result: Err("the tab is gone".into()),
                    });
                }
            }
            Effect::Resync {
                scope,
                believed,
                generation,
            } => self.resync(scope, believed, generation),
            Effect::ListNamespaces => {
                tokio::spawn(async move {
                    let listed = match &backend {
                        Backend::Containerd { rt, .. } => {
                            rt.namespaces().await.map_err(|e| e.to_string())
                        }
                        Backend::Kube(c) => crate::kube::pods::namespaces(c.client.clone())
                            .await
                            .map_err(|e| e.to_string()),
                    };
                    let msg = match listed {
                        Ok(ns) => Msg::Namespaces(ns),
                        Err(e) => Msg::Error(format!("list namespaces: {e}")),
                    };
                    let _ = ctl.send(msg);
                });
            }
            Effect::Prepare(pending) => {
                tokio::spawn(async move {
                    let result = match &backend {
                        Backend::Containerd { rt, .. } => prepare(rt, &pending).await,
                        Backend::Kube(c) => prepare_kube(c, &pending).await,
                    };
                    let _ = ctl.send(Msg::Prepared(Box::new(Prepared { pending, result })));
                });
            }
            Effect::Launch {
                tab,
                plan,
                terminal,
            } => {
                let (term, rx) = self.open_tab(tab, terminal);
                tokio::spawn(tab_worker(backend, tab, plan, term, rx, ctl));
            }
            Effect::Attach { tab, key, terminal } => {
                let (rows, cols) = terminal.read().size();
                let size = ConsoleSize { rows, cols };
                let (term, rx) = self.open_tab(tab, terminal);
                tokio::spawn(attach_worker(backend, tab, (key, size), term, rx, ctl));
            }
            Effect::Dismiss { tab } => {
                // Its terminal's task ends with the last sender.
                self.tabs.remove(&tab);
            }
            Effect::Input { tab, bytes } => self.send(tab, Control::Input(bytes)),
            Effect::Resize { tab, size } => {
                if let Some(t) = self.tabs.get(&tab) {
                    let _ = t.terminal.send(TermCmd::Resize(size));
                }
            }
            Effect::Close { tab } => self.send(tab, Control::Cancel),
            Effect::Force { tab } => self.send(tab, Control::Force),
            Effect::Eof { tab } => self.send(tab, Control::Eof),
            Effect::Kill { key } => kill(backend, key, ctl),
        }
        true
    }

    /// Starts tab `tab`'s terminal task, owning `writer`; returns what the exec's worker
    /// needs of it and the receiver of the session's controls.
    fn open_tab(
        &mut self,
        tab: TabId,
        writer: TerminalWriter,
    ) -> (TermLink, mpsc::UnboundedReceiver<Control>) {
        let (control, rx) = mpsc::unbounded_channel();
        let (cmds, output) = tab_task::spawn(tab, writer, control.clone(), self.ctl.clone());
        self.tabs.insert(
            tab,
            TabLink {
                control,
                terminal: cmds.clone(),
            },
        );
        (TermLink { cmds, output }, rx)
    }

    /// Answers with a snapshot of the backend: containerd lists its execs; Kubernetes keeps
    /// none, so the watch's view of the pods comes back with no execs and ours stand.
    fn resync(&mut self, scope: crate::domain::Scope, believed: Vec<ExecKey>, generation: u64) {
        let ctl = self.ctl.clone();
        let Backend::Containerd { rt, .. } = self.backend.clone() else {
            self.follow(&scope);
            let _ = ctl.send(Msg::Snapshot(Snapshot {
                containers: self.pods.containers(),
                running: Vec::new(),
                ended: Vec::new(),
                facts: Vec::new(),
                generation,
            }));
            return;
        };
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

    /// Makes the cluster's watch follow `scope`: a new scope ends the old watch and starts
    /// one for it (its first list fills the view, then tells the console it changed).
    fn follow(&mut self, scope: &crate::domain::Scope) {
        let (Backend::Kube(cluster), Some(watch)) = (&self.backend, self.watch.as_mut()) else {
            return;
        };
        if watch.task.is_some() && watch.scope == *scope {
            return;
        }
        if let Some(old) = watch.task.take() {
            old.abort();
        }
        self.pods = crate::kube::watch::PodView::default();
        let (feed_tx, mut feed_rx) = mpsc::unbounded_channel();
        let namespace = scope.namespace().map(|n| n.as_str().to_owned());
        let task = tokio::spawn(crate::kube::watch::follow(
            cluster.client.clone(),
            namespace,
            self.pods.clone(),
            feed_tx,
        ));
        let events = watch.events.clone();
        tokio::spawn(async move {
            while let Some(item) = feed_rx.recv().await {
                if events.send(Msg::Feed(item)).is_err() {
                    return;
                }
            }
        });
        watch.scope = scope.clone();
        watch.task = Some(task.abort_handle());
    }

    /// A control for the tab's session (gone once the session ended: then nothing to do).
    fn send(&self, tab: TabId, cmd: Control) {
        if let Some(t) = self.tabs.get(&tab) {
            let _ = t.control.send(cmd);
        }
    }
}

/// The `K` key: SIGKILL to an exec's process. Kubernetes names no exec, so there only a
/// tab's own exec can be ended, by closing the tab.
fn kill(backend: Backend, key: ExecKey, ctl: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let result = match &backend {
            Backend::Containerd { rt, .. } => {
                rt.exec_kill(&key, 9).await.map_err(|e| e.to_string())
            }
            Backend::Kube(_) => Err(
                "Kubernetes lists no execs: only a tab's own exec can be ended, by closing its tab"
                    .into(),
            ),
        };
        let _ = ctl.send(Msg::KillDone { key, result });
    });
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

/// The container's defaults, a fresh exec id and, for a shell, the first shell that exists;
/// an error names the container.
async fn prepare(
    rt: &Runtime,
    p: &PendingExec,
) -> Result<(crate::domain::ProcessDefaults, ExecKey, Vec<String>), String> {
    let c = &p.container;
    let named = |e: &dyn std::fmt::Display| format!("{}: {e}", c.container);
    let spec = rt
        .container_spec(&c.namespace, &c.container)
        .await
        .map_err(|e| named(&e))?;
    let key = ExecKey {
        namespace: c.namespace.clone(),
        container: c.container.clone(),
        exec: new_exec_id(),
    };
    let args = match &p.shell {
        None => p.config.args.clone(),
        Some(shells) => {
            let task = match rt.task(&c.namespace, &c.container).await {
                Ok(t) => t,
                // A container without a task: the same words as the registry's refusal.
                Err(e) if e.is_not_found() => {
                    return Err(RegistryError::NoTask(c.container.to_string()).to_string());
                }
                Err(e) => return Err(named(&e)),
            };
            let root = PathBuf::from(format!("/proc/{}/root", task.pid));
            // File lookups in a root the container controls: off the async workers.
            let shells = shells.clone();
            let found = tokio::task::spawn_blocking(move || {
                let found = shells.iter().find(|s| spec::executable_in_root(&root, s));
                // None found (or the root is not visible from here): the last one, whose
                // failure to start will say why.
                found
                    .or(shells.last())
                    .cloned()
                    .unwrap_or_else(|| "/bin/sh".into())
            })
            .await
            .map_err(|e| named(&e))?;
            vec![found]
        }
    };
    Ok((spec::defaults(&spec), key, args))
}

/// `prepare` on a cluster: no defaults to read (Kubernetes runs an exec with its
/// container's environment, directory and user), a fresh exec id and, for a shell, the
/// first of the shells that exists in the container (asked of its `sh`).
async fn prepare_kube(
    cluster: &crate::kube::Cluster,
    p: &PendingExec,
) -> Result<(crate::domain::ProcessDefaults, ExecKey, Vec<String>), String> {
    let c = &p.container;
    let key = ExecKey {
        namespace: c.namespace.clone(),
        container: c.container.clone(),
        exec: new_exec_id(),
    };
    let args = match &p.shell {
        None => p.config.args.clone(),
        Some(shells) => {
            let target = c.container.as_str();
            let (pod, container) = match target.split_once('/') {
                Some((pod, name)) => (pod, Some(name)),
                None => (target, None),
            };
            let shell = crate::kube::short::first_shell(
                &cluster.client,
                c.namespace.as_str(),
                pod,
                container,
                shells,
            )
            .await
            .map_err(|e| format!("{}: {e}", c.container))?;
            vec![shell]
        }
    };
    Ok((crate::domain::ProcessDefaults::default(), key, args))
}

/// Owns one exec from launch to deletion: launches it, pumps its output to the tab's
/// terminal task, and drives the session until it ends.
async fn tab_worker(
    backend: Backend,
    tab: TabId,
    plan: StartPlan,
    term: TermLink,
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
        Err(LaunchError::Kube(e)) => {
            let _ = ctl.send(Msg::StartFailed {
                tab,
                message: e.to_string(),
            });
            return;
        }
    };
    let started = Msg::Started {
        tab,
        pid: exec.pid(),
    };
    drive(exec, io, (tab, started), term, controls, ctl).await;
}

/// Takes over a running exec of ours that another execmux left, then drives it as a
/// launched one; a refusal answers `AttachRefused`.
async fn attach_worker(
    backend: Backend,
    tab: TabId,
    (key, size): (ExecKey, ConsoleSize),
    term: TermLink,
    controls: mpsc::UnboundedReceiver<Control>,
    ctl: mpsc::UnboundedSender<Msg>,
) {
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
    let attached = Msg::Attached {
        tab,
        pid: exec.pid(),
        tty: exec.tty(),
        stdin: io.stdin.is_some(),
        size,
    };
    drive(exec, io, (tab, attached), term, controls, ctl).await;
}

/// Binds a started exec's session to the tab's terminal task, tells `started`, pumps the
/// exec's output to the task and drives the session to the end; the task tells `Ended`
/// after the last output.
async fn drive(
    exec: Exec,
    io: Streams,
    (tab, started): (TabId, Msg),
    term: TermLink,
    mut controls: mpsc::UnboundedReceiver<Control>,
    ctl: mpsc::UnboundedSender<Msg>,
) {
    let tty = exec.tty();
    let session = Session::new(exec, io.stdin);
    // Bound before the console hears of the start, so that the resizes it sends then
    // reach the exec. A terminal answers queries on a tty only: without one the stream is
    // data.
    let _ = term.cmds.send(TermCmd::Bind {
        replies: if tty { session.replies() } else { None },
        tty,
    });
    let _ = ctl.send(started);
    // Without a tty nothing turns LF into CRLF: the tab does, as a terminal would.
    let mut readers = vec![tokio::spawn(tab_task::pump(
        io.stdout,
        term.output.clone(),
        !tty,
    ))];
    if let Some(err) = io.stderr {
        readers.push(tokio::spawn(tab_task::pump(err, term.output.clone(), !tty)));
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
    // After the pumps' output, in order; a tab already gone hears nothing.
    let _ = term.output.send(Fed::Ended(exit)).await;
}
