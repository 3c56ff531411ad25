//! `execmux ps`: containers with task state, pid and exec counts; names, labels and images
//! shown with their control characters escaped.

use std::io::Write;

use crate::cli::Global;
use crate::monitor;
use crate::registry::Registry;

use super::CmdError;
use super::clean::text as clean;

#[derive(serde::Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    container: &'a crate::domain::ContainerInfo,
    execs: usize,
}

pub async fn run(global: &Global, json: bool) -> Result<i32, CmdError> {
    let rt = super::connect(global).await?;
    let scope = super::scope(global)?;
    let mut registry = Registry::new(0);
    let containers = monitor::resync(&rt, &scope, &mut registry).await?;
    let mut out = std::io::stdout().lock();
    if !json {
        writeln!(
            out,
            "{:<12} {:<24} {:<9} {:>7} {:>5}  IMAGE",
            "NAMESPACE", "CONTAINER", "TASK", "PID", "EXECS"
        )?;
    }
    for c in &containers {
        let execs = registry.live_execs(&c.key()).count();
        if json {
            let line = super::clean::json(&Row {
                container: c,
                execs,
            })
            .map_err(|e| CmdError::Usage(e.to_string()))?;
            writeln!(out, "{line}")?;
        } else {
            let (state, pid) = c.task.map_or(("-".to_owned(), "-".to_owned()), |t| {
                (t.state.to_string(), t.pid.to_string())
            });
            let name = match c.display_name() {
                Some(n) if n != c.id.as_str() => format!("{} ({n})", c.id),
                _ => c.id.to_string(),
            };
            writeln!(
                out,
                "{:<12} {:<24} {:<9} {:>7} {:>5}  {}",
                clean(c.namespace.as_str()),
                clean(&name),
                state,
                pid,
                execs,
                clean(&c.image)
            )?;
        }
    }
    Ok(0)
}
