//! `execmux exec --kube POD -- CMD` and `execmux ps --kube`: one exec in a pod's container
//! through the API server, as `kubectl exec` runs it (stdin to EOF with `-i`, a tty with
//! this terminal's size and its resizes with `-t`, the command's exit code), and the pods'
//! containers. SIGINT, SIGTERM and SIGHUP end the exec and everything it started in the
//! container (see `kube::kill`): nothing is left running.

use std::io::Write;

use crate::backend::Backend;
use crate::cli::{ExecArgs, Global};
use crate::domain::{ConsoleSize, ContainerId, ExecKey, Namespace};
use crate::driver::{Outcome, Session};
use crate::kube::{self, Cluster};
use crate::launcher::LaunchError;
use crate::registry::StartPlan;
use crate::runtime::exec::new_exec_id;

use super::clean::text as clean;
use super::exec::{Signals, copiers, input_verdict, read_stdin, run_forwarded};
use super::{CmdError, rawtty};

/// The cluster of `--kubeconfig`, `--context` and `-n`.
pub async fn cluster(global: &Global) -> Result<Cluster, CmdError> {
    let ns = match global.namespace.as_deref().map(str::trim) {
        Some("") => return Err(CmdError::Usage("namespace must not be empty".into())),
        other => other,
    };
    Ok(kube::connect(global.kubeconfig.as_deref(), global.context.as_deref(), ns).await?)
}

/// The options of `exec` that a Kubernetes exec cannot honour, with the reason.
fn refused(args: &ExecArgs) -> Option<&'static str> {
    if args.user.is_some() {
        Some("-u: Kubernetes runs an exec as its container's user")
    } else if args.privileged {
        Some("--privileged: Kubernetes gives an exec its container's privileges")
    } else if args.workdir.is_some() {
        Some(
            "-w: Kubernetes starts an exec in its container's working directory (use sh -c 'cd DIR && ...')",
        )
    } else if !args.env.is_empty() {
        Some("-e: Kubernetes sets no environment for an exec (use env K=V CMD)")
    } else if args.transcript.is_some() {
        Some("--transcript is not available with --kube yet")
    } else {
        None
    }
}

pub async fn exec(global: &Global, args: ExecArgs) -> Result<i32, CmdError> {
    let signals = Signals::install()?;
    if let Some(why) = refused(&args) {
        return Err(CmdError::Usage(format!("not with --kube: {why}")));
    }
    if args.container.trim().is_empty() {
        return Err(CmdError::Usage("pod name must not be empty".into()));
    }
    if global.all_namespaces {
        return Err(CmdError::Usage("exec takes one namespace, not -A".into()));
    }
    let cluster = cluster(global).await?;
    let pod = args.container.trim().to_owned();
    let container = kube::pods::check_running(
        cluster.client.clone(),
        &cluster.namespace,
        &pod,
        args.kube_container.as_deref(),
    )
    .await?;
    let key = ExecKey {
        namespace: Namespace::from(cluster.namespace.as_str()),
        container: ContainerId::from(format!("{pod}/{container}").as_str()),
        exec: new_exec_id(),
    };
    let plan = StartPlan {
        key: key.clone(),
        args: args.command.clone(),
        env: Vec::new(),
        cwd: String::new(),
        user: None,
        tty: args.tty,
        stdin: args.interactive,
        console: args
            .tty
            .then(|| rawtty::size().unwrap_or(ConsoleSize { rows: 24, cols: 80 })),
        privileged: false,
    };
    tracing::info!(exec = %key, command = ?plan.args, tty = plan.tty, context = %cluster.context, "kube exec_start");
    let backend = Backend::Kube(cluster);
    let (exec, io) = match backend.launch(&plan).await {
        Ok(l) => l,
        Err(LaunchError::Kube(e)) => return Err(e.into()),
        Err(LaunchError::Create(e) | LaunchError::Start(e)) => return Err(e.into()),
    };
    let raw = if args.tty && args.interactive {
        rawtty::RawMode::enable()?
    } else {
        None
    };
    let session = Session::new(exec, io.stdin);
    let readers = copiers(io.stdout, io.stderr, None);
    // No detach: a Kubernetes exec cannot be taken up again.
    let mut reader = session
        .stdin()
        .filter(|_| args.interactive)
        .map(|to| read_stdin(to, None));
    let ended = run_forwarded(session, reader.as_mut(), signals, args.tty, readers).await;
    drop(raw);
    let exited = matches!(ended.outcome, Outcome::Exited(_));
    let exit = match ended.outcome {
        Outcome::Exited(r) | Outcome::Killed(r) => r?,
        Outcome::Detached => return Ok(0),
    };
    tracing::info!(exec = %key, code = exit.code, "kube exec_die");
    let code = i32::try_from(exit.code).unwrap_or(255);
    Ok(match &reader {
        Some(r) if exited => input_verdict(&ended.input, r, code).await,
        _ => code,
    })
}

pub async fn ps(global: &Global, json: bool) -> Result<i32, CmdError> {
    let cluster = cluster(global).await?;
    let scope = (!global.all_namespaces).then_some(cluster.namespace.as_str());
    let rows = kube::pods::list(cluster.client.clone(), scope).await?;
    let mut out = std::io::stdout().lock();
    if !json {
        writeln!(
            out,
            "{:<12} {:<24} {:<12} {:<12} {:<9} {:<16} {:>8}  IMAGE",
            "NAMESPACE", "POD", "CONTAINER", "NODE", "PHASE", "STATE", "RESTARTS"
        )?;
    }
    for r in &rows {
        if json {
            let line = super::clean::json(r).map_err(|e| CmdError::Usage(e.to_string()))?;
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                out,
                "{:<12} {:<24} {:<12} {:<12} {:<9} {:<16} {:>8}  {}",
                clean(&r.namespace),
                clean(&r.pod),
                clean(&r.container),
                clean(&r.node),
                clean(&r.phase),
                clean(&r.state),
                r.restarts,
                clean(&r.image)
            )?;
        }
    }
    if rows.is_empty() && !json {
        eprintln!("execmux: no pods in {}", scope.unwrap_or("any namespace"));
    }
    Ok(0)
}
