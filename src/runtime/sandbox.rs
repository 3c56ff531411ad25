//! A private containerd for tests and the demo: its own config, root, state and socket under
//! a temporary directory (CRI disabled), a busybox rootfs from the host's `busybox-static`,
//! containers made through the API, and a stop by PID that leaves nothing behind.

use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use containerd_client::services::v1::{
    Container, CreateContainerRequest, CreateTaskRequest, DeleteContainerRequest,
    DeleteTaskRequest, KillRequest, PauseTaskRequest, ResumeTaskRequest, StartRequest, WaitRequest,
    container::Runtime as ContainerRuntime,
};
use oci_spec::runtime::{
    LinuxBuilder, MountBuilder, ProcessBuilder, RootBuilder, Spec, UserBuilder,
};

use super::error::{Result, RuntimeError};
use super::{Runtime, request};
use crate::domain::{ContainerId, Namespace, TaskState};

/// The daemon's pid, for the guard (the daemon may have been restarted).
const PID_FILE: &str = "containerd.pid";

const INSTALL_HINT: &str =
    "install it with: apt-get install -y containerd runc busybox-static (as root)";

/// Docker's default capability set, so that sandbox containers look like real ones.
const DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// What a sandbox container runs.
#[derive(Debug, Clone)]
pub struct ContainerDef {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    /// `uid:gid`.
    pub uid: u32,
    pub gid: u32,
    pub labels: Vec<(String, String)>,
}

impl ContainerDef {
    /// A container whose init just sleeps.
    pub fn sleeper() -> Self {
        Self::shell("exec sleep 100000")
    }

    /// A container whose init runs `script` with `/bin/sh -c`.
    pub fn shell(script: &str) -> Self {
        Self {
            args: vec!["/bin/sh".into(), "-c".into(), script.into()],
            env: vec!["PATH=/bin".into(), "HOME=/root".into(), "SANDBOX=1".into()],
            cwd: "/".into(),
            uid: 0,
            gid: 0,
            labels: Vec::new(),
        }
    }
}

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

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
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

fn io(what: &str) -> impl FnOnce(std::io::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::io(what, e)
}

/// Builds a read-only busybox root: every applet linked into /bin, root and nobody users.
fn build_rootfs(root: &Path) -> Result<()> {
    let busybox = which("busybox")
        .ok_or_else(|| RuntimeError::Invalid(format!("busybox not found; {INSTALL_HINT}")))?;
    for d in [
        "bin",
        "etc",
        "proc",
        "sys",
        "dev",
        "tmp",
        "root",
        "var/www",
        "home/nobody",
    ] {
        std::fs::create_dir_all(root.join(d)).map_err(io("create rootfs"))?;
    }
    std::fs::copy(&busybox, root.join("bin/busybox")).map_err(io("copy busybox"))?;
    let list = Command::new(&busybox)
        .arg("--list")
        .output()
        .map_err(io("busybox --list"))?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        let link = root.join("bin").join(applet.trim());
        if applet.trim().is_empty() || applet.contains('/') || link.exists() {
            continue;
        }
        std::os::unix::fs::symlink("busybox", &link).map_err(io("link applet"))?;
    }
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home/nobody:/bin/sh\n",
    )
    .map_err(io("write passwd"))?;
    std::fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n")
        .map_err(io("write group"))?;
    std::fs::write(
        root.join("etc/hosts"),
        "127.0.0.1 localhost\n::1 localhost\n",
    )
    .map_err(io("write hosts"))?;
    std::fs::write(
        root.join("var/www/index.html"),
        "<h1>execmux demo</h1><p>served by busybox httpd in a container</p>\n",
    )
    .map_err(io("write index.html"))?;
    Ok(())
}

