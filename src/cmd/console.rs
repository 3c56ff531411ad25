//! The console: connects (failing before the screen is taken, with a clear message), reaps
//! orphans, then runs the event loop with the effects runner, the event feed and the GC
//! ticker; the terminal is given back on every way out.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::app::App;
use crate::app::msg::Msg;
use crate::cli::Global;
use crate::config::{self, Config};
use crate::effects::Runner;
use crate::event_loop;
use crate::monitor::Scope;
use crate::runtime::Runtime;
use crate::runtime::events::FeedItem;

use super::CmdError;

pub fn load_config() -> Result<Config, CmdError> {
    match config::default_path() {
        Some(p) => Config::load(&p).map_err(|e| CmdError::Usage(e.to_string())),
        None => Ok(Config::default()),
    }
}

pub async fn run(global: &Global) -> Result<i32, CmdError> {
    let cfg = load_config()?;
    let rt = super::connect(global).await?;
    let scope = super::scope(global)?;
    run_on(rt, scope, &cfg, super::runtime_dir(global)).await
}

/// The GC sweep's timer: first after one interval; after a suspend (or a stall longer than
/// an interval), one sweep, not one per interval missed.
fn gc_ticker(every: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval_at(super::after(every), every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Runs the console on a connected runtime.
pub async fn run_on(
    rt: Runtime,
    scope: Scope,
    cfg: &Config,
    fifo_base: std::path::PathBuf,
) -> Result<i32, CmdError> {
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
    // containerd's events go to the event loop on a channel of their own, which it drains
    // once a frame while they stream.
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    // Orphans of an execmux that died are reaped in the background and shown as events.
    {
        let (rt, base, scope, ctl) = (rt.clone(), fifo_base.clone(), scope.clone(), ctl_tx.clone());
        tokio::spawn(async move {
            let msg = match crate::reaper::reap(&rt, &base, &scope).await {
                Ok(r) => Msg::Reaped(r.iter().map(ToString::to_string).collect()),
                Err(e) => Msg::Error(format!("reaping orphans: {e}")),
            };
            let _ = ctl.send(msg);
        });
    }
    // containerd's events, all namespaces (the app shows those in scope).
    {
        let (feed_tx, mut feed_rx) = mpsc::channel::<FeedItem>(256);
        tokio::spawn(rt.clone().follow_events(None, feed_tx));
        let ctl = events_tx;
        let rt = rt.clone();
        tokio::spawn(async move {
            while let Some(item) = feed_rx.recv().await {
                // What an exec another client started is (command, start, tty, origin) is
                // read here, off the app.
                let described = match &item {
                    FeedItem::Event { event, .. } => {
                        crate::monitor::started_facts(&rt, event).await
                    }
                    _ => None,
                };
                if ctl.send(Msg::Feed(item)).is_err() {
                    return;
                }
                if let Some((key, facts)) = described {
                    let _ = ctl.send(Msg::Described { key, facts });
                }
            }
        });
    }
    let address = rt.address().display().to_string();
    let runner = Runner::new(rt, fifo_base, ctl_tx.clone());
    console(cfg, address, scope, runner, (ctl_tx, ctl_rx), events_rx).await
}

/// Runs the console on a cluster: its pods from a watch, its execs over `pods/exec`.
pub async fn run_kube(global: &Global) -> Result<i32, CmdError> {
    let cfg = load_config()?;
    let cluster = super::kube::cluster(global).await?;
    let scope = if global.all_namespaces {
        Scope::All
    } else {
        Scope::One(cluster.namespace.clone().into())
    };
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let address = format!("kubernetes context {}", cluster.context);
    let runner = Runner::kube(cluster, events_tx, ctl_tx.clone());
    console(&cfg, address, scope, runner, (ctl_tx, ctl_rx), events_rx).await
}

type Control = (mpsc::UnboundedSender<Msg>, mpsc::UnboundedReceiver<Msg>);

/// The console on a runner: its timers, its signals, the terminal, the event loop.
async fn console(
    cfg: &Config,
    address: String,
    scope: Scope,
    mut runner: Runner,
    (ctl_tx, ctl_rx): Control,
    events_rx: mpsc::UnboundedReceiver<Msg>,
) -> Result<i32, CmdError> {
    // The GC sweep, one tick per interval.
    {
        let every = Duration::from_secs(cfg.gc_interval_secs);
        let ctl = ctl_tx.clone();
        tokio::spawn(async move {
            let mut tick = gc_ticker(every);
            loop {
                tick.tick().await;
                if ctl.send(Msg::GcTick).is_err() {
                    return;
                }
            }
        });
    }
    // A second's tick: the exec list's times move on (drawn only while they are shown).
    {
        let ctl = ctl_tx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if ctl.send(Msg::Tick).is_err() {
                    return;
                }
            }
        });
    }
    // SIGTERM and SIGHUP close every tab (killing its exec) before leaving.
    {
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let ctl = ctl_tx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
                if ctl.send(Msg::Terminate).is_err() {
                    return;
                }
            }
        });
    }
    let mut term = crate::tui::enter()?;
    let size = term.size().map_or((80, 24), |s| (s.width, s.height));
    let mut app = App::new(cfg, address, scope, size);
    app.cluster = runner.is_cluster();
    app.theme.no_color = crate::theme::no_color(std::env::var_os("NO_COLOR").as_deref());
    drop(ctl_tx);
    for e in app.update(Msg::Resize(size.0, size.1)) {
        runner.run(e);
    }
    if let Some(initial) = app.resync() {
        runner.run(initial);
    }
    runner.run(crate::app::msg::Effect::ListNamespaces);
    let result = event_loop::run(&mut term, app, runner, ctl_rx, events_rx).await;
    crate::tui::leave();
    result?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn a_suspend_costs_one_gc_sweep_not_one_per_missed_interval() {
        let every = Duration::from_millis(200);
        let mut tick = super::gc_ticker(every);
        // The process is stopped (a suspend) for three and a half intervals.
        std::thread::sleep(every * 7 / 2);
        tick.tick().await;
        let again = tokio::time::timeout(every / 4, tick.tick()).await;
        assert!(again.is_err(), "a second sweep ran right after the first");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_interval_past_the_clocks_end_never_ticks_and_never_panics() {
        let mut tick = super::gc_ticker(Duration::MAX);
        let first = tokio::time::timeout(Duration::from_millis(50), tick.tick()).await;
        assert!(first.is_err(), "ticked at once");
    }
}
