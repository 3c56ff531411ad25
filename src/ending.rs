//! The one way an exec of ours ends, whoever ends it: a session's cancel, a launch that
//! failed half way, an exec dropped by an aborted task, the reaper. SIGKILL, sent again
//! while it does not reach the exec; the wait for the exit, said while a paused container
//! holds the kill; the delete; then the FIFO directory, kept with its owner record when the
//! delete failed so that a later reaper finds it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::audit::{self, AuditEvent, AuditKind};
use crate::domain::{ExecKey, ExitInfo, TaskState};
use crate::family;
use crate::procfs::off_workers;
use crate::runtime::{Runtime, RuntimeError};

/// How often the wait after a kill looks again: a kill that did not reach the exec is sent
/// again, a paused container is noticed.
const RECHECK: Duration = Duration::from_secs(1);

/// Why an exec's exit status is not known.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExitError {
    /// The wait failed (containerd lost the process, or refused).
    #[error("{0}")]
    Wait(Arc<RuntimeError>),
    /// The task that waited ended without an answer (aborted or panicked).
    #[error("the wait for the exit ended: {0}")]
    Waiter(String),
    /// The kill got no exit within the bound; the exec is left for the reaper.
    #[error("wait after kill timed out after {secs} s; the exec is left for a later reap")]
    NoExit { secs: u64 },
    /// The user stopped the wait; what could not be deleted is left for the reaper.
    #[error("the kill was not waited for; the exec is left for the reaper")]
    Forced,
    /// The exec exited but containerd did not delete it; it is left for the reaper.
    #[error("exec not deleted ({0}); it is left for the reaper")]
    Delete(Arc<RuntimeError>),
    /// The Kubernetes backend lost the exit or could not end the exec.
    #[error("{0}")]
    Kube(Arc<crate::kube::KubeError>),
}

impl ExitError {
    /// Whether containerd no longer knew the exec (its exit status is gone with it).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Wait(e) | Self::Delete(e) if e.is_not_found())
    }
}

/// The answer of the Wait issued for one exec (before its Start, so that no exit is
/// missed), kept once it came: a `JoinHandle` cannot be awaited twice.
#[derive(Debug)]
pub struct Waiter {
    task: JoinHandle<Result<ExitInfo, RuntimeError>>,
    exit: Option<Result<ExitInfo, ExitError>>,
}

impl Waiter {
    pub fn spawn<F>(wait: F) -> Self
    where
        F: Future<Output = Result<ExitInfo, RuntimeError>> + Send + 'static,
    {
        Self {
            task: tokio::spawn(wait),
            exit: None,
        }
    }

    /// The exit (cancel-safe: may be raced in a `select!`).
    pub async fn exited(&mut self) -> Result<ExitInfo, ExitError> {
        if let Some(exit) = &self.exit {
            return exit.clone();
        }
        let got = match (&mut self.task).await {
            Ok(r) => r.map_err(|e| ExitError::Wait(Arc::new(e))),
            Err(e) => Err(ExitError::Waiter(e.to_string())),
        };
        self.exit = Some(got.clone());
        got
    }

    /// The exit when it is known already (`exited` would return at once).
    pub fn has_exited(&self) -> bool {
        self.exit.is_some() || self.task.is_finished()
    }

    /// Stops waiting (after a failed Start, Wait answers 0 at once and means nothing).
    pub fn abort(&self) {
        self.task.abort();
    }
}

/// What happens while a paused container holds the kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhilePaused {
    /// Wait on, saying so: someone watches and can stop the wait.
    Wait,
    /// Give up at the bound as for any other missing exit.
    GiveUp,
}

/// How long the wait after a kill lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long to wait for the exit of an exec whose container is not paused.
    pub give_up: Duration,
    pub while_paused: WhilePaused,
}

impl Policy {
    /// An exec a user watches (a tab, `execmux exec`): a paused container is waited on
    /// until it is resumed or the user stops the wait.
    pub fn watched(rt: &Runtime) -> Self {
        Self {
            give_up: rt.deadlines().kill_wait,
            while_paused: WhilePaused::Wait,
        }
    }

