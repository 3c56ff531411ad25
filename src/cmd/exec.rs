//! `execmux exec`: one exec like `docker exec`. stdout and stderr kept apart, stdin to EOF
//! with `-i`, a tty with the caller's size and its resizes with `-t`, detach keys, and on
//! SIGINT/SIGTERM/SIGHUP a cancel that kills and deletes the exec. The exit status is the
//! exec's exit code (126/127 when it cannot start).

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::backend::{Backend, Output};
use crate::cli::{ExecArgs, Global};
use crate::domain::Notice;
use crate::domain::{
    ConsoleSize, ContainerId, ContainerKey, ExecKey, ExitInfo, Link, ProcessDefaults,
};
use crate::driver::{Control, Ended, Outcome, Session, StdinHandle, StdinReport};
use crate::launcher::LaunchError;
use crate::registry::detach_keys::{Matcher, Scan};
use crate::registry::{ExecConfig, Registry};
use crate::runtime::exec::new_exec_id;
use crate::runtime::{Runtime, spec};

use super::tee::{self, Tee};
use super::{CmdError, rawtty};

/// How the reading of the caller's stdin ended.
pub(super) enum Input {
    /// End of input: everything read was handed to the exec's stdin writer.
    Eof,
    /// The detach keys were typed (what came before them was handed on).
    Detach,
    /// The exec stopped taking input: reading stopped.
    Closed,
    /// The terminal went away (a read failed with EIO: the terminal was hung up).
    HangUp,
}

/// The reader of the caller's stdin: how its reading ended, told once.
pub(super) struct StdinReader {
    pub(super) ends: mpsc::Receiver<Input>,
    /// Set when the reader had input that the exec no longer took.
    refused: Arc<AtomicBool>,
    /// Set once the reader stopped, for whatever reason.
    stopped: Arc<AtomicBool>,
}

impl StdinReader {
    /// After the exec exited: whether the caller's stdin still held input it did not take.
    /// A reader with input at hand finds the stdin closed at once; one still waiting in a
    /// read after `LATE_INPUT` had none to give (a terminal, an idle pipe).
    pub(super) async fn had_more(&self) -> bool {
        let deadline = tokio::time::Instant::now() + LATE_INPUT;
        while !self.stopped.load(Ordering::Acquire) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        self.refused.load(Ordering::Acquire)
    }
}

/// How long an exited exec's caller may take to show it had more input.
const LATE_INPUT: std::time::Duration = std::time::Duration::from_millis(200);

/// Reads the caller's stdin on a thread of its own (a blocking read cannot be cancelled;
/// the process exits without waiting for it) and hands it to the exec's stdin writer,
/// waiting while the exec does not read: the thread stops reading, nothing is dropped.
pub(super) fn read_stdin(to: StdinHandle, detach: Option<Vec<u8>>) -> StdinReader {
    let (tx, ends) = mpsc::channel(1);
    let refused = Arc::new(AtomicBool::new(false));
    let stopped = Arc::new(AtomicBool::new(false));
    let (r, s) = (refused.clone(), stopped.clone());
    std::thread::spawn(move || {
        let end = pump_stdin(&mut std::io::stdin().lock(), &to, detach);
        // Our handle goes before the end is told, so that the stdin can close behind it.
        drop(to);
        r.store(matches!(end, Input::Closed), Ordering::Release);
        s.store(true, Ordering::Release);
        let _ = tx.blocking_send(end);
    });
    StdinReader {
        ends,
        refused,
        stopped,
    }
}

/// Copies `from` into `to` until its end, the detach keys, or a closed stdin.
fn pump_stdin(from: &mut impl Read, to: &StdinHandle, detach: Option<Vec<u8>>) -> Input {
    let mut matcher = detach.map(Matcher::new);
    let mut buf = vec![0u8; crate::driver::stdin::CHUNK];
    loop {
        let n = match from.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.raw_os_error() == Some(nix::libc::EIO) => {
                let held = matcher.as_mut().map(Matcher::flush).unwrap_or_default();
                let _ = to.blocking_send(held);
                return Input::HangUp;
            }
            Ok(0) | Err(_) => {
                let held = matcher.as_mut().map(Matcher::flush).unwrap_or_default();
                if to.blocking_send(held).is_err() {
                    return Input::Closed;
                }
                return Input::Eof;
            }
            Ok(n) => n,
        };
        let bytes = match matcher.as_mut().map(|m| m.scan(&buf[..n])) {
            None => buf[..n].to_vec(),
            Some(Scan::Forward(b)) => b,
            Some(Scan::Detach { before }) => {
                let _ = to.blocking_send(before);
                return Input::Detach;
            }
        };
        if to.blocking_send(bytes).is_err() {
            return Input::Closed;
        }
    }
}

