//! Keeps a registry in step with containerd: a snapshot read from `List`, `ListPids` and
//! `Get` (I/O), applied to the registry as pure state; and every event of the stream applied
//! as it comes. Shared by `execs`, `ps` and the console.

use std::time::SystemTime;

pub use crate::domain::Scope;
use crate::domain::{ContainerInfo, ExecKey, Namespace, RuntimeEvent, TaskState};
use crate::registry::Registry;
pub use crate::registry::sync::{Snapshot, apply, apply_snapshot, believed_live};
use crate::runtime::{Result, Runtime};

/// The namespaces of a scope.
pub async fn namespaces(rt: &Runtime, scope: &Scope) -> Result<Vec<Namespace>> {
    match scope {
        Scope::All => rt.namespaces().await,
        Scope::One(ns) => Ok(vec![ns.clone()]),
    }
}

/// The command line of a host process, for execs made by other clients: the process
/// writes it, so it is read bounded (`procfs::cmdline`).
pub fn host_cmdline(pid: u32) -> Vec<String> {
    crate::procfs::cmdline(pid)
}

/// Reads a snapshot of `scope`; `believed` are the execs the caller holds as live, whose
/// end is looked up with `Get` when they no longer run.
pub async fn snapshot(rt: &Runtime, scope: &Scope, believed: &[ExecKey]) -> Result<Snapshot> {
    let mut snap = Snapshot::default();
    for ns in namespaces(rt, scope).await? {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A process whose command line is about 1 MB (ten arguments of 100 KiB).
    fn long_cmdline() -> std::process::Child {
        let big = "a".repeat(100 * 1024);
        std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 30; true", "sh"])
            .args(std::iter::repeat_n(&big, 10))
            .spawn()
            .expect("spawn sh")
    }

    #[test]
    fn a_host_command_line_is_read_bounded() {
        let mut child = long_cmdline();
        // The fork's own command line shows until the exec is done: wait for the shell's.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let args = loop {
            let args = host_cmdline(child.id());
            if args.first().is_some_and(|a| a == "/bin/sh") || std::time::Instant::now() > deadline
            {
                break args;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(args.first().map(String::as_str), Some("/bin/sh"));
        let total: usize = args.iter().map(String::len).sum();
        assert!(total <= 20 * 1024, "{total} bytes of command line kept");
        assert!(
            args.last().is_some_and(|a| a.ends_with('…')),
            "the cut is marked"
        );
    }
}
