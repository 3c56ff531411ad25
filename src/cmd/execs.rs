//! `execmux execs`: execs, live or collected, own and foreign; `--watch` streams each
//! lifecycle change from containerd's events and the registry's GC sweeps. Ids and command
//! lines are shown with their control characters escaped.

use std::io::Write;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use crate::cli::Global;
use crate::domain::format_time;
use crate::monitor::{self, Scope};
use crate::registry::{ExecRecord, Lifecycle, Registry};
use crate::runtime::Runtime;
use crate::runtime::events::FeedItem;

use super::CmdError;
use super::clean::text as clean;

/// How many collected execs `--watch` keeps.
const HISTORY: usize = 1000;

fn print_table(out: &mut impl Write, rows: &[&ExecRecord]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<12} {:<20} {:<26} {:<8} {:<15} {:>7} {:>4}  {:<20}  COMMAND",
        "NAMESPACE", "CONTAINER", "EXEC", "ORIGIN", "STATE", "PID", "EXIT", "STARTED"
    )?;
    for r in rows {
        let origin = r.origin.label();
        writeln!(
            out,
            "{:<12} {:<20} {:<26} {:<8} {:<15} {:>7} {:>4}  {:<20}  {}",
            clean(r.key.namespace.as_str()),
            clean(r.key.container.as_str()),
            clean(r.key.exec.as_str()),
            origin,
            r.state.to_string(),
            if r.pid == 0 {
                "-".into()
            } else {
                r.pid.to_string()
            },
            r.exit_code.map_or_else(|| "-".into(), |c| c.to_string()),
            r.started_at.map_or_else(|| "-".into(), format_time),
            clean(&r.command_line())
        )?;
    }
    Ok(())
}

fn print_json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<(), CmdError> {
    let line = super::clean::json(value).map_err(|e| CmdError::Usage(e.to_string()))?;
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

fn print_changes(json: bool, log: Vec<Lifecycle>) -> Result<(), CmdError> {
    let mut out = std::io::stdout().lock();
    for l in log {
        if json {
            print_json(&mut out, &l)?;
        } else {
            let at = l.at.map_or_else(|| "-".into(), format_time);
            writeln!(out, "{at} {}", clean(&l.to_string()))?;
        }
    }
    out.flush()?;
    Ok(())
}

pub async fn run(
    global: &Global,
    watch: bool,
    json: bool,
    gc_interval: u64,
    reap: crate::reaper::Options,
) -> Result<i32, CmdError> {
    let rt = super::connect(global).await?;
    let scope = super::scope(global)?;
    super::reap_orphans(&rt, global, &scope, reap).await;
    let mut registry = Registry::new(HISTORY);
    if !watch {
        monitor::resync(&rt, &scope, &mut registry).await?;
        let rows: Vec<&ExecRecord> = registry.execs().chain(registry.history()).collect();
        let mut out = std::io::stdout().lock();
        if json {
            for r in rows {
                print_json(&mut out, r)?;
            }
        } else {
            print_table(&mut out, &rows)?;
        }
        return Ok(0);
    }
    watch_changes(rt, scope, registry, json, Duration::from_secs(gc_interval)).await
}

async fn watch_changes(
    rt: Runtime,
    scope: Scope,
    mut registry: Registry,
    json: bool,
    gc_interval: Duration,
) -> Result<i32, CmdError> {
    let (tx, mut rx) = mpsc::channel(256);
    tokio::spawn(rt.clone().follow_events(scope.namespace().cloned(), tx));
    // Sync now, so the listing starts at once, and again when the subscription stands (a
    // resync is idempotent).
    monitor::resync(&rt, &scope, &mut registry).await?;
    print_changes(json, registry.take_log())?;
    let mut gc = tokio::time::interval_at(super::after(gc_interval), gc_interval);
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            item = rx.recv() => match item {
                None => return Ok(0),
                Some(FeedItem::Subscribed | FeedItem::Changed) => {
                    if let Err(e) = monitor::resync(&rt, &scope, &mut registry).await {
                        eprintln!("execmux: resync failed: {}", clean(&e.to_string()));
                    }
                }
                Some(FeedItem::Event { event, .. }) => {
                    monitor::apply(&mut registry, &event, SystemTime::now());
                    if let Some((key, facts)) = monitor::started_facts(&rt, &event).await {
                        registry.describe_with(&key, &facts);
                    }
                }
                Some(FeedItem::Lost(why)) => {
                    eprintln!("execmux: {}; reconnecting", clean(&why));
                }
            },
            _ = gc.tick() => {
                registry.gc_sweep(SystemTime::now());
            }
            _ = interrupt.recv() => return Ok(0),
            _ = terminate.recv() => return Ok(0),
        }
        print_changes(json, registry.take_log())?;
    }
}
