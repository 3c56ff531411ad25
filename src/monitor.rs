//! Keeps a registry in step with containerd: a snapshot read from `List`, `ListPids` and
//! `Get` (I/O), applied to the registry as pure state; and every event of the stream applied
//! as it comes. Shared by `execs`, `ps` and the console.

use std::time::SystemTime;

pub use crate::domain::Scope;
use crate::domain::{ContainerInfo, ExecKey, Namespace, ProcessStatus, RuntimeEvent, TaskState};
pub use crate::registry::sync::{Snapshot, apply, apply_snapshot, believed_live};
use crate::registry::{Facts, Registry};
use crate::runtime::owner::owner_of_fifo;
use crate::runtime::{Result, Runtime};
use crate::runtime::{fifo_base, proof};

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
                let facts = facts(rt, &key, p.pid).await;
                snap.running
                    .push((key.clone(), p.pid, facts.command.clone()));
                snap.facts.push((key, facts));
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

/// What can be read about an exec an event reports started (`/proc` and `Tasks.Get`: I/O,
/// so callers do it beside `apply`, outside any pure update).
pub async fn started_facts(rt: &Runtime, event: &RuntimeEvent) -> Option<(ExecKey, Facts)> {
    match event {
        RuntimeEvent::ExecStarted { exec, pid } => {
            Some((exec.clone(), facts(rt, exec, *pid).await))
        }
        _ => None,
    }
}

/// Reads the facts of a running exec: its command line and start time from `/proc`, its
/// terminal and FIFO paths from `Tasks.Get`; it is an execmux's when its id has our prefix,
/// its FIFOs lie in a directory of ours right under the runtime dir, and that directory's
/// owner record names it. The file and `/proc` reads run on the blocking pool, not on the
/// async workers; each is bounded (`procfs`, the owner record's reader).
pub async fn facts(rt: &Runtime, key: &ExecKey, pid: u32) -> Facts {
    let status = rt
        .process(&key.namespace, &key.container, Some(&key.exec))
        .await
        .ok();
    let key = key.clone();
    crate::procfs::off_workers(move || local_facts(&key, pid, status.as_ref()))
        .await
        .unwrap_or_default()
}

/// The blocking part of [`facts`]: `/proc` and the runtime dir, given what `Tasks.Get`
/// said (None: it did not answer).
fn local_facts(key: &ExecKey, pid: u32, status: Option<&ProcessStatus>) -> Facts {
    let execmux = status.is_some_and(|st| {
        let Ok(base) = fifo_base::base_dir() else {
            return false;
        };
        let dir = std::path::Path::new(&st.stdout)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        proof::our_dir(&base, &dir, key).is_ok_and(|canon| proof::fifos_in(&canon, st).is_ok())
            && owner_of_fifo(std::path::Path::new(&st.stdout)).is_some_and(|(o, _)| o.key() == *key)
    });
    Facts {
        command: host_cmdline(pid),
        tty: status.map(|st| st.terminal),
        started_at: process_start(pid),
        execmux,
    }
}

/// When a host process started: its start time in clock ticks after boot (field 22 of
/// `/proc/PID/stat`, read after the last `)` so that a name holding `) ` cannot shift the
/// fields) plus the boot time. None when either cannot be read.
pub fn process_start(pid: u32) -> Option<SystemTime> {
    let ticks = crate::procfs::stat(pid)?.start;
    let (boot, hz) = (*BOOT)?;
    let after_boot = std::time::Duration::from_secs(ticks / hz)
        + std::time::Duration::from_nanos((ticks % hz) * 1_000_000_000 / hz);
    boot.checked_add(after_boot)
}

/// The boot time (`btime` of `/proc/stat`) and the clock ticks per second, read once: both
/// stay as they are until the next boot, and `/proc/stat` is costly to generate (a line per
/// CPU and per interrupt) for every exec that starts.
static BOOT: std::sync::LazyLock<Option<(SystemTime, u64)>> = std::sync::LazyLock::new(|| {
    // Read once, so the bound can be large: the `intr` line before `btime` grows with the
    // interrupts of the machine.
    let (stat, _) = crate::procfs::read(std::path::Path::new("/proc/stat"), 1 << 22).ok()?;
    let btime: u64 = boot_time(&String::from_utf8_lossy(&stat))?;
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| *v > 0)?;
    Some((
        SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(btime))?,
        hz,
    ))
});

/// The `btime` line of `/proc/stat` (seconds since the epoch).
fn boot_time(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
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

    #[test]
    fn the_boot_time_is_the_btime_line() {
        let stat = "cpu  1 2 3\nintr 9 9 9\nbtime 1700000000\nprocesses 5\n";
        assert_eq!(boot_time(stat), Some(1_700_000_000));
        assert_eq!(boot_time("cpu 1\n"), None);
    }

    #[test]
    fn our_own_start_lies_between_boot_and_now() {
        let started = process_start(std::process::id()).expect("our own stat");
        assert!(started <= SystemTime::now() + std::time::Duration::from_secs(1));
    }
}