    /// Nobody watches (a failed launch, a dropped exec, the reaper): the wait ends at the
    /// runtime's `kill_wait`, and what did not exit is left for a later reaper.
    pub fn unattended(rt: &Runtime) -> Self {
        Self {
            give_up: rt.deadlines().kill_wait,
            while_paused: WhilePaused::GiveUp,
        }
    }
}

/// The exec being ended.
pub struct Target<'a> {
    pub rt: &'a Runtime,
    pub key: &'a ExecKey,
    /// What the audit log says about the exec, when it records this one's kill.
    pub audit: Option<&'a AuditEvent>,
}

impl Target<'_> {
    /// SIGKILL to every process the exec started (`family`), then to the exec, recorded
    /// in the audit log; false when it did not reach the exec.
    pub async fn kill(&self) -> bool {
        self.end_family().await;
        let r = self.rt.exec_kill(self.key, 9).await;
        if let Some(a) = self.audit {
            let mut line = AuditEvent {
                event: AuditKind::Kill,
                ..a.clone()
            };
            if let Err(e) = &r {
                line = line.with_error(e.to_string());
            }
            audit::record(&line);
        }
        if let Err(e) = &r {
            tracing::warn!(exec = %self.key, error = %e, "kill");
        }
        r.is_ok()
    }

    /// Kills what the exec started, among its container's processes; what cannot be
    /// listed is logged and left (the exec's own kill still follows).
    async fn end_family(&self) {
        let k = self.key;
        let pids = match self.rt.pids(&k.namespace, &k.container).await {
            Ok(p) => p,
            Err(e) => {
                tracing::info!(exec = %k, error = %e, "the exec's processes not listed");
                return;
            }
        };
        let root = pids
            .iter()
            .find(|p| p.exec.as_ref() == Some(&k.exec))
            .map(|p| p.pid);
        let all: Vec<u32> = pids.iter().map(|p| p.pid).collect();
        let mark = family::mark(&k.exec);
        if let Some(ended) = off_workers(move || family::end(&all, root, &mark)).await
            && ended.killed > 0
        {
            tracing::info!(exec = %k, killed = ended.killed, "killed the processes the exec started");
        }
    }

    /// Whether the container of the exec is paused (the kill is held until it resumes).
    async fn paused(&self) -> bool {
        let k = self.key;
        matches!(
            self.rt.task(&k.namespace, &k.container).await,
            Ok(t) if matches!(t.state, TaskState::Paused | TaskState::Pausing)
        )
    }
}

/// Why the kill is not answered yet, for whoever watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Paused,
    NoExitYet,
}

impl Held {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Paused => "container paused",
            Self::NoExitYet => "no exit yet",
        }
    }
}

/// SIGKILL, then the wait for the exit as `policy` says; `stop` ends the wait early (a
/// user's second close). The kill is sent again while it does not reach the exec;
/// `notice` hears once why the exit is late.
pub async fn kill_and_wait(
    target: &Target<'_>,
    waiter: &mut Waiter,
    policy: Policy,
    stop: impl Future<Output = ()>,
    notice: &mut (dyn FnMut(Held) + Send),
) -> Result<ExitInfo, ExitError> {
    let mut killed = target.kill().await;
    let give_up = Instant::now() + policy.give_up;
    let mut said = false;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            exit = waiter.exited() => return exit,
            () = &mut stop => {
                tracing::warn!(exec = %target.key, "the wait after the kill was stopped");
                return Err(ExitError::Forced);
            }
            () = tokio::time::sleep(RECHECK) => {}
        }
        if !killed {
            killed = target.kill().await;
        }
        let paused = target.paused().await;
        if paused && policy.while_paused == WhilePaused::Wait {
            if !said {
                notice(Held::Paused);
                said = true;
            }
            continue;
        }
        if Instant::now() >= give_up {
            tracing::warn!(exec = %target.key, "no exit after the kill; giving up");
            return Err(ExitError::NoExit {
                secs: policy.give_up.as_secs().max(1),
            });
        }
        if !said {
            notice(if paused {
                Held::Paused
            } else {
                Held::NoExitYet
            });
            said = true;
        }
    }
}

