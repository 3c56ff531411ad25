//! One exec over `pods/exec` (websocket v5, v4 when the server has no v5): launched under
//! the wrapper of `kill`, its streams (stdout without the marker), its size, its exit from
//! the status channel, and its end: the killer exec, then the wait for the exit.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::SinkExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess, TerminalSize};
use tokio::sync::watch;

use super::KubeError;
use super::kill;
use super::marker::{MarkState, Marked};
use super::status::{Ending, ending};
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
/// The stream buffers: big enough that a flood does not crawl through 1 KiB steps.
const STREAM_BUF: usize = 64 * 1024;

type ExitSlot = Option<Result<ExitInfo, Arc<KubeError>>>;

/// A running exec in a pod.
pub struct KubeExec {
    pub key: ExecKey,
    api: Api<Pod>,
    pod: String,
    container: Option<String>,
    pub tty: bool,
    mark: watch::Receiver<MarkState>,
    exit: watch::Receiver<ExitSlot>,
    resize: Option<futures::channel::mpsc::Sender<TerminalSize>>,
    link: watch::Sender<Link>,
    /// Holds the stream open (dropping it aborts the stream's task).
    process: Option<AttachedProcess>,
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

fn params(container: Option<&str>, tty: bool, stdin: bool) -> AttachParams {
    let mut ap = AttachParams::default()
        .stdin(stdin)
        .stdout(true)
        .stderr(!tty)
        .tty(tty)
        .max_stdin_buf_size(STREAM_BUF)
        .max_stdout_buf_size(STREAM_BUF)
        .max_stderr_buf_size(STREAM_BUF);
    if let Some(c) = container {
        ap = ap.container(c);
    }
    ap
}

pub async fn launch(
    client: kube::Client,
    plan: &KubePlan,
    key: ExecKey,
) -> Result<(KubeExec, Streams), KubeError> {
    let api: Api<Pod> = Api::namespaced(client, &plan.namespace);
    let ap = params(plan.container.as_deref(), plan.tty, plan.stdin);
    let command = kill::wrapped(&plan.id, &plan.command);
    let mut process = api
        .exec(&plan.pod, command, &ap)
        .await
        .map_err(|e| KubeError::from_kube(e, &plan.namespace, &plan.pod))?;
    let mut resize = process.terminal_size();
    if let (Some(tx), Some(size)) = (resize.as_mut(), plan.console) {
        // Queued before any output is read: the first message the stream's task sends.
        let _ = tx
            .send(TerminalSize {
                width: size.cols,
                height: size.rows,
            })
            .await;
    }
    let stdout = process
        .stdout()
        .ok_or_else(|| KubeError::Api("the exec has no stdout".into()))?;
    let (stdout, mark) = Marked::new(stdout, &plan.id);
    let stderr = process.stderr().map(|e| Box::pin(e) as Output);
    let stdin = process.stdin().map(|i| Box::pin(i) as Input);
    let (exit_tx, exit) = watch::channel(None);
    if let Some(status) = process.take_status() {
        tokio::spawn(async move {
            let got = match status.await {
                Some(s) => match ending(&s) {
                    Ending::Exited(code) => Ok(ExitInfo {
                        code,
                        at: Some(SystemTime::now()),
                    }),
                    Ending::Failed { code, message } => {
                        tracing::info!(code, message = %message, "exec failed in the pod");
                        Ok(ExitInfo {
                            code,
                            at: Some(SystemTime::now()),
                        })
                    }
                },
                None => Err(Arc::new(KubeError::NoStatus(String::new()))),
            };
            exit_tx.send_replace(Some(got));
        });
    }
    let (link, _) = watch::channel(Link::Up);
    let exec = KubeExec {
        key,
        api,
        pod: plan.pod.clone(),
        container: plan.container.clone(),
        tty: plan.tty,
        mark,
        exit,
        resize,
        link,
        process: Some(process),
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

    pub fn resizer(&self) -> Option<futures::channel::mpsc::Sender<TerminalSize>> {
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
                let killed = killer.run(KILL_WAIT).await;
                let exit = tokio::time::timeout(EXIT_AFTER_KILL, self.exited()).await;
                match (exit, killed) {
                    (Ok(Ok(e)), _) => Ok(e),
                    // The status was lost with the stream, but the killer saw the process go.
                    (_, Ok(())) => Ok(ExitInfo { code: 137, at: Some(SystemTime::now()) }),
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
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(async move {
                    if let Err(e) = killer.run(KILL_WAIT).await {
                        tracing::warn!(exec = %killer.id, error = %e, "killing a dropped exec");
                    }
                    drop(process);
                });
            }
            Err(_) => tracing::warn!(exec = %killer.id, "dropped outside a runtime: not killed"),
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

/// What the killer needs, apart from the exec.
struct Killer {
    api: Api<Pod>,
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
            api: e.api.clone(),
            pod: e.pod.clone(),
            container: e.container.clone(),
            id: e.key.exec.to_string(),
            pid,
            start,
        }
    }

    /// Runs the killer until it says nothing is left, trying again each second within
    /// `bound` while the API server fails.
    async fn run(&self, bound: Duration) -> Result<(), KubeError> {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let r = self.once().await;
            match r {
                Ok(()) => return Ok(()),
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

    async fn once(&self) -> Result<(), KubeError> {
        let mut ap = AttachParams::default().stdout(false).stderr(true);
        if let Some(c) = &self.container {
            ap = ap.container(c);
        }
        let ns = self.api.namespace().unwrap_or_default().to_owned();
        let mut p = self
            .api
            .exec(&self.pod, kill::killer(&self.id, self.pid, self.start), &ap)
            .await
            .map_err(|e| KubeError::from_kube(e, &ns, &self.pod))?;
        let mut err = p.stderr();
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
        let status = match p.take_status() {
            Some(s) => s.await,
            None => None,
        };
        let said = said.await.unwrap_or_default();
        match status.as_ref().map(ending) {
            Some(Ending::Exited(0)) => Ok(()),
            Some(_) => Err(KubeError::Api(format!(
                "the kill of exec {} did not finish: {}",
                self.id,
                crate::cmd::clean::text(said.trim())
            ))),
            None => Err(KubeError::NoStatus(" (the killer)".into())),
        }
    }
}
