//! Two hidden subcommands for the benchmark scripts: `execmux drain`, the minimal raw reader
//! of one tty exec (Exec, Start, the tty FIFO drained with large reads and no emulator, Wait,
//! Delete), and `execmux sandbox`, a private containerd with sleeper containers kept up
//! until a signal comes.

use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::signal::unix::{SignalKind, signal};

use crate::cli::{DrainArgs, Global};
use crate::domain::{ConsoleSize, ContainerId, ContainerKey, ExecKey, ProcessDefaults};
use crate::launcher::{self, LaunchError};
use crate::registry::{ExecConfig, Registry};
use crate::runtime::exec::new_exec_id;
use crate::runtime::spec;
use crate::sandbox::{ContainerDef, Sandbox};

use super::CmdError;

/// One read asks for this much; a FIFO holds 64 KiB, so a read never comes back short
/// because of the buffer.
const READ_SIZE: usize = 256 * 1024;

/// What the reader thread saw.
struct Drained {
    bytes: u64,
    reads: u64,
    first: Option<Instant>,
    eof: Instant,
    eof_wall: SystemTime,
}

/// Reads `from` to EOF on the calling thread.
fn drain_fd(from: std::os::fd::OwnedFd) -> std::io::Result<Drained> {
    let mut file = std::fs::File::from(from);
    let mut buf = vec![0u8; READ_SIZE];
    let (mut bytes, mut reads, mut first) = (0u64, 0u64, None);
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                first.get_or_insert_with(Instant::now);
                bytes += n as u64;
                reads += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Drained {
        bytes,
        reads,
        first,
        eof: Instant::now(),
        eof_wall: SystemTime::now(),
    })
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The container's process defaults, with its task state recorded in `registry`.
async fn container_defaults(
    rt: &crate::runtime::Runtime,
    key: &ContainerKey,
    registry: &mut Registry,
) -> Result<ProcessDefaults, CmdError> {
    let spec = rt.container_spec(&key.namespace, &key.container).await?;
    let task = match rt.task(&key.namespace, &key.container).await {
        Ok(t) => Some(t.state),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e.into()),
    };
    registry.set_container(key.clone(), task);
    Ok(spec::defaults(&spec))
}

/// `execmux drain`: runs the command with a tty of the given size, reads its output to EOF
/// and prints one JSON line (bytes, reads, timings); exits with the command's exit code.
pub async fn drain(global: &Global, args: DrainArgs) -> Result<i32, CmdError> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    if args.container.trim().is_empty() {
        return Err(CmdError::Usage("container id must not be empty".into()));
    }
    let container = ContainerKey {
        namespace: super::namespace(global)?,
        container: ContainerId::from(args.container.as_str()),
    };
    let rt = super::connect(global).await?;
    let mut registry = Registry::new(4);
    let defaults = container_defaults(&rt, &container, &mut registry).await?;
    let key = ExecKey {
        namespace: container.namespace.clone(),
        container: container.container.clone(),
        exec: new_exec_id(),
    };
    let size = ConsoleSize {
        rows: args.rows,
        cols: args.cols,
    }
    .clamped();
    let config = ExecConfig {
        args: args.command.clone(),
        tty: true,
        console: Some(size),
        ..ExecConfig::default()
    };
    registry.create(key.clone(), &config, &defaults, SystemTime::now())?;
    let plan = registry.start(&key, None)?;
    let launch_at = Instant::now();
    let (launched, io) = match launcher::launch(&rt, &super::runtime_dir(global), &plan).await {
        Ok(l) => l,
        Err(LaunchError::Create(e)) => return Err(e.into()),
        Err(LaunchError::Kube(e)) => return Err(e.into()),
        Err(LaunchError::Start(e)) => {
            // 126/127 as `execmux exec` gives them (cannot run, not found).
            let message = e.message();
            eprintln!("execmux: {}", super::clean::text(&message));
            let code = registry.start_failed(&key, &message, SystemTime::now());
            return Ok(i32::try_from(code).unwrap_or(128));
        }
    };
    let started = Instant::now();
    let fd = match io.stdout.into_blocking_fd() {
        Ok(fd) => fd,
        Err(e) => {
            launched.cancel().await?;
            return Err(e.into());
        }
    };
    let mut reader = tokio::task::spawn_blocking(move || drain_fd(fd));
    let drained = tokio::select! {
        r = &mut reader => r.map_err(std::io::Error::other).and_then(|r| r),
        _ = interrupt.recv() => Err(std::io::Error::other("interrupted")),
        _ = terminate.recv() => Err(std::io::Error::other("terminated")),
    };
    let drained = match drained {
        Ok(d) => d,
        Err(e) => {
            // The kill makes the shim close the FIFO, so the reader thread ends too.
            launched.cancel().await?;
            return Err(e.into());
        }
    };
    let exit = launched.finish().await?;
    let eof_unix = drained
        .eof_wall
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let line = serde_json::json!({
        "bytes": drained.bytes,
        "reads": drained.reads,
        "rows": size.rows,
        "cols": size.cols,
        "launch_ms": millis(started - launch_at),
        "launch_to_eof_ms": millis(drained.eof - launch_at),
        "start_to_eof_ms": millis(drained.eof - started),
        "first_byte_to_eof_ms": drained.first.map(|f| millis(drained.eof - f)),
        "eof_unix": eof_unix,
        "exit_code": exit.code,
    });
    println!("{line}");
    Ok(i32::try_from(exit.code).unwrap_or(255))
}

/// `execmux sandbox`: starts a private containerd with one sleeper container per name in
/// the global namespace, prints where everything is as one JSON line, and stops and removes
/// it all on SIGTERM, SIGINT or SIGHUP, or when the parent process dies.
pub async fn sandbox(global: &Global, containers: &[String]) -> Result<i32, CmdError> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    // A script that dies without its cleanup still takes the sandbox down with it.
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
        .map_err(|e| CmdError::Io(e.into()))?;
    if nix::unistd::getppid().as_raw() == 1 {
        return Err(CmdError::Usage("the parent process is already gone".into()));
    }
    let ns = super::namespace(global)?;
    let guard = std::env::current_exe()?;
    let sandbox = Sandbox::start(Some(&guard)).await?;
    let made = async {
        let client = sandbox.client();
        let rt = client.runtime().await?;
        let mut list = Vec::new();
        for name in containers {
            let id = ContainerId::from(name.as_str());
            client
                .create_container(&ns, &id, &ContainerDef::sleeper(), true)
                .await?;
            let pid = rt.task(&ns, &id).await?.pid;
            list.push(serde_json::json!({ "id": name, "pid": pid }));
        }
        Ok::<_, CmdError>(list)
    }
    .await;
    let result = match made {
        Ok(list) => {
            let dir = sandbox.dir();
            let line = serde_json::json!({
                "address": sandbox.address(),
                "dir": dir,
                "rootfs": dir.join("rootfs"),
                "fifo": dir.join("fifo"),
                "namespace": ns.as_str(),
                "containers": list,
            });
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}")?;
            out.flush()?;
            drop(out);
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
                _ = hangup.recv() => {}
            }
            Ok(0)
        }
        Err(e) => Err(e),
    };
    sandbox.stop().await?;
    result
}
