//! `execmux exec`: one exec like `docker exec`. stdout and stderr kept apart, stdin to EOF
//! with `-i`, a tty with the caller's size and its resizes with `-t`, detach keys, and on
//! SIGINT/SIGTERM/SIGHUP a cancel that kills and deletes the exec. The exit status is the
//! exec's exit code (126/127 when it cannot start).

use std::io::Read;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::cli::{ExecArgs, Global};
use crate::domain::{ConsoleSize, ContainerId, ContainerKey, ExecKey, ProcessDefaults};
use crate::launcher::{self, LaunchError};
use crate::registry::detach_keys::{Matcher, Scan};
use crate::registry::{ExecConfig, Registry};
use crate::runtime::exec::new_exec_id;
use crate::runtime::{Runtime, spec};

use super::{CmdError, rawtty};

/// How long output may keep draining after the exit (Docker waits 2 s for its streams).
const DRAIN: Duration = Duration::from_secs(2);

enum Input {
    Bytes(Vec<u8>),
    Eof,
    Detach(Vec<u8>),
}

/// Reads the caller's stdin on a thread of its own (a blocking read cannot be cancelled;
/// the process exits without waiting for it).
fn read_stdin(detach: Option<Vec<u8>>) -> mpsc::Receiver<Input> {
    let (tx, rx) = mpsc::channel(16);
    std::thread::spawn(move || {
        let mut matcher = detach.map(Matcher::new);
        let mut buf = [0u8; 16 * 1024];
        let mut stdin = std::io::stdin().lock();
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let held = matcher.as_mut().map(Matcher::flush).unwrap_or_default();
                    if !held.is_empty() {
                        let _ = tx.blocking_send(Input::Bytes(held));
                    }
                    let _ = tx.blocking_send(Input::Eof);
                    return;
                }
                Ok(n) => n,
            };
            let msg = match matcher.as_mut().map(|m| m.scan(&buf[..n])) {
                None => Input::Bytes(buf[..n].to_vec()),
                Some(Scan::Forward(b)) => Input::Bytes(b),
                Some(Scan::Detach { before }) => {
                    let _ = tx.blocking_send(Input::Detach(before));
                    return;
                }
            };
            if tx.blocking_send(msg).is_err() {
                return;
            }
        }
    });
    rx
}

async fn copy_out(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let n = tokio::io::AsyncReadExt::read(&mut from, &mut buf).await?;
        if n == 0 {
            to.flush().await?;
            return Ok(total);
        }
        to.write_all(&buf[..n]).await?;
        to.flush().await?;
        total += n as u64;
    }
}

/// The container's state and process defaults, recorded in `registry`.
async fn load_container(
    rt: &Runtime,
    key: &ContainerKey,
    registry: &mut Registry,
) -> Result<ProcessDefaults, CmdError> {
    match rt.container_spec(&key.namespace, &key.container).await {
        Ok(spec) => {
            let task = match rt.task(&key.namespace, &key.container).await {
                Ok(t) => Some(t.state),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e.into()),
            };
            registry.set_container(key.clone(), task);
            Ok(spec::defaults(&spec))
        }
        // Unknown to the registry: create reports "no such container".
        Err(e) if e.is_not_found() => Ok(ProcessDefaults::default()),
        Err(e) => Err(e.into()),
    }
}

/// Signals that cancel the exec, and SIGWINCH.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    winch: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            winch: signal(SignalKind::window_change())?,
        })
    }
}

