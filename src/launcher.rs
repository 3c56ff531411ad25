//! Runs one exec of ours on the runtime: FIFOs, Exec, Wait before Start, Start; and on every
//! path out (failed create, failed start, exit, cancel) the delete and the FIFO removal.

use std::path::Path;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::domain::{ExecKey, ExitInfo};
use crate::registry::StartPlan;
use crate::runtime::exec::KILL_TIMEOUT;
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
}

/// A started exec with its streams; `finish` or `cancel` must end it.
#[derive(Debug)]
pub struct Launched {
    pub key: ExecKey,
    pub pid: u32,
    /// The streams; take them (`Option::take`) to pump them.
    pub io: Option<Opened>,
    wait: JoinHandle<Result<ExitInfo, RuntimeError>>,
    /// The waiter's answer once it came (a `JoinHandle` cannot be awaited twice).
    exit: Option<Result<ExitInfo, String>>,
    stdio: StdioSet,
    rt: Runtime,
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
    // Wait is issued before Start, as ctr and CRI do, so no exit can be missed.
    let wait = {
        let rt = rt.clone();
        let key = key.clone();
        tokio::spawn(async move { rt.exec_wait(&key).await })
    };
    let pid = match rt.exec_start(&key).await {
        Ok(pid) => pid,
        Err(e) => {
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
        io: None,
        wait,
        exit: None,
        stdio,
        rt: rt.clone(),
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

    /// Sends a signal to the exec.
    pub async fn signal(&self, signal: u32) -> Result<(), RuntimeError> {
        self.rt.exec_kill(&self.key, signal).await
    }

    /// After the exit: deletes the process in containerd and removes the FIFO directory.
    pub async fn finish(mut self) -> Result<ExitInfo, RuntimeError> {
        let exit = self.exited().await;
        self.io = None;
        let deleted = self.rt.exec_delete(&self.key).await;
        self.stdio.remove();
        match (exit, deleted) {
            (Ok(exit), _) | (Err(_), Ok(exit)) => Ok(exit),
            (Err(e), Err(_)) => Err(e),
        }
    }

    /// Cancels: SIGKILL (bounded by 30 s), wait for the exit, delete, remove the FIFOs.
    pub async fn cancel(mut self) -> Result<ExitInfo, RuntimeError> {
        self.rt.exec_kill(&self.key, 9).await?;
        if tokio::time::timeout(KILL_TIMEOUT, self.exited())
            .await
            .is_ok()
        {
            self.finish().await
        } else {
            self.stdio.remove();
            Err(RuntimeError::Timeout {
                op: "wait after kill",
                secs: KILL_TIMEOUT.as_secs(),
            })
        }
    }

    /// Leaves the exec running on purpose (detach from the command line): marks its FIFO
    /// directory so that a later execmux does not reap it as an orphan.
    pub fn detach(self) {
        self.stdio.mark_detached();
    }
}
