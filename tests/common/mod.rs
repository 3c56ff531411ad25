//! Shared test support: one private containerd per test binary (started on first use,
//! stopped at exit), a namespace per test, and leak checks.
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use execmux::domain::{ContainerId, Namespace, TaskState};
use execmux::runtime::{Runtime, stdio};
use execmux::sandbox::{ContainerDef, Sandbox, SandboxClient};

/// The sandbox lives as long as the test binary: when the binary exits, its guard process
/// (`execmux sandbox-guard`) sees its pipe close and removes every container, stops the
/// daemon and removes the directory.
struct Shared {
    client: SandboxClient,
    dir: PathBuf,
    sandbox: Mutex<Option<Sandbox>>,
}

static SHARED: tokio::sync::OnceCell<Result<Shared, String>> = tokio::sync::OnceCell::const_new();

async fn shared() -> &'static Shared {
    let r = SHARED
        .get_or_init(|| async {
            let guard = std::path::Path::new(env!("CARGO_BIN_EXE_execmux"));
            match Sandbox::start(Some(guard)).await {
                Ok(s) => Ok(Shared {
                    client: s.client(),
                    dir: s.dir().to_owned(),
                    sandbox: Mutex::new(Some(s)),
                }),
                Err(e) => Err(e.to_string()),
            }
        })
        .await;
    match r {
        Ok(s) => s,
        Err(e) => panic!(
            "these tests need a private containerd and could not start one: {e}\n\
             install what they need with: apt-get install -y containerd runc busybox-static (as root)"
        ),
    }
}

/// Stops the shared daemon (shims and tasks live on), runs `during`, starts it again.
pub async fn daemon_outage(during: impl AsyncFnOnce()) {
    let shared = shared().await;
    let mut sandbox = shared.sandbox.lock().unwrap().take().expect("sandbox");
    sandbox.stop_daemon();
    during().await;
    let started = sandbox.start_daemon().await;
    *shared.sandbox.lock().unwrap() = Some(sandbox);
    started.expect("restart the daemon");
}

/// How `daemon_down` takes the daemon away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Down {
    /// SIGTERM (KILL after 5 s): a clean stop, the socket file is removed.
    Stop,
    /// SIGKILL: a crash, the socket file stays and connects are refused.
    Crash,
}

/// Takes the shared daemon away (shims and tasks live on), runs `during`, starts it again.
pub async fn daemon_down<T>(how: Down, during: impl AsyncFnOnce() -> T) -> T {
    let shared = shared().await;
    let mut sandbox = shared.sandbox.lock().unwrap().take().expect("sandbox");
    match how {
        Down::Stop => sandbox.stop_daemon(),
        Down::Crash => sandbox.crash_daemon(),
    }
    let out = during().await;
    let started = sandbox.start_daemon().await;
    *shared.sandbox.lock().unwrap() = Some(sandbox);
    started.expect("restart the daemon");
    out
}

/// The shared daemon's pid.
pub async fn daemon_pid() -> u32 {
    let shared = shared().await;
    let guard = shared.sandbox.lock().unwrap();
    guard
        .as_ref()
        .and_then(Sandbox::daemon_pid)
        .expect("the daemon runs")
}

/// One test's world: its own namespace on the shared daemon and its own FIFO base.
pub struct Ctx {
    pub rt: Runtime,
    pub sandbox: SandboxClient,
    pub ns: Namespace,
    pub fifo_base: PathBuf,
    pub state_dir: PathBuf,
}

pub async fn ctx(name: &str) -> Ctx {
    let shared = shared().await;
    let rt = Runtime::connect(shared.client.address())
        .await
        .expect("connect to the sandbox");
    Ctx {
        rt,
        sandbox: shared.client.clone(),
        ns: Namespace::from(format!("t-{name}")),
        fifo_base: shared.dir.join("fifo").join(name),
        state_dir: shared.dir.join("state-home"),
    }
}

impl Ctx {
    pub async fn container(&self, id: &str, def: ContainerDef) -> ContainerId {
        let cid = ContainerId::from(id);
        self.sandbox
            .create_container(&self.ns, &cid, &def, true)
            .await
            .expect("create container");
        cid
    }

    pub async fn sleeper(&self, id: &str) -> ContainerId {
        self.container(id, ContainerDef::sleeper()).await
    }

