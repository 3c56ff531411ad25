//! Runs one exec of ours on the runtime: FIFOs, Exec, Wait before Start, Start; and on every
//! path out (failed create, failed start, exit, cancel) the delete and the FIFO removal.

use std::path::Path;
use std::time::Duration;

use tokio::sync::watch;

use crate::audit::{self, AuditEvent, AuditKind};
use crate::domain::Link;

use crate::domain::{ConsoleSize, ExecKey, ExitInfo};
use crate::ending::{self, ExitError, Held, Policy, Target, Waiter};
use crate::live_execs;
use crate::registry::StartPlan;
use crate::runtime::adopt::{self, AttachError};
use crate::runtime::spec::ProcessRequest;
use crate::runtime::stdio::{Opened, StdioSet};
use crate::runtime::{Runtime, RuntimeError};

/// Where a launch failed: before the process existed, or when starting it.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("{0}")]
    Create(RuntimeError),
    #[error("{0}")]
    Start(RuntimeError),
    /// The Kubernetes backend refused or failed the exec (nothing runs).
    #[error("{0}")]
    Kube(crate::kube::KubeError),
}

/// A started exec; `finish`, `cancel`, `end` or `detach` ends it, and a drop without one
/// of them kills and deletes it all the same. Its streams are returned beside it.
#[derive(Debug)]
pub struct Launched {
    pub key: ExecKey,
    pub pid: u32,
    /// Whether the exec has a terminal.
    pub tty: bool,
    waiter: Waiter,
    stdio: StdioSet,
    rt: Runtime,
    /// Finished, cancelled or detached: nothing left for `Drop` to clean up.
    done: bool,
    /// Whether containerd answers the waiter.
    link: watch::Receiver<Link>,
    /// What the audit log says about this exec.
    audit: AuditEvent,
    /// Its place among the execs a panic ends.
    live: live_execs::Token,
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
pub async fn launch(
    rt: &Runtime,
    base: &Path,
    plan: &StartPlan,
) -> Result<(Launched, Opened), LaunchError> {
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
        Waiter::spawn(async move { rt.exec_wait_resilient(&key, &link_tx).await })
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
    let live = live_execs::remember(rt, &key, &stdio);
    let launched = Launched {
        key,
        pid,
        tty: plan.tty,
        waiter: wait,
        stdio,
        live,
        rt: rt.clone(),
        done: false,
        link,
        audit: AuditEvent::from_plan(AuditKind::Exit, plan),
    };
    match opened {
        Ok(io) => Ok((launched, io)),
        Err(e) => {
            let _ = launched.cancel().await;
            Err(LaunchError::Start(e))
        }
    }
}

/// Gives a taken-over tty exec the `size`, by way of another one: the kernel signals a size
/// change only when the size differs, and the program redraws (its prompt, its screen) on
/// that signal, so what it shows appears at once, not after the next key. Its FIFOs are open
/// already, so the redraw is read.
async fn redraw(rt: &Runtime, key: &ExecKey, size: ConsoleSize) {
    let size = size.clamped();
    let other = ConsoleSize {
        rows: size.rows.checked_add(1).unwrap_or(size.rows - 1),
        cols: size.cols,
    };
    for s in [other, size] {
        if let Err(e) = rt.exec_resize(key, s).await {
            tracing::warn!(exec = %key, error = %e, "resize on attach");
            return;
        }
    }
}

/// Takes over a running exec of ours whose owner is gone or handed it over (see
/// `runtime::adopt`): its existing FIFOs opened, Wait issued again, the pid from Get. The
/// result is cleaned up exactly as a launched exec is (`finish`, `cancel`, drop). A tty exec
/// takes the `console` size before anything is typed into it, and is made to redraw.
pub async fn attach(
    rt: &Runtime,
    key: &ExecKey,
    console: Option<ConsoleSize>,
) -> Result<(Launched, Opened), AttachError> {
    let claim = adopt::claim(rt, key).await?;
    let io = match claim.stdio.open_existing() {
        Ok(io) => io,
        Err(e) => {
            // Handed back: a later attach may try again; the reaper leaves it while it runs.
            claim.stdio.mark_detached();
            return Err(e.into());
        }
    };
    if let (true, Some(size)) = (claim.status.terminal, console) {
        redraw(rt, key, size).await;
    }
    let mut audit = AuditEvent::for_key(AuditKind::Attach, key);
    audit.tty = claim.status.terminal;
    audit::record(&audit);
    let (link_tx, link) = watch::channel(Link::Up);
    let waiter = {
        let rt = rt.clone();
        let key = key.clone();
        Waiter::spawn(async move { rt.exec_wait_resilient(&key, &link_tx).await })
    };
    let live = live_execs::remember(rt, key, &claim.stdio);
    let launched = Launched {
        key: key.clone(),
        pid: claim.status.pid,
        tty: claim.status.terminal,
        waiter,
        live,
        stdio: claim.stdio,
        rt: rt.clone(),
        done: false,
        link,
        audit: AuditEvent {
            event: AuditKind::Exit,
            ..audit
        },
    };
    Ok((launched, io))
}

impl Launched {
    /// Waits for the exit (cancel-safe: may be raced in a `select!`).
    pub async fn exited(&mut self) -> Result<ExitInfo, ExitError> {
        self.waiter.exited().await
    }

