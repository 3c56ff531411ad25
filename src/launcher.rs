//! Runs one exec of ours on the runtime: FIFOs, Exec, Wait before Start, Start; and on every
//! path out (failed create, failed start, exit, cancel) the delete and the FIFO removal.

use std::path::Path;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::audit::{self, AuditEvent, AuditKind};
use crate::domain::Link;

use crate::domain::{ConsoleSize, ExecKey, ExitInfo};
use crate::registry::StartPlan;
use crate::runtime::adopt::{self, AttachError};
use crate::runtime::spec::ProcessRequest;
use crate::runtime::stdio::{Opened, StdioSet};
use crate::runtime::{Runtime, RuntimeError};

/// How often a cancel sends its SIGKILL again while it has not reached the exec.
const KILL_RETRY: Duration = Duration::from_secs(1);

/// Where a launch failed: before the process existed, or when starting it.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("{0}")]
    Create(RuntimeError),
    #[error("{0}")]
    Start(RuntimeError),
}

/// A started exec with its streams; `finish` or `cancel` must end it.
#[derive(Debug)]
pub struct Launched {
    pub key: ExecKey,
    pub pid: u32,
    /// Whether the exec has a terminal.
    pub tty: bool,
    /// The streams; take them (`Option::take`) to pump them.
    pub io: Option<Opened>,
    wait: JoinHandle<Result<ExitInfo, RuntimeError>>,
    /// The waiter's answer once it came (a `JoinHandle` cannot be awaited twice).
    exit: Option<Result<ExitInfo, String>>,
    stdio: StdioSet,
    rt: Runtime,
    /// Finished, cancelled or detached: nothing left for `Drop` to clean up.
    done: bool,
    /// Whether containerd answers the waiter.
    link: watch::Receiver<Link>,
    /// What the audit log says about this exec.
    audit: AuditEvent,
}

fn process_request(plan: &StartPlan) -> ProcessRequest {
    ProcessRequest {
        args: plan.args.clone(),
        env: plan.env.clone(),
        cwd: plan.cwd.clone(),
        user: plan.user.clone(),
        tty: plan.tty,
        console: plan.console,
        privileged: plan.privileged,
    }
}

/// Creates the FIFOs, the exec and its waiter, then starts it. Nothing is left behind when
/// this fails: the exec is deleted and its FIFO directory removed.
pub async fn launch(rt: &Runtime, base: &Path, plan: &StartPlan) -> Result<Launched, LaunchError> {
    let key = plan.key.clone();
    let stdio = StdioSet::create(base, &key, plan.stdin, plan.tty).map_err(LaunchError::Create)?;
    let pending = stdio.open();
    if let Err(e) = rt.exec_create(&key, &process_request(plan), &stdio).await {
        stdio.abort(pending).await;
        return Err(LaunchError::Create(e));
    }
    audit::record(&AuditEvent::from_plan(AuditKind::Create, plan));
    // Wait is issued before Start, as ctr and CRI do, so no exit can be missed; it waits
    // through containerd outages, saying so on `link`.
    let (link_tx, link) = watch::channel(Link::Up);
    let wait = {
        let rt = rt.clone();
        let key = key.clone();
        tokio::spawn(async move { rt.exec_wait_resilient(&key, &link_tx).await })
    };
    let pid = match rt.exec_start(&key).await {
        Ok(pid) => {
            audit::record(&AuditEvent::from_plan(AuditKind::Start, plan));
            pid
        }
        Err(e) => {
            audit::record(
                &AuditEvent::from_plan(AuditKind::StartFailed, plan).with_error(e.message()),
            );
            // After a failed Start, Wait reports 0 at once and means nothing.
            wait.abort();
            let _ = rt.exec_delete(&key).await;
            stdio.abort(pending).await;
            return Err(LaunchError::Start(e));
        }
    };
    let opened = match tokio::time::timeout(Duration::from_secs(30), pending.finish()).await {
        Ok(r) => r,
        Err(_) => Err(RuntimeError::Timeout {
            op: "open FIFOs",
            secs: 30,
        }),
    };
    let mut launched = Launched {
        key,
        pid,
        tty: plan.tty,
        io: None,
        wait,
        exit: None,
        stdio,
        rt: rt.clone(),
        done: false,
        link,
        audit: AuditEvent::from_plan(AuditKind::Exit, plan),
    };
    match opened {
        Ok(io) => {
            launched.io = Some(io);
            Ok(launched)
        }
        Err(e) => {
            let _ = launched.cancel().await;
            Err(LaunchError::Start(e))
        }
    }
}