    /// A stopped container and a paused one, for the tests of refused execs.
    pub async fn stopped_and_paused(&self) -> (ContainerId, ContainerId) {
        let stopped = self.sleeper("stopped").await;
        self.sandbox
            .stop_task(&self.ns, &stopped)
            .await
            .expect("stop");
        let paused = self.sleeper("paused").await;
        self.sandbox.pause(&self.ns, &paused).await.expect("pause");
        (stopped, paused)
    }

    /// `ctr` on the sandbox and this test's namespace, as an independent client.
    pub fn ctr(&self) -> std::process::Command {
        assert!(
            std::path::Path::new("/usr/bin/ctr").exists(),
            "ctr is missing: install it with apt-get install -y containerd"
        );
        let mut cmd = std::process::Command::new("/usr/bin/ctr");
        cmd.arg("-a")
            .arg(self.sandbox.address())
            .arg("-n")
            .arg(self.ns.as_str());
        cmd
    }

    /// Exec ids with a running process in a container.
    pub async fn exec_pids(&self, c: &ContainerId) -> Vec<String> {
        self.rt
            .pids(&self.ns, c)
            .await
            .expect("list pids")
            .into_iter()
            .filter_map(|p| p.exec.map(|e| e.to_string()))
            .collect()
    }

    /// Every test ends here: no exec process left in its containers, no FIFO directory
    /// left; then its containers are removed.
    pub async fn leak_check(&self) {
        for c in self.rt.containers(&self.ns).await.expect("list") {
            if c.task.is_some_and(|t| t.state == TaskState::Running) {
                let left = self.exec_pids(&c.id).await;
                assert!(left.is_empty(), "execs left running in {}: {left:?}", c.id);
            }
        }
        let dirs = stdio::list_dirs(&self.fifo_base);
        assert!(dirs.is_empty(), "FIFO directories left: {dirs:?}");
        for c in self.rt.containers(&self.ns).await.expect("list") {
            self.sandbox
                .remove_container(&self.ns, &c.id)
                .await
                .expect("remove container");
        }
    }

    /// The full leak check: every exec id in `made` is gone from containerd (Get gives
    /// `NotFound`), then `leak_check` (no exec pids, no FIFO directories).
    pub async fn assert_no_leaks(&self, made: &[execmux::domain::ExecKey]) {
        for key in made {
            let got = self
                .rt
                .process(&key.namespace, &key.container, Some(&key.exec))
                .await;
            assert!(
                got.as_ref()
                    .is_err_and(execmux::runtime::RuntimeError::is_not_found),
                "exec {key} still known to containerd: {got:?}"
            );
        }
        self.leak_check().await;
    }

    /// The execmux binary pointed at this sandbox, namespace and FIFO base.
    pub fn execmux(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_execmux"));
        cmd.env("CONTAINERD_ADDRESS", self.sandbox.address())
            .env("CONTAINERD_NAMESPACE", self.ns.as_str())
            .env("EXECMUX_RUNTIME_DIR", &self.fifo_base)
            .env("XDG_STATE_HOME", &self.state_dir)
            .env("XDG_CONFIG_HOME", self.state_dir.join("no-config"))
            .env_remove("EXECMUX_LOG");
        cmd
    }
}

/// Polls `f` every 20 ms until it returns Some, for at most `secs` seconds.
pub async fn eventually<T>(secs: u64, mut f: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Host processes, not zombies, whose command line is exactly `args`.
pub fn live_with_args(args: &[&str]) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            let got: Vec<&[u8]> = cmd.split(|b| *b == 0).filter(|a| !a.is_empty()).collect();
            got.len() == args.len()
                && got.iter().zip(args).all(|(g, a)| *g == a.as_bytes())
                && proc_state(*pid).is_some_and(|s| s != 'Z')
        })
        .collect()
}

/// The state letter of a host process (`R`, `S`, `T`, `Z`...; field 3 of `/proc/PID/stat`),
/// None when it is gone.
pub fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// The pid of the runc shim serving `container` in `namespace`.
pub fn shim_pid(namespace: &str, container: &str) -> Option<nix::unistd::Pid> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmd
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let arg = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
        };
        if args.first().is_some_and(|a| a.contains("containerd-shim"))
            && arg("-namespace").is_some_and(|n| n == namespace)
            && arg("-id").is_some_and(|i| i == container)
        {
            return Some(nix::unistd::Pid::from_raw(pid));
        }
    }
    None
}

pub mod hostprog;
pub mod pty;
pub mod side;
pub mod tmux;
pub mod watch;