fn config(dir: &Path, address: &Path) -> String {
    let d = dir.display();
    format!(
        r#"version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{address}"

[ttrpc]
  address = "{address}.ttrpc"

[debug]
  level = "warn"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
"#,
        address = address.display()
    )
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
            if let Ok(rt) = Runtime::connect(&self.client.address).await {
                if rt.namespaces().await.is_ok() {
                    return Ok(());
                }
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    let log =
                        std::fs::read_to_string(dir.join("containerd.log")).unwrap_or_default();
                    let tail: Vec<&str> = log.lines().rev().take(5).collect();
                    self.child = None;
                    return Err(RuntimeError::Invalid(format!(
                        "sandbox containerd exited with {status}: {}",
                        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
                    )));
                }
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
        let spec = self.spec(ns, id, def)?;
        let json = serde_json::to_vec(&spec).map_err(|e| RuntimeError::Invalid(e.to_string()))?;
        let container = Container {
            id: id.to_string(),
            labels: def.labels.iter().cloned().collect(),
            image: "execmux.sandbox/busybox:static".into(),
            runtime: Some(ContainerRuntime {
                name: "io.containerd.runc.v2".into(),
                options: None,
            }),
            spec: Some(prost_types::Any {
                type_url: "types.containerd.io/opencontainers/runtime-spec/1/Spec".into(),
                value: json,
            }),
            ..Default::default()
        };
        rt.containers_client()
            .create(request(
                ns,
                CreateContainerRequest {
                    container: Some(container),
                },
            )?)
            .await
            .map_err(|s| RuntimeError::rpc("create container", &s))?;
        if start {
            self.start_task(ns, id).await?;
        }
        Ok(())
    }

    /// Creates and starts a container's task.
    pub async fn start_task(&self, ns: &Namespace, id: &ContainerId) -> Result<u32> {
        let rt = self.runtime().await?;
        let req = CreateTaskRequest {
            container_id: id.to_string(),
            ..Default::default()
        };
        rt.tasks()
            .create(request(ns, req)?)
            .await
            .map_err(|s| RuntimeError::rpc("create task", &s))?;
        let start = StartRequest {
            container_id: id.to_string(),
            exec_id: String::new(),
        };
        let resp = rt
            .tasks()
            .start(request(ns, start)?)
            .await
            .map_err(|s| RuntimeError::rpc("start task", &s))?;
        Ok(resp.into_inner().pid)
    }

    fn spec(&self, ns: &Namespace, id: &ContainerId, def: &ContainerDef) -> Result<Spec> {
        let err = |e: oci_spec::OciSpecError| RuntimeError::Invalid(format!("sandbox spec: {e}"));
        let mut spec = Spec::default();
        let caps: std::collections::HashSet<oci_spec::runtime::Capability> = DEFAULT_CAPS
            .iter()
            .filter_map(|c| serde_json::from_value(serde_json::Value::from(*c)).ok())
            .collect();
        let mut capabilities = oci_spec::runtime::LinuxCapabilities::default();
        capabilities.set_bounding(Some(caps.clone()));
        capabilities.set_effective(Some(caps.clone()));
        capabilities.set_permitted(Some(caps));
        capabilities.set_inheritable(None);
        capabilities.set_ambient(None);
        let process = ProcessBuilder::default()
            .args(def.args.clone())
            .env(def.env.clone())
            .cwd(def.cwd.clone())
            .user(
                UserBuilder::default()
                    .uid(def.uid)
                    .gid(def.gid)
                    .build()
                    .map_err(err)?,
            )
            .capabilities(capabilities)
            .no_new_privileges(true)
            .terminal(false)
            .build()
            .map_err(err)?;
        spec.set_process(Some(process));
        spec.set_root(Some(
            RootBuilder::default()
                .path(&self.rootfs)
                .readonly(true)
                .build()
                .map_err(err)?,
        ));
        spec.set_hostname(Some(id.to_string()));
        let mut mounts = spec.mounts().clone().unwrap_or_default();
        mounts.push(
            MountBuilder::default()
                .destination("/tmp")
                .typ("tmpfs")
                .source("tmpfs")
                .options(vec!["nosuid".into(), "nodev".into(), "mode=1777".into()])
                .build()
                .map_err(err)?,
        );
        spec.set_mounts(Some(mounts));
        let base = spec.linux().clone().unwrap_or_default();
        let linux = LinuxBuilder::default()
            .namespaces(base.namespaces().clone().unwrap_or_default())
            .masked_paths(base.masked_paths().clone().unwrap_or_default())
            .readonly_paths(base.readonly_paths().clone().unwrap_or_default())
            .cgroups_path(format!("/execmux-sandbox-{ns}-{id}"))
            .build()
            .map_err(err)?;
        spec.set_linux(Some(linux));
        Ok(spec)
    }

    pub async fn pause(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let rt = self.runtime().await?;
        rt.tasks()
            .pause(request(
                ns,
                PauseTaskRequest {
                    container_id: id.to_string(),
                },
            )?)
            .await
            .map_err(|s| RuntimeError::rpc("pause", &s))?;
        Ok(())
    }

    pub async fn resume(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let rt = self.runtime().await?;
        rt.tasks()
            .resume(request(
                ns,
                ResumeTaskRequest {
                    container_id: id.to_string(),
                },
            )?)
            .await
            .map_err(|s| RuntimeError::rpc("resume", &s))?;
        Ok(())
    }

    /// Kills a container's init with SIGKILL and waits for it (the task stays, stopped).
    pub async fn stop_task(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let rt = self.runtime().await?;
        let kill = KillRequest {
            container_id: id.to_string(),
            signal: 9,
            ..Default::default()
        };
        rt.tasks()
            .kill(request(ns, kill)?)
            .await
            .map_err(|s| RuntimeError::rpc("kill task", &s))?;
        let wait = WaitRequest {
            container_id: id.to_string(),
            exec_id: String::new(),
        };
        tokio::time::timeout(Duration::from_secs(10), rt.tasks().wait(request(ns, wait)?))
            .await
            .map_err(|_| RuntimeError::Timeout {
                op: "wait task",
                secs: 10,
            })?
            .map_err(|s| RuntimeError::rpc("wait task", &s))?;
        Ok(())
    }

    /// Removes a container: kills and deletes its task (resuming it first if paused).
    pub async fn remove_container(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let rt = self.runtime().await?;
        match rt.task(ns, id).await {
            Ok(task) => {
                if task.state == TaskState::Paused {
                    let _ = self.resume(ns, id).await;
                }
                if task.state != TaskState::Stopped {
                    self.stop_task(ns, id).await?;
                }
                let del = DeleteTaskRequest {
                    container_id: id.to_string(),
                };
                rt.tasks()
                    .delete(request(ns, del)?)
                    .await
                    .map_err(|s| RuntimeError::rpc("delete task", &s))?;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        rt.containers_client()
            .delete(request(ns, DeleteContainerRequest { id: id.to_string() })?)
            .await
            .map_err(|s| RuntimeError::rpc("delete container", &s))?;
        Ok(())
    }
}

impl SandboxClient {
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
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
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
    if let Err(e) = std::fs::remove_dir_all(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot remove sandbox dir");
        }
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