/// Takes over a running exec of ours whose owner is gone or handed it over (see
/// `runtime::adopt`): its existing FIFOs opened, Wait issued again, the pid from Get. The
/// result is cleaned up exactly as a launched exec is (`finish`, `cancel`, drop). A tty exec
/// takes the `console` size before anything is typed into it.
pub async fn attach(
    rt: &Runtime,
    key: &ExecKey,
    console: Option<ConsoleSize>,
) -> Result<Launched, AttachError> {
    let claim = adopt::claim(rt, key).await?;
    if let (true, Some(size)) = (claim.status.terminal, console) {
        if let Err(e) = rt.exec_resize(key, size).await {
            tracing::warn!(exec = %key, error = %e, "resize on attach");
        }
    }
    let io = match claim.stdio.open_existing() {
        Ok(io) => io,
        Err(e) => {
            // Handed back: a later attach may try again; the reaper leaves it while it runs.
            claim.stdio.mark_detached();
            return Err(e.into());
        }
    };
    let mut audit = AuditEvent::for_key(AuditKind::Attach, key);
    audit.tty = claim.status.terminal;
    audit::record(&audit);
    let (link_tx, link) = watch::channel(Link::Up);
    let wait = {
        let rt = rt.clone();
        let key = key.clone();
        tokio::spawn(async move { rt.exec_wait_resilient(&key, &link_tx).await })
    };
    Ok(Launched {
        key: key.clone(),
        pid: claim.status.pid,
        tty: claim.status.terminal,
        io: Some(io),
        wait,
        exit: None,
        stdio: claim.stdio,
        rt: rt.clone(),
        done: false,
        link,
        audit: AuditEvent {
            event: AuditKind::Exit,
            ..audit
        },
    })
}

impl Launched {
    /// Waits for the exit (cancel-safe: may be raced in a `select!`).
    pub async fn exited(&mut self) -> Result<ExitInfo, RuntimeError> {
        if self.exit.is_none() {
            let got = match (&mut self.wait).await {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(e) => Err(format!("wait task: {e}")),
            };
            self.exit = Some(got);
        }
        match &self.exit {
            Some(Ok(exit)) => Ok(*exit),
            Some(Err(e)) => Err(RuntimeError::Invalid(e.clone())),
            None => Err(RuntimeError::Invalid("no exit status".into())),
        }
    }

    /// Whether the exit is known (`exited` would return at once).
    pub fn has_exited(&self) -> bool {
        self.exit.is_some() || self.wait.is_finished()
    }

    /// Sends a signal to the exec (a SIGKILL is recorded in the audit log).
    pub async fn signal(&self, signal: u32) -> Result<(), RuntimeError> {
        let r = self.rt.exec_kill(&self.key, signal).await;
        if signal == 9 {
            let mut line = self.audit_line(AuditKind::Kill);
            if let Err(e) = &r {
                line = line.with_error(e.to_string());
            }
            audit::record(&line);
        }
        r
    }

    /// Whether containerd answers, as the waiter sees it.
    pub fn link(&self) -> watch::Receiver<Link> {
        self.link.clone()
    }

    fn audit_line(&self, kind: AuditKind) -> AuditEvent {
        AuditEvent {
            event: kind,
            ..self.audit.clone()
        }
    }

