//! A private containerd for tests and the demo: its own config, root, state and socket under
//! a temporary directory (CRI disabled), a busybox rootfs from the host's `busybox-static`,
//! containers made through the runtime's API, and a stop by PID that leaves nothing behind.

mod rootfs;

use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::domain::{ContainerId, Namespace, TaskState};
use crate::runtime::containers::NewContainer;
use crate::runtime::error::Result;
use crate::runtime::{Runtime, RuntimeError};

pub use rootfs::ContainerDef;
use rootfs::{INSTALL_HINT, build_rootfs, config, io, which};

/// The daemon's pid, for the guard (the daemon may have been restarted).
const PID_FILE: &str = "containerd.pid";

/// Which host binaries the sandbox needs, with the install hint when one is missing.
pub fn check_tools() -> Result<()> {
    for tool in ["containerd", "containerd-shim-runc-v2", "runc", "busybox"] {
        if which(tool).is_none() {
            return Err(RuntimeError::Invalid(format!(
                "{tool} is not installed or not on PATH; {INSTALL_HINT}"
            )));
        }
    }
    if !nix::unistd::geteuid().is_root() {
        return Err(RuntimeError::Invalid(
            "the sandbox containerd needs root (it runs containers with runc)".into(),
        ));
    }
    Ok(())
}

/// A running private containerd.
#[derive(Debug)]
pub struct Sandbox {
    dir: PathBuf,
    child: Option<Child>,
    /// A guard process that tears the sandbox down when its stdin pipe closes, which
    /// happens when we stop it or when this process dies, however it dies.
    guard: Option<(Child, std::process::ChildStdin)>,
    client: SandboxClient,
}

/// What works on a sandbox's containers; cheap to clone, holds no daemon.
#[derive(Debug, Clone)]
pub struct SandboxClient {
    address: PathBuf,
    rootfs: PathBuf,
}

