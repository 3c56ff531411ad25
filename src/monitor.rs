//! Keeps a registry in step with containerd: a full resync from `List`, `ListPids` and `Get`, and
//! every event of the stream applied as it comes. Shared by `execs`, `ps` and the console.

use std::time::SystemTime;

use crate::domain::{ContainerInfo, ExecKey, Namespace, RuntimeEvent, TaskState};
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

/// The command line of a host process, for execs made by other clients.
fn host_cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Brings `registry` in line with containerd for `scope`; returns the containers seen.
pub async fn resync(
    rt: &Runtime,
    scope: &Scope,
    registry: &mut Registry,
) -> Result<Vec<ContainerInfo>> {
    let now = SystemTime::now();
    let mut all = Vec::new();
    for ns in scope.namespaces(rt).await? {
        let containers = rt.containers(&ns).await?;
        for c in &containers {
            registry.set_container(c.key(), c.task.map(|t| t.state));
            let running = c
                .task
                .is_some_and(|t| matches!(t.state, TaskState::Running | TaskState::Paused));
            let mut seen = Vec::new();
            if running {
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
                    registry.observe(&key, Some(p.pid), now);
                    registry.describe(&key, host_cmdline(p.pid), false);
                    seen.push(key);
                }
            }
            // Execs we believed live that ListPids no longer shows: ask Get how they ended.
            let believed: Vec<ExecKey> = registry
                .live_execs(&c.key())
                .map(|e| ExecKey {
                    namespace: ns.clone(),
                    container: c.id.clone(),
                    exec: e.clone(),
                })
                .filter(|k| !seen.contains(k))
                .collect();
            for key in believed {
                match rt.process(&ns, &c.id, Some(&key.exec)).await {
                    Ok(st) if st.state == TaskState::Created => {}
                    Ok(st) if st.state == TaskState::Stopped => registry.exited(&key, st.exit, now),
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => registry.exited(&key, None, now),
                    Err(e) => return Err(e),
                }
            }
        }
        all.extend(containers);
    }
    Ok(all)
}

/// Applies one event to the registry.
pub fn apply(registry: &mut Registry, event: &RuntimeEvent, now: SystemTime) {
    match event {
        RuntimeEvent::ExecAdded { exec } => registry.observe(exec, None, now),
        RuntimeEvent::ExecStarted { exec, pid } => {
            registry.observe(exec, Some(*pid), now);
            registry.describe(exec, host_cmdline(*pid), false);
        }
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
