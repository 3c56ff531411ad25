//! The subcommands, and what they share: the error type, connecting, the scope.

pub mod attach;
pub mod clean;
pub mod completions;
pub mod console;
pub mod demo;
pub mod drain;
pub mod exec;
pub mod execs;
pub mod guard;
pub mod kube;
pub mod ps;
mod rawtty;
mod tee;

/// Puts the caller's terminal back as it was (for every exit path and the panic hook).
pub fn restore_terminal() {
    crate::tui::leave();
    rawtty::restore();
}

use std::path::PathBuf;

use crate::cli::Global;
use crate::domain::Namespace;
use crate::monitor::Scope;
use crate::registry::RegistryError;
use crate::runtime::{Runtime, RuntimeError};

/// Exit status when execmux itself fails (as `docker run` and `podman exec` use it).
pub const EXIT_EXECMUX: i32 = 125;

/// Installs the panic hook: the terminal is given back, the panic logged and printed,
/// every exec of ours ended (bounded by `END_AFTER_PANIC`), then the process exits 125.
pub fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        tracing::error!(%info, "panic");
        default_hook(info);
        crate::live_execs::end_all(END_AFTER_PANIC);
        std::process::exit(EXIT_EXECMUX);
    }));
}

/// How long a panic waits for the execs of ours to end before the process exits.
pub const END_AFTER_PANIC: std::time::Duration = std::time::Duration::from_secs(10);

/// The instant `d` from now, or tokio's far future when that lies past the clock's range
/// (a user-given interval never overflows into a panic).
pub fn after(d: std::time::Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(std::time::Duration::from_secs(86_400 * 365 * 30)))
        .unwrap_or(now)
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    Usage(String),
    /// The exec ran but how it ended is not known (its exit status was lost).
    #[error(transparent)]
    Exec(#[from] crate::ending::ExitError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Kube(#[from] crate::kube::KubeError),
}

pub async fn connect(global: &Global) -> Result<Runtime, CmdError> {
    Ok(Runtime::connect(&global.address).await?)
}

pub fn namespace(global: &Global) -> Result<Namespace, CmdError> {
    let ns = global.namespace.as_deref().unwrap_or("default").trim();
    if ns.is_empty() {
        return Err(CmdError::Usage("namespace must not be empty".into()));
    }
    Ok(Namespace::from(ns))
}

pub fn scope(global: &Global) -> Result<Scope, CmdError> {
    if global.all_namespaces {
        Ok(Scope::All)
    } else {
        Ok(Scope::One(namespace(global)?))
    }
}

pub fn runtime_dir(global: &Global) -> PathBuf {
    global
        .runtime_dir
        .clone()
        .unwrap_or_else(crate::runtime::stdio::default_base)
}

/// Reaps orphaned execs of ours and says so on stderr.
pub async fn reap_orphans(
    rt: &Runtime,
    global: &Global,
    scope: &Scope,
    opts: crate::reaper::Options,
) {
    match crate::reaper::reap_with(rt, &runtime_dir(global), scope, opts).await {
        Ok(reaped) => {
            for r in reaped {
                tracing::info!(%r, "orphan");
                eprintln!("execmux: {}", clean::text(&r.to_string()));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "orphan reaping failed");
            eprintln!(
                "execmux: could not reap orphaned execs: {}",
                clean::text(&e.to_string())
            );
        }
    }
}
