//! Orphans: execs with our id prefix whose owning execmux is gone. At start-up they are
//! reported and reaped (kill, delete, FIFO directory removed). An exec detached on purpose
//! is left alone while it runs and cleaned up once it has exited.

use std::path::Path;

use crate::domain::{ExecKey, ExitInfo, TaskState};
use crate::monitor::Scope;
use crate::runtime::exec::EXEC_ID_PREFIX;
use crate::runtime::stdio;
use crate::runtime::{Result, Runtime};

/// One orphan dealt with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaped {
    pub key: ExecKey,
    /// The owner that is gone, when its record was found.
    pub owner_pid: Option<u32>,
    /// The exit status containerd still held, if any.
    pub exit: Option<ExitInfo>,
}

impl std::fmt::Display for Reaped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "reaped orphan exec {}", self.key)?;
        match self.owner_pid {
            Some(pid) => write!(f, " (owner pid {pid} is gone)")?,
            None => write!(f, " (no owner record)")?,
        }
        if let Some(e) = self.exit {
            write!(f, ", exit {}", e.code)?;
        }
        Ok(())
    }
}

/// Reaps the orphans among the FIFO directories under `base` and, within `scope`, the
/// running execs with our prefix whose owner record says the owner is gone.
pub async fn reap(rt: &Runtime, base: &Path, scope: &Scope) -> Result<Vec<Reaped>> {
    let mut out = Vec::new();
    for stale in stdio::stale_dirs(base) {
        let Some(owner) = stale.owner.clone() else {
            // Not ours to judge without a record: leave unknown directories alone.
            continue;
        };
        let key = owner.key();
        if scope.namespace().is_some_and(|ns| *ns != key.namespace) {
            continue;
        }
        if stale.detached && still_running(rt, &key).await {
            continue;
        }
        let exit = rt.exec_reap(&key).await?;
        if let Err(e) = std::fs::remove_dir_all(&stale.dir) {
            tracing::warn!(dir = %stale.dir.display(), error = %e, "cannot remove FIFO dir");
        }
        out.push(Reaped {
            key,
            owner_pid: Some(owner.pid),
            exit,
        });
    }
    for ns in crate::monitor::namespaces(rt, scope).await? {
        for (key, _pid) in rt.running_execs(&ns).await? {
            if !key.exec.as_str().starts_with(EXEC_ID_PREFIX) || out.iter().any(|r| r.key == key) {
                continue;
            }
            let Ok(status) = rt
                .process(&key.namespace, &key.container, Some(&key.exec))
                .await
            else {
                continue;
            };
            let record = stdio::owner_of_fifo(Path::new(&status.stdout));
            let owner_pid = match &record {
                Some((owner, detached)) if owner.is_alive() || *detached => continue,
                Some((owner, _)) => Some(owner.pid),
                None => None,
            };
            let exit = rt.exec_reap(&key).await?;
            if let Some(dir) = Path::new(&status.stdout)
                .parent()
                .filter(|_| record.is_some())
            {
                let _ = std::fs::remove_dir_all(dir);
            }
            out.push(Reaped {
                key,
                owner_pid,
                exit,
            });
        }
    }
    Ok(out)
}

async fn still_running(rt: &Runtime, key: &ExecKey) -> bool {
    rt.process(&key.namespace, &key.container, Some(&key.exec))
        .await
        .is_ok_and(|s| s.pid != 0 && s.state != TaskState::Stopped)
}