impl Sandbox {
    /// Starts a private containerd under a fresh temporary directory and waits (10 s at
    /// most) until it answers. With `guard_exe` (the execmux binary), a guard process
    /// (`execmux sandbox-guard`) tears everything down once this process is gone.
    pub async fn start(guard_exe: Option<&Path>) -> Result<Self> {
        check_tools()?;
        let dir = std::env::temp_dir().join(format!(
            "execmux-sandbox-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        // A new directory of ours alone (never one that exists): all the sandbox writes
        // (config, log, pid file, rootfs) go inside it.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(io("create sandbox dir"))?;
        let address = dir.join("containerd.sock");
        let rootfs = dir.join("rootfs");
        let mut sandbox = Self {
            dir: dir.clone(),
            child: None,
            guard: None,
            client: SandboxClient { address, rootfs },
        };
        build_rootfs(&sandbox.client.rootfs)?;
        let cfg = dir.join("config.toml");
        std::fs::write(&cfg, config(&dir, &sandbox.client.address)).map_err(io("write config"))?;
        if let Some(exe) = guard_exe {
            let mut guard = Command::new(exe)
                .arg("sandbox-guard")
                .arg(&dir)
                .process_group(0)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(io("start the sandbox guard"))?;
            let pipe = guard
                .stdin
                .take()
                .ok_or_else(|| RuntimeError::Invalid("guard has no stdin".into()))?;
            sandbox.guard = Some((guard, pipe));
        }
        sandbox.spawn_daemon().await?;
        Ok(sandbox)
    }

    /// Starts the daemon on the sandbox's config, records its pid in `containerd.pid` (for
    /// the guard) and waits until it answers.
    async fn spawn_daemon(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("containerd.log"))
            .map_err(io("open log"))?;
        let child = Command::new("containerd")
            .arg("--config")
            .arg(dir.join("config.toml"))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io("log"))?)
            .stderr(log)
            .spawn()
            .map_err(|e| {
                RuntimeError::Invalid(format!("cannot start containerd: {e}; {INSTALL_HINT}"))
            })?;
        std::fs::write(dir.join(PID_FILE), child.id().to_string()).map_err(io("write pid file"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(rt) = Runtime::connect(&self.client.address).await
                && rt.namespaces().await.is_ok()
            {
                return Ok(());
            }
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                let log = std::fs::read_to_string(dir.join("containerd.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                self.child = None;
                return Err(RuntimeError::Invalid(format!(
                    "sandbox containerd exited with {status}: {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
                )));
            }
            if Instant::now() > deadline {
                return Err(RuntimeError::Timeout {
                    op: "sandbox containerd start",
                    secs: 10,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the daemon (SIGTERM, KILL after 5 s) and leaves shims and tasks running, as an
    /// administrator's `systemctl stop containerd` would; `start_daemon` brings it back.
    pub fn stop_daemon(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_pid(child.id());
            let _ = child.wait();
        }
    }

    /// Kills the daemon with SIGKILL, as a crash would: its socket file stays behind (connects
    /// are refused) and shims and tasks keep running; `start_daemon` brings it back.
    pub fn crash_daemon(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The daemon's pid while it runs (tests stop and continue it to make calls hang).
    pub fn daemon_pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts the daemon again on the same config and state after `stop_daemon`.
    pub async fn start_daemon(&mut self) -> Result<()> {
        if self.child.is_some() {
            return Ok(());
        }
        self.spawn_daemon().await
    }

    pub fn address(&self) -> &Path {
        &self.client.address
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A client for the sandbox's containers.
    pub fn client(&self) -> SandboxClient {
        self.client.clone()
    }

    /// Removes every container of every namespace, stops the daemon by its pid (TERM, then
    /// KILL after 5 s) and removes the directory.
    pub async fn stop(mut self) -> Result<()> {
        let result = if let Some((mut guard, pipe)) = self.guard.take() {
            // Closing the pipe tells the guard to tear down; it does what `teardown` does.
            drop(pipe);
            tokio::task::spawn_blocking(move || guard.wait())
                .await
                .map_err(|e| RuntimeError::io("sandbox guard", std::io::Error::other(e)))?
                .map_err(io("sandbox guard"))
                .and_then(|st| {
                    if st.success() {
                        Ok(())
                    } else {
                        Err(RuntimeError::Invalid(format!(
                            "sandbox teardown failed ({st})"
                        )))
                    }
                })
        } else {
            self.client.remove_all().await
        };
        self.kill_daemon();
        result
    }

    fn kill_daemon(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_pid(child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
        remove_dir(&self.dir);
    }
}

impl SandboxClient {
    pub fn address(&self) -> &Path {
        &self.address
    }

    pub async fn runtime(&self) -> Result<Runtime> {
        Runtime::connect(&self.address).await
    }

    /// Creates a container (read-only busybox root, tmpfs on /tmp) and, with `start`, its
    /// task too.
    pub async fn create_container(
        &self,
        ns: &Namespace,
        id: &ContainerId,
        def: &ContainerDef,
        start: bool,
    ) -> Result<()> {
        let rt = self.runtime().await?;
        let spec = rootfs::spec(&self.rootfs, ns, id, def)?;
        let new = NewContainer {
            id,
            image: "execmux.sandbox/busybox:static",
            labels: &def.labels,
            spec: &spec,
        };
        rt.create_container(ns, &new).await?;
        if start {
            rt.start_task(ns, id).await?;
        }
        Ok(())
    }

    /// Creates and starts a container's task.
    pub async fn start_task(&self, ns: &Namespace, id: &ContainerId) -> Result<u32> {
        self.runtime().await?.start_task(ns, id).await
    }

    pub async fn pause(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        self.runtime().await?.pause_task(ns, id).await
    }

    pub async fn resume(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        self.runtime().await?.resume_task(ns, id).await
    }

    /// Kills a container's init with SIGKILL and waits for it (the task stays, stopped).
    pub async fn stop_task(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        self.runtime().await?.stop_task(ns, id).await
    }

    /// Removes a container: kills and deletes its task (resuming it first if paused).
    pub async fn remove_container(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let rt = self.runtime().await?;
        match rt.task(ns, id).await {
            Ok(task) => {
                if task.state == TaskState::Paused {
                    let _ = rt.resume_task(ns, id).await;
                }
                if task.state != TaskState::Stopped {
                    rt.stop_task(ns, id).await?;
                }
                rt.delete_task(ns, id).await?;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        rt.delete_container(ns, id).await
    }

    /// Removes every container of every namespace.
    pub async fn remove_all(&self) -> Result<()> {
        let rt = self.runtime().await?;
        let mut first_err = None;
        for ns in rt.namespaces().await? {
            for c in rt.containers(&ns).await? {
                if let Err(e) = self.remove_container(&ns, &c.id).await {
                    tracing::warn!(container = %c.id, error = %e, "sandbox cleanup");
                    first_err.get_or_insert(e);
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

impl Drop for Sandbox {
    /// A sandbox dropped without `stop`: its guard (if any) tears it down; without a guard
    /// the daemon is stopped and the directory removed here.
    fn drop(&mut self) {
        if let Some((guard, pipe)) = self.guard.take() {
            drop(pipe);
            drop(guard);
            return;
        }
        if self.child.is_some() {
            self.kill_daemon();
        }
    }
}

/// Whether `pid` still runs (a zombie does not).
fn running(pid: u32) -> bool {
    crate::procfs::read_small(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .and_then(|i| s[i + 1..].split_whitespace().next().map(str::to_owned))
        })
        .is_some_and(|state| state != "Z" && state != "X")
}

/// TERM, then KILL after 5 s.
fn stop_pid(pid: u32) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    // Never 0: kill(0) would signal our whole process group.
    let Ok(raw) = i32::try_from(pid) else { return };
    if raw <= 0 {
        return;
    }
    let _ = kill(Pid::from_raw(raw), Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(5);
    while running(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if running(pid) {
        let _ = kill(Pid::from_raw(raw), Signal::SIGKILL);
    }
}

fn remove_dir(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot remove sandbox dir");
    }
}

/// What the guard does once its parent is gone: remove every container of the sandbox in
/// `dir`, stop its daemon (pid from `containerd.pid`) and remove `dir`. Only a directory that
/// holds a sandbox config is removed.
pub async fn teardown(dir: &Path) -> Result<()> {
    let daemon_pid: u32 = std::fs::read_to_string(dir.join(PID_FILE))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    if !dir.join("config.toml").is_file() || !dir.join("rootfs").is_dir() {
        return Err(RuntimeError::Invalid(format!(
            "{} is not a sandbox directory",
            dir.display()
        )));
    }
    let client = SandboxClient {
        address: dir.join("containerd.sock"),
        rootfs: dir.join("rootfs"),
    };
    let result = if running(daemon_pid) {
        client.remove_all().await
    } else {
        Ok(())
    };
    stop_pid(daemon_pid);
    remove_dir(dir);
    result
}
