//! The exec backend seam: what the session driver needs of one exec, whatever runs it.
//! An exec is launched or taken over with a size, gives its streams once, is resized,
//! has its stdin closed, is waited for, and is ended (kill, wait, delete, the backend's
//! own leftovers) or left running. containerd is the first backend; a second one adds a
//! variant here and its arms, and nothing above this module changes.
//!
//! An enum rather than a trait object: the set of backends is closed and known to this
//! crate, async methods need no boxing, and each place where the backends differ is one
//! exhaustive `match`.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use crate::domain::{ConsoleSize, ExecKey, ExitInfo, Link};
use crate::ending::{ExitError, Held, Policy};
use crate::launcher::{self, LaunchError, Launched};
use crate::registry::StartPlan;
use crate::runtime::adopt::AttachError;
use crate::runtime::stdio::Opened;
use crate::runtime::{Runtime, RuntimeError};

/// A stream the exec writes.
pub type Output = Pin<Box<dyn AsyncRead + Send>>;
/// The exec's stdin.
pub type Input = Pin<Box<dyn AsyncWrite + Send>>;

/// The streams of one exec, given once when it starts.
pub struct Streams {
    pub stdin: Option<Input>,
    pub stdout: Output,
    /// Absent on a tty (one stream carries both).
    pub stderr: Option<Output>,
}

impl From<Opened> for Streams {
    fn from(o: Opened) -> Self {
        Self {
            stdin: o.stdin.map(|s| Box::pin(s) as Input),
            stdout: Box::pin(o.stdout),
            stderr: o.stderr.map(|s| Box::pin(s) as Output),
        }
    }
}

/// Where execs run.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A containerd daemon; an exec's FIFOs live under `fifo_base`.
    Containerd { rt: Runtime, fifo_base: PathBuf },
    /// A Kubernetes cluster: execs over `pods/exec`. An exec's container is `POD/CONTAINER`
    /// (or `POD` for the pod's first container) in the plan's namespace.
    Kube(crate::kube::Cluster),
}

impl Backend {
    pub fn containerd(rt: Runtime, fifo_base: PathBuf) -> Self {
        Self::Containerd { rt, fifo_base }
    }

    /// Creates and starts the exec `plan` describes; nothing is left behind on an error.
    pub async fn launch(&self, plan: &StartPlan) -> Result<(Exec, Streams), LaunchError> {
        match self {
            Self::Containerd { rt, fifo_base } => {
                let (l, io) = launcher::launch(rt, fifo_base, plan).await?;
                Ok((Exec::Containerd(l), io.into()))
            }
            Self::Kube(cluster) => {
                let kplan = kube_plan(plan).map_err(LaunchError::Kube)?;
                let (e, io) =
                    crate::kube::exec::launch(cluster.client.clone(), &kplan, plan.key.clone())
                        .await
                        .map_err(LaunchError::Kube)?;
                Ok((Exec::Kube(e), io))
            }
        }
    }

    /// Takes over a running exec of ours (its owner is gone or detached it); a tty exec
    /// takes `console` before anything is typed into it.
    pub async fn attach(
        &self,
        key: &ExecKey,
        console: Option<ConsoleSize>,
    ) -> Result<(Exec, Streams), AttachError> {
        match self {
            Self::Containerd { rt, .. } => {
                let (l, io) = launcher::attach(rt, key, console).await?;
                Ok((Exec::Containerd(l), io.into()))
            }
            Self::Kube(_) => {
                let _ = (key, console);
                Err(AttachError::Refused(
                    crate::runtime::adopt::Refusal::NoReattach,
                ))
            }
        }
    }
}

/// One running exec of ours. Ended by `finish` (after its exit), `end`, or `detach`; one
/// dropped without them is killed and deleted all the same.
#[derive(Debug)]
// One per session, moved a handful of times: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Exec {
    Containerd(Launched),
    Kube(crate::kube::KubeExec),
}

/// Sends size changes to one exec; cheap to clone, usable from a task of its own.
#[derive(Debug, Clone)]
pub enum Resizer {
    Containerd {
        rt: Runtime,
        key: ExecKey,
    },
    /// The exec's resize channel; `None` without a tty.
    Kube(Option<tokio::sync::mpsc::Sender<kube::api::TerminalSize>>),
}

impl Resizer {
    pub async fn resize(&self, size: ConsoleSize) -> Result<(), RuntimeError> {
        match self {
            Self::Containerd { rt, key } => rt.exec_resize(key, size).await,
            Self::Kube(tx) => {
                let Some(tx) = tx else { return Ok(()) };
                tx.send(kube::api::TerminalSize {
                    width: size.cols,
                    height: size.rows,
                })
                .await
                .map_err(|_| RuntimeError::Invalid("the exec's stream is closed".into()))
            }
        }
    }
}

impl Exec {
    pub fn key(&self) -> &ExecKey {
        match self {
            Self::Containerd(l) => &l.key,
            Self::Kube(k) => &k.key,
        }
    }