/// Deletes the exec in containerd; on success (or when containerd no longer knows it)
/// `remove_fifos` removes its FIFO directory. A failed delete keeps the directory and its
/// owner record for the reaper. The exit status is containerd's when it still knew it.
pub async fn delete(
    rt: &Runtime,
    key: &ExecKey,
    remove_fifos: impl FnOnce(),
) -> Result<Option<ExitInfo>, RuntimeError> {
    match rt.exec_delete(key).await {
        Ok(exit) => {
            remove_fifos();
            Ok(Some(exit))
        }
        Err(e) if e.is_not_found() => {
            remove_fifos();
            Ok(None)
        }
        Err(e) => {
            tracing::warn!(exec = %key, error = %e,
                "exec not deleted; its FIFO directory is left for the reaper");
            Err(e)
        }
    }
}

/// The whole end: kill, wait, delete, FIFOs. The exit is the waiter's, else the one the
/// delete returns; an exec that could not be deleted is an error whatever its exit.
pub async fn end(
    target: &Target<'_>,
    waiter: &mut Waiter,
    policy: Policy,
    stop: impl Future<Output = ()>,
    notice: &mut (dyn FnMut(Held) + Send),
    remove_fifos: impl FnOnce(),
) -> Result<ExitInfo, ExitError> {
    let exit = if waiter.has_exited() {
        waiter.exited().await
    } else {
        kill_and_wait(target, waiter, policy, stop, notice).await
    };
    finish(target.rt, target.key, exit, remove_fifos).await
}

/// After the wait: the delete and the FIFOs, and the exit that is known.
pub async fn finish(
    rt: &Runtime,
    key: &ExecKey,
    waited: Result<ExitInfo, ExitError>,
    remove_fifos: impl FnOnce(),
) -> Result<ExitInfo, ExitError> {
    match (waited, delete(rt, key, remove_fifos).await) {
        (Ok(exit), Ok(_)) | (Err(_), Ok(Some(exit))) => Ok(exit),
        (Ok(_), Err(e)) => Err(ExitError::Delete(Arc::new(e))),
        // Not deleted, or no exit known: why the exit is missing says more than a refused
        // delete.
        (Err(e), Ok(None) | Err(_)) => Err(e),
    }
}

/// Ends an exec nobody holds (an orphan, or one whose owner was dropped): the status from
/// Get decides whether it still needs the kill, then the same wait and delete as any
/// other end. `Ok(None)` when containerd no longer knew it.
pub async fn reap(
    rt: &Runtime,
    key: &ExecKey,
    remove_fifos: impl FnOnce(),
) -> Result<Option<ExitInfo>, ExitError> {
    let status = match rt
        .process(&key.namespace, &key.container, Some(&key.exec))
        .await
    {
        Ok(s) => s,
        Err(e) if e.is_not_found() => {
            remove_fifos();
            return Ok(None);
        }
        Err(e) => return Err(ExitError::Wait(Arc::new(e))),
    };
    if status.pid != 0 && status.exit.is_none() {
        let target = Target {
            rt,
            key,
            audit: None,
        };
        let mut waiter = {
            let (rt, key) = (rt.clone(), key.clone());
            Waiter::spawn(async move { rt.exec_wait(&key).await })
        };
        let exit = kill_and_wait(
            &target,
            &mut waiter,
            Policy::unattended(rt),
            std::future::pending(),
            &mut |_| {},
        )
        .await;
        waiter.abort();
        // Without an exit the delete cannot succeed: the exec stays for a later reap.
        exit?;
    }
    delete(rt, key, remove_fifos)
        .await
        .map_err(|e| ExitError::Delete(Arc::new(e)))
}
