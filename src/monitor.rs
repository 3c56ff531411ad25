//! Keeps a registry in step with containerd: a snapshot read from `List`, `ListPids` and
//! `Get` (I/O), applied to the registry as pure state; and every event of the stream applied
//! as it comes. Shared by `execs`, `ps` and the console.

use std::time::SystemTime;

use crate::domain::{ContainerInfo, ExecKey, ExitInfo, Namespace, RuntimeEvent, TaskState};
use crate::registry::Registry;
use crate::runtime::{Result, Runtime};

/// Which namespaces to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    One(Namespace),
}

impl Scope {
    pub async fn namespaces(&self, rt: &Runtime) -> Result<Vec<Namespace>> {
        match self {
            Self::All => rt.namespaces().await,
            Self::One(ns) => Ok(vec![ns.clone()]),
        }
    }

    pub fn namespace(&self) -> Option<&Namespace> {
        match self {
            Self::All => None,
            Self::One(ns) => Some(ns),
        }
    }
}

/// What containerd says about a scope at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub containers: Vec<ContainerInfo>,
    /// Running execs with their pid and host command line.
    pub running: Vec<(ExecKey, u32, Vec<String>)>,
    /// Execs believed live that are not running: how they ended (None: deleted, unknown).
    pub ended: Vec<(ExecKey, Option<ExitInfo>)>,
}

/// The command line of a host process, for execs made by other clients.
pub fn host_cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a snapshot of `scope`; `believed` are the execs the caller holds as live, whose
/// end is looked up with `Get` when they no longer run.
pub async fn snapshot(rt: &Runtime, scope: &Scope, believed: &[ExecKey]) -> Result<Snapshot> {
    let mut snap = Snapshot::default();
    for ns in scope.namespaces(rt).await? {
        let containers = rt.containers(&ns).await?;
        for c in &containers {
            let running = c
                .task
                .is_some_and(|t| matches!(t.state, TaskState::Running | TaskState::Paused));
            if !running {
                continue;
            }
            let pids = match rt.pids(&ns, &c.id).await {
                Ok(p) => p,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(e),
            };
            for p in pids {
                let Some(exec) = p.exec else { continue };
                let key = ExecKey {
                    namespace: ns.clone(),
                    container: c.id.clone(),
                    exec,
                };
                snap.running.push((key, p.pid, host_cmdline(p.pid)));
            }
        }
        snap.containers.extend(containers);
    }
    for key in believed {
        if scope.namespace().is_some_and(|ns| *ns != key.namespace)
            || snap.running.iter().any(|(k, ..)| k == key)
        {
            continue;
        }
        match rt
            .process(&key.namespace, &key.container, Some(&key.exec))
            .await
        {
            Ok(st) if st.state == TaskState::Stopped => snap.ended.push((key.clone(), st.exit)),
            Ok(_) => {}
            Err(e) if e.is_not_found() => snap.ended.push((key.clone(), None)),
            Err(e) => return Err(e),
        }
    }
    Ok(snap)
}

/// Applies a snapshot to the registry.
pub fn apply_snapshot(registry: &mut Registry, snap: &Snapshot, now: SystemTime) {
    for c in &snap.containers {
        registry.set_container(c.key(), c.task.map(|t| t.state));
    }
    for (key, pid, cmd) in &snap.running {
        registry.observe(key, Some(*pid), now);
        registry.describe(key, cmd.clone(), false);
    }
    for (key, exit) in &snap.ended {
        registry.exited(key, *exit, now);
    }
}

/// The execs a registry holds as live (for `snapshot`).
pub fn believed_live(registry: &Registry) -> Vec<ExecKey> {
    registry
        .execs()
        .filter(|r| r.is_live())
        .map(|r| r.key.clone())
        .collect()
}

/// Snapshot and apply in one go; returns the containers seen.
pub async fn resync(
    rt: &Runtime,
    scope: &Scope,
    registry: &mut Registry,
) -> Result<Vec<ContainerInfo>> {
    let snap = snapshot(rt, scope, &believed_live(registry)).await?;
    apply_snapshot(registry, &snap, SystemTime::now());
    Ok(snap.containers)
}

/// The command line of an exec an event reports started (read from `/proc`: I/O, so callers
/// do it beside `apply`, outside any pure update).
pub fn started_command(event: &RuntimeEvent) -> Option<(ExecKey, Vec<String>)> {
    match event {
        RuntimeEvent::ExecStarted { exec, pid } => Some((exec.clone(), host_cmdline(*pid))),
        _ => None,
    }
}

/// Applies one event to the registry (pure).
pub fn apply(registry: &mut Registry, event: &RuntimeEvent, now: SystemTime) {
    match event {
        RuntimeEvent::ExecAdded { exec } => registry.observe(exec, None, now),
        RuntimeEvent::ExecStarted { exec, pid } => registry.observe(exec, Some(*pid), now),
        RuntimeEvent::TaskExit {
            container,
            id,
            exit,
            ..
        } => {
            if id.is_empty() || id == container.container.as_str() {
                registry.set_container(container.clone(), Some(TaskState::Stopped));
            } else {
                let key = ExecKey {
                    namespace: container.namespace.clone(),
                    container: container.container.clone(),
                    exec: id.as_str().into(),
                };
                registry.exited(&key, Some(*exit), now);
            }
        }
        RuntimeEvent::TaskCreate { container, .. } => {
            registry.set_container(container.clone(), Some(TaskState::Created));
        }
        RuntimeEvent::TaskStart { container, .. } | RuntimeEvent::TaskResumed { container } => {
            registry.set_container(container.clone(), Some(TaskState::Running));
        }
        RuntimeEvent::TaskPaused { container } => {
            registry.set_container(container.clone(), Some(TaskState::Paused));
        }
        RuntimeEvent::TaskDelete { container, id, .. } => {
            if id.is_empty() || id == container.container.as_str() {
                registry.set_container(container.clone(), None);
            }
        }
        RuntimeEvent::ContainerCreate { container, .. } => {
            if registry.container_task(container).is_none() {
                registry.set_container(container.clone(), None);
            }
        }
        RuntimeEvent::ContainerDelete { container } => registry.remove_container(container),
        RuntimeEvent::ContainerUpdate { .. } | RuntimeEvent::TaskOom { .. } => {}
    }
}