    pub fn pid(&self) -> u32 {
        match self {
            Self::Containerd(l) => l.pid,
            Self::Kube(k) => k.pid(),
        }
    }

    /// Whether the exec has a terminal.
    pub fn tty(&self) -> bool {
        match self {
            Self::Containerd(l) => l.tty,
            Self::Kube(k) => k.tty,
        }
    }

    /// Whether the backend answers, as the exec's waiter sees it.
    pub fn link(&self) -> watch::Receiver<Link> {
        match self {
            Self::Containerd(l) => l.link(),
            Self::Kube(k) => k.link(),
        }
    }

    /// The exit (cancel-safe: may be raced in a `select!`).
    pub async fn exited(&mut self) -> Result<ExitInfo, ExitError> {
        match self {
            Self::Containerd(l) => l.exited().await,
            Self::Kube(k) => k.exited().await.map_err(ExitError::Kube),
        }
    }

    pub fn resizer(&self) -> Resizer {
        match self {
            Self::Containerd(l) => Resizer::Containerd {
                rt: l.runtime().clone(),
                key: l.key.clone(),
            },
            Self::Kube(k) => Resizer::Kube(k.resizer()),
        }
    }

    /// Tells the backend that input is over, once the stdin stream itself was closed.
    /// Pipe mode only: on a tty it would hang up the terminal.
    pub fn close_stdin(&self) -> impl Future<Output = Result<(), RuntimeError>> + Send + 'static {
        let target = match self {
            Self::Containerd(l) => Some((l.runtime().clone(), l.key.clone())),
            // The stream's own close (v5) told the server when our end shut down.
            Self::Kube(_) => None,
        };
        async move {
            match target {
                Some((rt, key)) => rt.exec_close_stdin(&key).await,
                None => Ok(()),
            }
        }
    }

    /// After the exit: deletes the exec and its leftovers, with its exit status.
    pub async fn finish(self) -> Result<ExitInfo, ExitError> {
        match self {
            Self::Containerd(l) => l.finish().await,
            Self::Kube(k) => k.finish().await.map_err(ExitError::Kube),
        }
    }

    /// The one end path: kill, the wait as `policy` says (until `stop`), delete,
    /// leftovers; `notice` hears once why the exit is late.
    pub async fn end(
        self,
        policy: Policy,
        stop: impl Future<Output = ()>,
        notice: &mut (dyn FnMut(Held) + Send),
    ) -> Result<ExitInfo, ExitError> {
        match self {
            Self::Containerd(l) => l.end(policy, stop, notice).await,
            Self::Kube(k) => {
                let _ = (policy, notice);
                k.end(stop).await.map_err(ExitError::Kube)
            }
        }
    }

    /// `end` with nobody watching: the unattended policy, no notices.
    pub async fn cancel(self) -> Result<ExitInfo, ExitError> {
        match self {
            Self::Containerd(l) => l.cancel().await,
            Self::Kube(k) => k.end(std::future::pending()).await.map_err(ExitError::Kube),
        }
    }

    /// The policy of an end a user watches, on this exec's backend.
    pub fn watched(&self) -> Policy {
        match self {
            Self::Containerd(l) => Policy::watched(l.runtime()),
            Self::Kube(_) => Policy {
                give_up: crate::kube::exec::KILL_WAIT,
                while_paused: crate::ending::WhilePaused::GiveUp,
            },
        }
    }

    /// Leaves the exec running on purpose; a later `attach` may take it over.
    pub fn detach(self) {
        match self {
            Self::Containerd(l) => l.detach(),
            Self::Kube(k) => k.detach(),
        }
    }
}

/// A plan of the registry as the Kubernetes backend runs it: the container `POD/NAME` (or
/// `POD`), the command, tty, stdin and size. What Kubernetes cannot set for one exec
/// (user, privileges) is refused, never dropped quietly.
fn kube_plan(plan: &StartPlan) -> Result<crate::kube::KubePlan, crate::kube::KubeError> {
    use crate::kube::KubeError;
    if plan.user.is_some() {
        return Err(KubeError::Refused(
            "Kubernetes runs an exec as its container's user: a user cannot be chosen".into(),
        ));
    }
    if plan.privileged {
        return Err(KubeError::Refused(
            "Kubernetes gives an exec its container's privileges: --privileged cannot apply".into(),
        ));
    }
    let target = plan.key.container.as_str();
    let (pod, container) = match target.split_once('/') {
        Some((p, c)) => (p.to_owned(), Some(c.to_owned())),
        None => (target.to_owned(), None),
    };
    Ok(crate::kube::KubePlan {
        namespace: plan.key.namespace.as_str().to_owned(),
        pod,
        container,
        command: plan.args.clone(),
        tty: plan.tty,
        stdin: plan.stdin,
        console: plan.console,
        id: plan.key.exec.to_string(),
    })
}
