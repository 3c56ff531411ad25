//! `execmux attach`: takes over a running exec of ours whose owner is gone or detached it,
//! and drives it as `execmux exec` does (raw tty, detach keys, resizes, a cancel on
//! SIGINT/SIGTERM/SIGHUP that kills and deletes it); the exit status is the exec's.

use crate::backend::Backend;
use crate::cli::{AttachArgs, Global};
use crate::domain::{ContainerId, ExecId, ExecKey, Namespace};
use crate::driver::{Outcome, Session};
use crate::registry::detach_keys;
use crate::runtime::Runtime;
use crate::runtime::adopt::AttachError;

use super::exec::{Signals, copiers, input_verdict, read_stdin, run_forwarded};
use super::{CmdError, rawtty};

pub async fn run(global: &Global, args: AttachArgs) -> Result<i32, CmdError> {
    // Installed first, so that a signal during the take-over cancels rather than orphans.
    let signals = Signals::install()?;
    let detach =
        detach_keys::parse(&args.detach_keys).map_err(|e| CmdError::Usage(e.to_string()))?;
    if args.exec.trim().is_empty() {
        return Err(CmdError::Usage("exec id must not be empty".into()));
    }
    let ns = super::namespace(global)?;
    let rt = super::connect(global).await?;
    let exec = ExecId::from(args.exec.as_str());
    let key = match &args.container {
        Some(c) => ExecKey {
            namespace: ns,
            container: ContainerId::from(c.as_str()),
            exec,
        },
        None => find(&rt, &ns, &exec).await?,
    };
    let backend = Backend::containerd(rt, super::runtime_dir(global));
    let (exec, io) = match backend.attach(&key, rawtty::size()).await {
        Ok(l) => l,
        Err(AttachError::Refused(r)) => return Err(CmdError::Usage(r.to_string())),
        Err(AttachError::Runtime(e)) => return Err(e.into()),
    };
    let tty = exec.tty();
    tracing::info!(exec = %key, tty, "exec_attach");
    let interactive = io.stdin.is_some();
    if tty && interactive {
        eprintln!(
            "execmux: attached to exec {} ({} detaches)",
            key.exec, args.detach_keys
        );
    }
    let raw = if tty && interactive {
        rawtty::RawMode::enable()?
    } else {
        None
    };
    let session = Session::new(exec, io.stdin);
    let readers = copiers(io.stdout, io.stderr, None);
    let mut reader = session
        .stdin()
        .map(|to| read_stdin(to, tty.then_some(detach)));
    let ended = run_forwarded(session, reader.as_mut(), signals, tty, readers).await;
    drop(raw);
    let exited = matches!(ended.outcome, Outcome::Exited(_));
    let result = match ended.outcome {
        Outcome::Detached => {
            eprintln!("\r\nexecmux: detached; exec {} keeps running", key.exec);
            return Ok(0);
        }
        Outcome::Killed(r) | Outcome::Exited(r) => r,
    };
    let exit = result?;
    tracing::info!(exec = %key, code = exit.code, "exec_die");
    let code = i32::try_from(exit.code).unwrap_or(255);
    Ok(match &reader {
        Some(r) if exited => input_verdict(&ended.input, r, code).await,
        _ => code,
    })
}

/// The container of a running exec in `ns`, found by its id.
async fn find(rt: &Runtime, ns: &Namespace, exec: &ExecId) -> Result<ExecKey, CmdError> {
    let mut found: Vec<ExecKey> = rt
        .running_execs(ns)
        .await?
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| k.exec == *exec)
        .collect();
    match found.len() {
        0 => Err(CmdError::Usage(format!(
            "no running exec {exec} in namespace {ns}"
        ))),
        1 => Ok(found.remove(0)),
        _ => Err(CmdError::Usage(format!(
            "exec {exec} runs in several containers of {ns}: name the container"
        ))),
    }
}