async fn copy_out(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    tee: Option<Tee>,
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let n = tokio::io::AsyncReadExt::read(&mut from, &mut buf).await?;
        if n == 0 {
            to.flush().await?;
            return Ok(total);
        }
        if let Some(t) = &tee {
            t.write(&buf[..n]);
        }
        to.write_all(&buf[..n]).await?;
        to.flush().await?;
        total += n as u64;
    }
}

/// Copies the exec's stdout and stderr to ours (and to the transcript) as they come.
pub(super) fn copiers(
    stdout: Output,
    stderr: Option<Output>,
    tee: Option<&Tee>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let out_tee = tee.cloned();
    let mut readers = vec![tokio::spawn(async move {
        let _ = copy_out(stdout, tokio::io::stdout(), out_tee).await;
    })];
    if let Some(e) = stderr {
        let err_tee = tee.cloned();
        readers.push(tokio::spawn(async move {
            let _ = copy_out(e, tokio::io::stderr(), err_tee).await;
        }));
    }
    readers
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
pub(super) struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    winch: tokio::signal::unix::Signal,
}

impl Signals {
    pub(super) fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            winch: signal(SignalKind::window_change())?,
        })
    }
}

pub async fn run(global: &Global, args: ExecArgs) -> Result<i32, CmdError> {
    // Installed first, so that a signal during the launch cancels rather than orphans.
    let signals = Signals::install()?;
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
    let tee = tee::open(args.transcript.as_deref())?;
    tracing::info!(exec = %key, command = ?plan.args, tty = plan.tty, "exec_start");
    let backend = Backend::containerd(rt, super::runtime_dir(global));
    let (exec, io) = match backend.launch(&plan).await {
        Ok(l) => l,
        Err(LaunchError::Create(e)) => return Err(e.into()),
        Err(LaunchError::Kube(e)) => return Err(e.into()),
        Err(LaunchError::Start(e)) => {
            let message = e.message();
            let code = registry.start_failed(&key, &message, SystemTime::now());
            tee::header(tee.as_ref(), registry.get(&key));
            let at = registry.get(&key).and_then(|r| r.finished_at);
            tee::end(tee.as_ref(), Some(ExitInfo { code, at }));
            eprintln!("execmux: {}", super::clean::text(&message));
            return Ok(i32::try_from(code).unwrap_or(128));
        }
    };
    registry.started(&key, exec.pid(), SystemTime::now());
    tee::header(tee.as_ref(), registry.get(&key));
    let raw = if args.tty && args.interactive {
        rawtty::RawMode::enable()?
    } else {
        None
    };
    let session = Session::new(exec, io.stdin);
    let readers = copiers(io.stdout, io.stderr, tee.as_ref());
    let mut reader = session
        .stdin()
        .filter(|_| args.interactive)
        .map(|to| read_stdin(to, args.tty.then_some(detach)));
    let ended = run_forwarded(session, reader.as_mut(), signals, args.tty, readers).await;
    drop(raw);
    let exited = matches!(ended.outcome, Outcome::Exited(_));
    let result = match ended.outcome {
        Outcome::Detached => {
            registry.detached(&key, SystemTime::now());
            if let Some(t) = &tee {
                t.finish("# detached: the exec keeps running\n");
            }
            eprintln!("\r\nexecmux: detached; exec {} keeps running", key.exec);
            return Ok(0);
        }
        Outcome::Killed(r) => {
            registry.kill_requested(&key);
            r
        }
        Outcome::Exited(r) => r,
    };
    let exit = result.map_err(CmdError::from);
    tee::end(tee.as_ref(), exit.as_ref().ok().copied());
    let exit = exit?;
    registry.exited(&key, Some(exit), SystemTime::now());
    tracing::info!(exec = %key, code = exit.code, "exec_die");
    let code = i32::try_from(exit.code).unwrap_or(255);
    Ok(match &reader {
        Some(r) if exited => input_verdict(&ended.input, r, code).await,
        _ => code,
    })
}