    /// The runtime this exec runs on.
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// Waits for the exit, then deletes the process in containerd and removes the FIFO
    /// directory.
    pub async fn finish(mut self) -> Result<ExitInfo, RuntimeError> {
        let _ = self.exited().await;
        self.release().await
    }

    /// Deletes the process in containerd and removes the FIFO directory now, whether or not
    /// the exit came (after giving up on it). A process that could not be deleted keeps its
    /// FIFO directory and owner record, so that the reaper of a later execmux finds it.
    pub async fn release(mut self) -> Result<ExitInfo, RuntimeError> {
        let exit = if self.has_exited() {
            self.exited().await
        } else {
            Err(RuntimeError::Invalid("no exit status".into()))
        };
        self.io = None;
        let deleted = self.rt.exec_delete(&self.key).await;
        match &deleted {
            Err(e) if !e.is_not_found() => {
                tracing::warn!(exec = %self.key, error = %e,
                    "exec not deleted; its FIFO directory is left for the reaper");
            }
            _ => self.stdio.remove(),
        }
        self.done = true;
        let result = match (exit, deleted) {
            (Ok(exit), _) | (Err(_), Ok(exit)) => Ok(exit),
            (Err(e), Err(_)) => Err(e),
        };
        audit::record(&match &result {
            Ok(exit) => self.audit_line(AuditKind::Exit).with_exit(exit.code),
            Err(e) => self.audit_line(AuditKind::Exit).with_error(e.to_string()),
        });
        result
    }

    /// Cancels: SIGKILL, wait for the exit (bounded by the runtime's `kill_wait`), delete,
    /// remove the FIFOs. A failed kill (containerd away) is sent again while the wait lasts
    /// and never skips the rest; what cannot be deleted is left for the reaper.
    pub async fn cancel(mut self) -> Result<ExitInfo, RuntimeError> {
        let bound = self.rt.deadlines().kill_wait;
        let give_up = Instant::now() + bound;
        let mut killed = self.kill_for_cancel().await;
        loop {
            let next = if killed {
                give_up
            } else {
                (Instant::now() + KILL_RETRY).min(give_up)
            };
            if tokio::time::timeout_at(next, self.exited()).await.is_ok() {
                break;
            }
            if Instant::now() >= give_up {
                tracing::warn!(exec = %self.key, "no exit {} s after the kill", bound.as_secs());
                break;
            }
            killed = self.kill_for_cancel().await;
        }
        self.release().await
    }

    /// SIGKILL for a cancel; false when it did not reach the exec.
    async fn kill_for_cancel(&self) -> bool {
        match self.signal(9).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(exec = %self.key, error = %e, "kill");
                false
            }
        }
    }

    /// Leaves the exec running on purpose (detach from the command line): marks its FIFO
    /// directory so that a later execmux does not reap it as an orphan.
    pub fn detach(mut self) {
        audit::record(&self.audit_line(AuditKind::Detach));
        self.stdio.mark_detached();
        self.done = true;
    }
}

/// A `Launched` dropped without `finish`, `cancel` or `detach` (its task was aborted, or
/// panicked) is still killed, waited for (bounded) and deleted, on the runtime it ran on.
impl Drop for Launched {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(exec = %self.key, "dropped without a runtime; left for the reaper");
            return;
        };
        let rt = self.rt.clone();
        let key = self.key.clone();
        let dir = self.stdio.dir().to_path_buf();
        handle.spawn(async move {
            match rt.exec_reap(&key).await {
                Ok(_) => {
                    if let Err(e) = std::fs::remove_dir_all(&dir) {
                        tracing::warn!(dir = %dir.display(), error = %e, "cannot remove FIFO dir");
                    }
                }
                Err(e) => tracing::warn!(exec = %key, error = %e,
                    "cleanup of a dropped exec failed; left for the reaper"),
            }
        });
    }
}
