//! One exec over `pods/exec` (websocket v5, v4 when the server has no v5): launched under
//! the wrapper of `kill`, its streams (stdout without the marker), its size, its exit from
//! the status channel, and its end: the killer exec, then the wait for the exit.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kube::api::TerminalSize;
use tokio::sync::{mpsc, watch};

use super::KubeError;
use super::kill;
use super::marker::{MarkState, Marked};
use super::status::{Ending, ending};
use super::stream::{self, Target, Tasks};
use crate::backend::{Input, Output, Streams};
use crate::domain::{ConsoleSize, ExecKey, ExitInfo, Link};

/// Where and what to run.
#[derive(Debug, Clone)]
pub struct KubePlan {
    pub namespace: String,
    pub pod: String,
    /// The pod's first container when `None` (as kubectl picks it, the API server does).
    pub container: Option<String>,
    pub command: Vec<String>,
    pub tty: bool,
    pub stdin: bool,
    pub console: Option<ConsoleSize>,
    /// The exec's id (random, as for containerd).
    pub id: String,
}

/// How long an end waits for the exec's exit once the killer is done.
const EXIT_AFTER_KILL: Duration = Duration::from_secs(5);
/// How long the killer is tried (again each second while the API server fails).
pub const KILL_WAIT: Duration = Duration::from_secs(20);

type ExitSlot = Option<Result<ExitInfo, Arc<KubeError>>>;

/// A running exec in a pod.
pub struct KubeExec {
    pub key: ExecKey,
    client: kube::Client,
    namespace: String,
    pod: String,
    container: Option<String>,
    pub tty: bool,
    mark: watch::Receiver<MarkState>,
    exit: watch::Receiver<ExitSlot>,
    resize: Option<mpsc::Sender<TerminalSize>>,
    link: watch::Sender<Link>,
    /// Holds the stream open (dropping it ends the stream).
    process: Option<Tasks>,
    ended: bool,
}

impl std::fmt::Debug for KubeExec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeExec")
            .field("key", &self.key)
            .field("pod", &self.pod)
            .field("container", &self.container)
            .field("tty", &self.tty)
            .finish_non_exhaustive()
    }
}

pub async fn launch(
    client: kube::Client,
    plan: &KubePlan,
    key: ExecKey,
) -> Result<(KubeExec, Streams), KubeError> {
    let first = plan.console.filter(|_| plan.tty).map(|size| TerminalSize {
        width: size.cols,
        height: size.rows,
    });
    let opened = stream::open(
        &client,
        Target {
            namespace: &plan.namespace,
            pod: &plan.pod,
            container: plan.container.as_deref(),
            command: kill::wrapped(&plan.id, &plan.command),
            tty: plan.tty,
            stdin: plan.stdin,
            stdout: true,
        },
        first,
    )
    .await?;
    let stdout = opened
        .stdout
        .ok_or_else(|| KubeError::Api("the exec has no stdout".into()))?;
    let (stdout, mark) = Marked::new(stdout, &plan.id);
    let stderr = opened.stderr.map(|e| Box::pin(e) as Output);
    let stdin = opened.stdin.map(|i| Box::pin(i) as Input);
    let (exit_tx, exit) = watch::channel(None);
    let exit_tx = Arc::new(exit_tx);
    let status = opened.status;
    let first_exit = exit_tx.clone();
    tokio::spawn(async move {
        let got = match status.await {
            Ok(s) => {
                let code = match ending(&s) {
                    Ending::Exited(code) => code,
                    Ending::Failed { code, message } => {
                        tracing::info!(code, message = %message, "exec failed in the pod");
                        code
                    }
                };
                Ok(ExitInfo {
                    code,
                    at: Some(SystemTime::now()),
                })
            }
            Err(_) => Err(Arc::new(KubeError::NoStatus(String::new()))),
        };
        set_once(&first_exit, got);
    });
    if plan.stdin {
        let probe = Probe {
            client: client.clone(),
            namespace: plan.namespace.clone(),
            pod: plan.pod.clone(),
            container: plan.container.clone(),
        };
        tokio::spawn(watch_stdin(
            probe,
            opened.progress.clone(),
            mark.clone(),
            exit_tx,
        ));
    }
    let (link, _) = watch::channel(Link::Up);
    let exec = KubeExec {
        key,
        client,
        namespace: plan.namespace.clone(),
        pod: plan.pod.clone(),
        container: plan.container.clone(),
        tty: plan.tty,
        mark,
        exit,
        resize: opened.resize,
        link,
        process: Some(opened.tasks),
        ended: false,
    };
    Ok((
        exec,
        Streams {
            stdin,
            stdout: Box::pin(stdout),
            stderr,
        },
    ))
}

/// The first exit told wins.
fn set_once(tx: &watch::Sender<ExitSlot>, got: Result<ExitInfo, Arc<KubeError>>) {
    tx.send_if_modified(|v| {
        if v.is_some() {
            return false;
        }
        *v = Some(got);
        true
    });
}