    /// Whether the exit is known (`exited` would return at once).
    pub fn has_exited(&self) -> bool {
        self.waiter.has_exited()
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
    /// directory (kept, with the owner record, when the delete failed).
    pub async fn finish(mut self) -> Result<ExitInfo, ExitError> {
        let waited = self.waiter.exited().await;
        self.close(waited).await
    }

    /// Cancels with nobody watching (a launch that failed half way, a command-line
    /// caller): the end of `ending` with the unattended policy.
    pub async fn cancel(self) -> Result<ExitInfo, ExitError> {
        let policy = Policy::unattended(&self.rt);
        self.end(policy, std::future::pending(), &mut |_| {}).await
    }

    /// Kills, waits as `policy` says (until `stop`), deletes, removes the FIFOs: the one
    /// end path of `ending`, recorded in the audit log.
    pub async fn end(
        mut self,
        policy: Policy,
        stop: impl std::future::Future<Output = ()>,
        notice: &mut (dyn FnMut(Held) + Send),
    ) -> Result<ExitInfo, ExitError> {
        let waited = if self.waiter.has_exited() {
            self.waiter.exited().await
        } else {
            let audit = self.audit_line(AuditKind::Kill);
            let target = Target {
                rt: &self.rt,
                key: &self.key,
                audit: Some(&audit),
            };
            ending::kill_and_wait(&target, &mut self.waiter, policy, stop, notice).await
        };
        self.close(waited).await
    }

    /// The delete and the FIFOs after the wait, and the audit line of the end.
    async fn close(mut self, waited: Result<ExitInfo, ExitError>) -> Result<ExitInfo, ExitError> {
        self.done = true;
        let stdio = &self.stdio;
        let result = ending::finish(&self.rt, &self.key, waited, || stdio.remove()).await;
        audit::record(&match &result {
            Ok(exit) => self.audit_line(AuditKind::Exit).with_exit(exit.code),
            Err(e) => self.audit_line(AuditKind::Exit).with_error(e.to_string()),
        });
        result
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
/// panicked) is still killed, waited for (bounded) and deleted, on the runtime it ran on,
/// by the reaper's end of `ending`.
impl Drop for Launched {
    fn drop(&mut self) {
        if self.done {
            live_execs::forget(&self.live);
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(exec = %self.key, "dropped without a runtime; left for the reaper");
            live_execs::forget(&self.live);
            return;
        };
        let rt = self.rt.clone();
        let key = self.key.clone();
        let stdio = self.stdio.clone();
        // Still live (a panic ends it) until the reap is over.
        let live = self.live.clone();
        handle.spawn(async move {
            if let Err(e) = ending::reap(&rt, &key, || stdio.remove()).await {
                tracing::warn!(exec = %key, error = %e,
                    "cleanup of a dropped exec failed; left for the reaper");
            }
            live_execs::forget(&live);
        });
    }
}
