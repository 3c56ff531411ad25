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
        }
    }
}

/// One running exec of ours. Ended by `finish` (after its exit), `end`, or `detach`; one
/// dropped without them is killed and deleted all the same.
#[derive(Debug)]
pub enum Exec {
    Containerd(Launched),
}

/// Sends size changes to one exec; cheap to clone, usable from a task of its own.
#[derive(Debug, Clone)]
pub enum Resizer {
    Containerd { rt: Runtime, key: ExecKey },
}

impl Resizer {
    pub async fn resize(&self, size: ConsoleSize) -> Result<(), RuntimeError> {
        match self {
            Self::Containerd { rt, key } => rt.exec_resize(key, size).await,
        }
    }
}

impl Exec {
    pub fn key(&self) -> &ExecKey {
        match self {
            Self::Containerd(l) => &l.key,
        }
    }

    pub fn pid(&self) -> u32 {
        match self {
            Self::Containerd(l) => l.pid,
        }
    }

    /// Whether the exec has a terminal.
    pub fn tty(&self) -> bool {
        match self {
            Self::Containerd(l) => l.tty,
        }
    }

    /// Whether the backend answers, as the exec's waiter sees it.
    pub fn link(&self) -> watch::Receiver<Link> {
        match self {
            Self::Containerd(l) => l.link(),
        }
    }

    /// The exit (cancel-safe: may be raced in a `select!`).
    pub async fn exited(&mut self) -> Result<ExitInfo, ExitError> {
        match self {
            Self::Containerd(l) => l.exited().await,
        }
    }

    pub fn resizer(&self) -> Resizer {
        match self {
            Self::Containerd(l) => Resizer::Containerd {
                rt: l.runtime().clone(),
                key: l.key.clone(),
            },
        }
    }

    /// Tells the backend that input is over, once the stdin stream itself was closed.
    /// Pipe mode only: on a tty it would hang up the terminal.
    pub fn close_stdin(&self) -> impl Future<Output = Result<(), RuntimeError>> + Send + 'static {
        let (rt, key) = match self {
            Self::Containerd(l) => (l.runtime().clone(), l.key.clone()),
        };
        async move { rt.exec_close_stdin(&key).await }
    }

    /// After the exit: deletes the exec and its leftovers, with its exit status.
    pub async fn finish(self) -> Result<ExitInfo, ExitError> {
        match self {
            Self::Containerd(l) => l.finish().await,
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
        }
    }

    /// `end` with nobody watching: the unattended policy, no notices.
    pub async fn cancel(self) -> Result<ExitInfo, ExitError> {
        match self {
            Self::Containerd(l) => l.cancel().await,
        }
    }

    /// The policy of an end a user watches, on this exec's backend.
    pub fn watched(&self) -> Policy {
        match self {
            Self::Containerd(l) => Policy::watched(l.runtime()),
        }
    }

    /// Leaves the exec running on purpose; a later `attach` may take it over.
    pub fn detach(self) {
        match self {
            Self::Containerd(l) => l.detach(),
        }
    }
}