/// How long the stream may wait on the exec's input before its process is looked for, and
/// the longest wait between two looks at a process that still runs.
const STUCK: Duration = Duration::from_secs(2);
const STUCK_MAX: Duration = Duration::from_secs(60);
/// How long a look may take, and how long the status may still take once the process was
/// seen gone.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
const STATUS_GRACE: Duration = Duration::from_secs(2);

/// An exec that exits without reading all of its stdin leaves the cluster waiting for
/// that input to be taken before it reports the exit (containerd's CRI), so the stream
/// would hang: our send stuck, or the input (and the end of it) buffered on the way. When
/// the stream waits like that for `STUCK`, a probe exec looks for the exec's process: gone
/// (and still no status after `STATUS_GRACE`) means ended, with the input left. A process
/// that still runs is looked at again, less and less often.
async fn watch_stdin(
    probe: Probe,
    progress: Arc<stream::Progress>,
    mut mark: watch::Receiver<MarkState>,
    exit: Arc<watch::Sender<ExitSlot>>,
) {
    let over = || exit.borrow().is_some() || exit.receiver_count() == 0;
    // What the stream had moved (input sent, output frames) when it began to wait.
    let mut since: Option<((u64, u64), tokio::time::Instant)> = None;
    let mut wait = STUCK;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if over() {
            return;
        }
        let Some(at) = progress.waiting_at() else {
            since = None;
            wait = STUCK;
            continue;
        };
        let moved = (at, progress.received());
        let began = match since {
            Some((m, t)) if m == moved => t,
            _ => {
                since = Some((moved, tokio::time::Instant::now()));
                wait = STUCK;
                continue;
            }
        };
        if began.elapsed() < wait {
            continue;
        }
        let m = match *mark.borrow_and_update() {
            MarkState::Found(m) => m,
            MarkState::Missing => return,
            MarkState::Waiting => continue,
        };
        match tokio::time::timeout(PROBE_TIMEOUT, probe.alive(m.pid, m.start)).await {
            Ok(Ok(false)) => {
                tokio::time::sleep(STATUS_GRACE).await;
                if over() {
                    return;
                }
                if progress.waiting_at().is_none() || progress.received() != moved.1 {
                    // Output still drains: the status comes after it.
                    continue;
                }
                tracing::info!(sent = at, "the exec ended with input it did not read");
                let e = if at > 0 {
                    KubeError::InputLeft(at)
                } else {
                    KubeError::NoStatus(" (its process has ended)".into())
                };
                set_once(&exit, Err(Arc::new(e)));
                return;
            }
            Ok(Ok(true)) => {
                since = Some((moved, tokio::time::Instant::now()));
                wait = (wait * 2).min(STUCK_MAX);
            }
            Ok(Err(e)) => tracing::info!(error = %e, "probe of a stuck exec"),
            Err(_) => tracing::info!("probe of a stuck exec: no answer in 10 s"),
        }
    }
}

/// Asks the container whether a process still runs.
struct Probe {
    client: kube::Client,
    namespace: String,
    pod: String,
    container: Option<String>,
}

impl Probe {
    async fn alive(&self, pid: u32, start: u64) -> Result<bool, KubeError> {
        let opened = stream::open(
            &self.client,
            Target {
                namespace: &self.namespace,
                pod: &self.pod,
                container: self.container.as_deref(),
                command: kill::alive(pid, start),
                tty: false,
                stdin: false,
                stdout: false,
            },
            None,
        )
        .await?;
        let status = opened.status.await.ok();
        drop(opened.tasks);
        match status.as_ref().map(ending) {
            Some(Ending::Exited(0)) => Ok(true),
            Some(Ending::Exited(1)) => Ok(false),
            _ => Err(KubeError::NoStatus(" (the probe)".into())),
        }
    }
}

impl KubeExec {
    /// The process's pid in its container once the marker was read, else 0.
    pub fn pid(&self) -> u32 {
        match *self.mark.borrow() {
            MarkState::Found(m) => m.pid,
            _ => 0,
        }
    }

    pub fn link(&self) -> watch::Receiver<Link> {
        self.link.subscribe()
    }

    /// The exit (cancel-safe).
    pub async fn exited(&mut self) -> Result<ExitInfo, Arc<KubeError>> {
        loop {
            if let Some(r) = self.exit.borrow_and_update().clone() {
                return r;
            }
            if self.exit.changed().await.is_err() {
                return Err(Arc::new(KubeError::NoStatus(String::new())));
            }
        }
    }

    pub fn resizer(&self) -> Option<mpsc::Sender<TerminalSize>> {
        self.resize.clone()
    }

    /// After the exit: nothing to delete (Kubernetes keeps no exec objects).
    pub async fn finish(mut self) -> Result<ExitInfo, Arc<KubeError>> {
        self.ended = true;
        self.exited().await
    }