/// How the session with a running exec ended.
enum Outcome {
    Exited,
    Cancelled(&'static str),
    Detached,
}

pub async fn run(global: &Global, args: ExecArgs) -> Result<i32, CmdError> {
    // Installed first, so that a signal during the launch cancels rather than orphans.
    let mut signals = Signals::install()?;
    if args.container.trim().is_empty() {
        return Err(CmdError::Usage("container id must not be empty".into()));
    }
    let ns = super::namespace(global)?;
    let container = ContainerKey {
        namespace: ns.clone(),
        container: ContainerId::from(args.container.as_str()),
    };
    let rt = super::connect(global).await?;
    let mut registry = Registry::new(16);
    let defaults = load_container(&rt, &container, &mut registry).await?;
    let key = ExecKey {
        namespace: ns,
        container: container.container.clone(),
        exec: new_exec_id(),
    };
    let config = ExecConfig {
        args: args.command.clone(),
        env: args.env.clone(),
        user: args.user.clone(),
        cwd: args.workdir.clone(),
        tty: args.tty,
        stdin: args.interactive,
        privileged: args.privileged,
        console: args
            .tty
            .then(|| rawtty::size().unwrap_or(ConsoleSize { rows: 24, cols: 80 })),
        detach_keys: Some(args.detach_keys.clone()),
    };
    let detach = registry
        .create(key.clone(), &config, &defaults, SystemTime::now())?
        .detach_keys
        .clone();
    let plan = registry.start(&key, None)?;
    tracing::info!(exec = %key, command = ?plan.args, tty = plan.tty, "exec_start");
    let mut launched = match launcher::launch(&rt, &super::runtime_dir(global), &plan).await {
        Ok(l) => l,
        Err(LaunchError::Create(e)) => return Err(e.into()),
        Err(LaunchError::Start(e)) => {
            let message = e.message();
            let code = registry.start_failed(&key, &message, SystemTime::now());
            eprintln!("execmux: {message}");
            return Ok(i32::try_from(code).unwrap_or(128));
        }
    };
    let Some(io) = launched.io.take() else {
        return Err(CmdError::Usage("exec streams were not opened".into()));
    };
    let raw = if args.tty && args.interactive {
        rawtty::RawMode::enable()?
    } else {
        None
    };
    let out_task = tokio::spawn(copy_out(io.stdout, tokio::io::stdout()));
    let err_task = io
        .stderr
        .map(|e| tokio::spawn(copy_out(e, tokio::io::stderr())));
    let input = if args.interactive {
        read_stdin(args.tty.then_some(detach))
    } else {
        mpsc::channel(1).1
    };
    let outcome = session(&rt, &mut launched, io.stdin, input, &mut signals, args.tty).await;
    let result = match outcome {
        Outcome::Detached => {
            drop(raw);
            registry.detached(&key, SystemTime::now());
            eprintln!("\r\nexecmux: detached; exec {} keeps running", key.exec);
            launched.detach();
            return Ok(0);
        }
        Outcome::Cancelled(sig) => {
            tracing::info!(exec = %key, signal = sig, "cancelled: killing the exec");
            registry.kill_requested(&key);
            launched.cancel().await
        }
        Outcome::Exited => {
            let _ = tokio::time::timeout(DRAIN, out_task).await;
            if let Some(t) = err_task {
                let _ = tokio::time::timeout(DRAIN, t).await;
            }
            launched.finish().await
        }
    };
    drop(raw);
    let exit = result?;
    registry.exited(&key, Some(exit), SystemTime::now());
    tracing::info!(exec = %key, code = exit.code, "exec_die");
    Ok(i32::try_from(exit.code).unwrap_or(255))
}

/// Feeds stdin, follows resizes and waits for the exit, a cancelling signal or a detach.
async fn session(
    rt: &Runtime,
    launched: &mut launcher::Launched,
    mut stdin_pipe: Option<tokio::net::unix::pipe::Sender>,
    mut input: mpsc::Receiver<Input>,
    signals: &mut Signals,
    tty: bool,
) -> Outcome {
    let key = launched.key.clone();
    loop {
        tokio::select! {
            _ = launched.exited() => return Outcome::Exited,
            msg = input.recv(), if stdin_pipe.is_some() => match msg {
                Some(Input::Bytes(b)) => {
                    if let Some(p) = stdin_pipe.as_mut() {
                        if p.write_all(&b).await.is_err() {
                            stdin_pipe = None;
                        }
                    }
                }
                Some(Input::Detach(before)) => {
                    if let Some(p) = stdin_pipe.as_mut() {
                        let _ = p.write_all(&before).await;
                    }
                    return Outcome::Detached;
                }
                Some(Input::Eof) | None => {
                    if tty {
                        // A tty is never closed (CloseIO would hang up its terminal), as
                        // Docker does; stop reading instead.
                        input = mpsc::channel(1).1;
                    } else {
                        // Pipe mode: close our end and tell the shim.
                        stdin_pipe = None;
                        if let Err(e) = rt.exec_close_stdin(&key).await {
                            tracing::warn!(error = %e, "close stdin");
                        }
                    }
                }
            },
            _ = signals.winch.recv(), if tty => {
                if let Some(size) = rawtty::size() {
                    if let Err(e) = rt.exec_resize(&key, size).await {
                        tracing::warn!(error = %e, "resize");
                    }
                }
            }
            _ = signals.interrupt.recv() => return Outcome::Cancelled("SIGINT"),
            _ = signals.terminate.recv() => return Outcome::Cancelled("SIGTERM"),
            _ = signals.hangup.recv() => return Outcome::Cancelled("SIGHUP"),
        }
    }
}