/// The status of an exec that exited with input not delivered: input from a pipe or a
/// file that the exec did not take whole is an error (a truncated `tar x` or `psql <
/// dump` must not look like success); the exec's own failure, if any, is kept. Keys typed
/// ahead on a terminal are not.
pub(super) async fn input_verdict(input: &StdinReport, reader: &StdinReader, code: i32) -> i32 {
    use std::io::IsTerminal as _;
    if std::io::stdin().is_terminal() || !(input.lost || reader.had_more().await) {
        return code;
    }
    eprintln!(
        "execmux: the exec ended before it read all of its input ({} bytes delivered)",
        input.delivered
    );
    if code == 0 { super::EXIT_EXECMUX } else { code }
}

/// What the session reports, on stderr (raw mode may be on: lines end in CRLF).
fn say(n: Notice) {
    match n {
        Notice::Link(Link::Reconnecting { error }) => {
            eprint!(
                "\r\nexecmux: containerd unreachable ({}); the exec goes on, reconnecting\r\n",
                super::clean::text(&error)
            );
        }
        Notice::Link(Link::Up) => eprint!("\r\nexecmux: containerd answers again\r\n"),
        Notice::KillPending(why) => {
            eprintln!("\r\nexecmux: kill pending ({})", super::clean::text(&why));
        }
        Notice::InputLost(bytes) => {
            tracing::warn!(bytes, "the exec stopped reading its input");
        }
    }
}

/// Runs `session` to its end with the caller's stdin, signals and resizes forwarded to it.
pub(super) async fn run_forwarded(
    session: Session,
    input: Option<&mut StdinReader>,
    signals: Signals,
    tty: bool,
    readers: Vec<tokio::task::JoinHandle<()>>,
) -> Ended {
    let (controls_tx, mut controls) = mpsc::unbounded_channel();
    let forward = forward(input.map(|r| &mut r.ends), signals, tty, controls_tx);
    let mut notice = say;
    let run = session.run(&mut controls, readers, &mut notice);
    tokio::pin!(run);
    // The forwarder runs beside the session and stops with it.
    tokio::select! {
        ended = &mut run => ended,
        () = forward => run.await,
    }
}

/// Turns the caller's stdin, its signals and its terminal's resizes into controls of the
/// session: SIGINT, SIGTERM and SIGHUP cancel (kill and delete the exec).
async fn forward(
    mut input: Option<&mut mpsc::Receiver<Input>>,
    mut signals: Signals,
    tty: bool,
    to: mpsc::UnboundedSender<Control>,
) {
    loop {
        let control = tokio::select! {
            msg = recv_input(&mut input) => match msg {
                Some(Input::Detach) => {
                    input = None;
                    Control::Detach
                }
                Some(Input::HangUp) => {
                    input = None;
                    cancelled("a hang-up of the terminal")
                }
                Some(Input::Closed) => {
                    // The exec took no more: the session's report says so at the end.
                    input = None;
                    continue;
                }
                Some(Input::Eof) | None => {
                    // Input is over: stop reading it (a tty stays open, as in Docker).
                    input = None;
                    Control::Eof
                }
            },
            _ = signals.winch.recv(), if tty => match rawtty::size() {
                Some(size) => Control::Resize(size),
                None => continue,
            },
            _ = signals.interrupt.recv() => cancelled("SIGINT"),
            _ = signals.terminate.recv() => cancelled("SIGTERM"),
            _ = signals.hangup.recv() => cancelled("SIGHUP"),
        };
        if to.send(control).is_err() {
            return;
        }
    }
}

fn cancelled(signal: &'static str) -> Control {
    tracing::info!(signal, "cancelled: killing the exec");
    Control::Cancel
}

/// The next input, or never once there is none (so that a closed input costs nothing).
async fn recv_input(input: &mut Option<&mut mpsc::Receiver<Input>>) -> Option<Input> {
    match input {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
