//! Brings the registry in line with what containerd says: a snapshot of containers and
//! running execs, and single events. Pure: the reading is the monitor's job.

use std::time::SystemTime;

use super::{Facts, Registry};
use crate::domain::{ContainerInfo, ExecKey, ExitInfo, RuntimeEvent, TaskState};

/// What containerd says about a scope at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub containers: Vec<ContainerInfo>,
    /// Running execs with their pid and host command line.
    pub running: Vec<(ExecKey, u32, Vec<String>)>,
    /// Execs believed live that are not running: how they ended (None: deleted, unknown).
    pub ended: Vec<(ExecKey, Option<ExitInfo>)>,
    /// What was read about each running exec (start time, tty, origin).
    pub facts: Vec<(ExecKey, Facts)>,
    /// Which resync of its reader this answers (0 when nobody counts).
    pub generation: u64,
}

/// Applies a snapshot to the registry.
pub fn apply_snapshot(registry: &mut Registry, snap: &Snapshot, now: SystemTime) {
    for c in &snap.containers {
        registry.set_container(c.key(), c.task.map(|t| t.state));
    }
    for (key, pid, cmd) in &snap.running {
        // Read before the exec ended and GC took it: a stale view, not a new exec.
        if registry.collected(key, *pid) {
            continue;
        }
        registry.observe(key, Some(*pid), now);
        registry.describe(key, cmd.clone(), false);
    }
    for (key, facts) in &snap.facts {
        registry.describe_with(key, facts);
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

#[cfg(test)]
mod tests;