    /// Kills the exec and all it started (the killer exec), then waits for its exit.
    /// `stop` ends the wait early.
    pub async fn end(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<ExitInfo, Arc<KubeError>> {
        self.ended = true;
        let killer = Killer::of(&self);
        tokio::select! {
            r = async {
                let outcome = killer.run(KILL_WAIT).await;
                let exit = tokio::time::timeout(EXIT_AFTER_KILL, self.exited()).await;
                match (exit, outcome) {
                    (Ok(Ok(e)), _) => Ok(e),
                    // The status was lost with the stream, but the killer killed the process.
                    (_, Ok(Killed::Yes)) => Ok(ExitInfo { code: 137, at: Some(SystemTime::now()) }),
                    (Ok(Err(e)), Ok(Killed::AlreadyGone)) => Err(e),
                    (Err(_), Ok(Killed::AlreadyGone)) => Err(Arc::new(KubeError::NoStatus(
                        " (it had ended before the kill)".into(),
                    ))),
                    (_, Err(e)) => Err(Arc::new(e)),
                }
            } => r,
            () = stop => Err(Arc::new(KubeError::NoStatus(": the kill was not waited for".into()))),
        }
    }

    /// Leaves nothing behind in the background (no exec can be taken up again later on
    /// Kubernetes, so a detach ends it too).
    fn kill_in_background(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        let killer = Killer::of(self);
        let process = self.process.take();
        if let Ok(h) = tokio::runtime::Handle::try_current() {
            h.spawn(async move {
                if let Err(e) = killer.run(KILL_WAIT).await {
                    tracing::warn!(exec = %killer.id, error = %e, "killing a dropped exec");
                }
                drop(process);
            });
        } else {
            tracing::warn!(exec = %killer.id, "dropped outside a runtime: not killed");
        }
    }

    pub fn detach(mut self) {
        tracing::warn!(exec = %self.key, "a Kubernetes exec cannot be taken up again: ending it");
        self.kill_in_background();
    }
}

impl Drop for KubeExec {
    fn drop(&mut self) {
        self.kill_in_background();
    }
}

/// What the killer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Killed {
    Yes,
    /// Nothing of the exec was running.
    AlreadyGone,
}

/// What the killer needs, apart from the exec.
struct Killer {
    client: kube::Client,
    namespace: String,
    pod: String,
    container: Option<String>,
    id: String,
    pid: u32,
    start: u64,
}

impl Killer {
    fn of(e: &KubeExec) -> Self {
        let (pid, start) = match *e.mark.borrow() {
            MarkState::Found(m) => (m.pid, m.start),
            _ => (0, 0),
        };
        Self {
            client: e.client.clone(),
            namespace: e.namespace.clone(),
            pod: e.pod.clone(),
            container: e.container.clone(),
            id: e.key.exec.to_string(),
            pid,
            start,
        }
    }

    /// Runs the killer until it says nothing is left, trying again each second within
    /// `bound` while the API server fails.
    async fn run(&self, bound: Duration) -> Result<Killed, KubeError> {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let r = self.once().await;
            match r {
                Ok(k) => return Ok(k),
                Err(e @ (KubeError::PodNotFound { .. } | KubeError::Forbidden(_))) => {
                    return Err(e);
                }
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
                Err(e) => {
                    tracing::info!(exec = %self.id, error = %e, "killer: trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn once(&self) -> Result<Killed, KubeError> {
        let opened = stream::open(
            &self.client,
            Target {
                namespace: &self.namespace,
                pod: &self.pod,
                container: self.container.as_deref(),
                command: kill::killer(&self.id, self.pid, self.start),
                tty: false,
                stdin: false,
                stdout: false,
            },
            None,
        )
        .await?;
        let mut err = opened.stderr;
        let said = tokio::spawn(async move {
            // Read to the end (the stream waits on an unread stderr), keep the start.
            let mut text = Vec::new();
            let mut buf = [0u8; 4096];
            while let Some(e) = err.as_mut() {
                match tokio::io::AsyncReadExt::read(e, &mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = 4096usize.saturating_sub(text.len());
                        text.extend_from_slice(&buf[..n.min(room)]);
                    }
                }
            }
            String::from_utf8_lossy(&text).into_owned()
        });
        let status = opened.status.await.ok();
        drop(opened.tasks);
        let said = said.await.unwrap_or_default();
        match status.as_ref().map(ending) {
            Some(Ending::Exited(0)) => Ok(Killed::Yes),
            Some(Ending::Exited(3)) => Ok(Killed::AlreadyGone),
            Some(_) => Err(KubeError::Api(format!(
                "the kill of exec {} did not finish: {}",
                self.id,
                crate::cmd::clean::text(said.trim())
            ))),
            None => Err(KubeError::NoStatus(" (the killer)".into())),
        }
    }
}
