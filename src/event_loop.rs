//! Owns the app and the channels: waits for input, runtime messages or exec output, applies
//! everything queued, then draws once. Draws at once after an idle spell, at most ~60 times a
//! second under a flood; a background tab's output costs no frame; no timer runs while
//! nothing happens (but the GC sweep's).

use std::time::Duration;

use crossterm::event::Event;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{StreamExt, StreamMap};

use crate::app::App;
use crate::app::msg::{Msg, TabId};
use crate::effects::Runner;
use crate::tui::Term;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// Output bytes parsed before input is looked at again (about a millisecond of emulation).
const OUTPUT_BUDGET: usize = 64 * 1024;
/// The part of it that tabs out of sight may take.
const HIDDEN_BUDGET: usize = 16 * 1024;

/// Reads the terminal on a thread of its own with crossterm's blocking `read`, and hands
/// each event over a channel (the channel closes when the terminal fails or goes away).
/// The thread is never joined: the process exits past a read that never returns.
fn read_input() -> mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            if tx.send(ev).is_err() {
                return;
            }
        }
    });
    rx
}

fn input_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Paste(p) => Some(Msg::Paste(p)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// Whether a message changes what is on screen.
fn visible(app: &App, msg: &Msg) -> bool {
    match msg {
        Msg::Output { tab, .. } => app.active_tab().is_some_and(|t| t.id == *tab),
        _ => true,
    }
}

/// Runs until the app asks to exit.
pub async fn run(
    term: &mut Term,
    mut app: App,
    mut runner: Runner,
    mut ctl: mpsc::UnboundedReceiver<Msg>,
) -> std::io::Result<()> {
    // One queue per tab, polled in turn, so one flooding exec cannot starve the others.
    let mut outputs: StreamMap<TabId, ReceiverStream<Vec<u8>>> = StreamMap::new();
    let mut input = read_input();
    let mut terminal_gone = false;
    let mut dirty = true;
    let mut last_draw = Instant::now()
        .checked_sub(FRAME)
        .unwrap_or_else(Instant::now);
    let apply = |app: &mut App,
                 runner: &mut Runner,
                 outputs: &mut StreamMap<TabId, ReceiverStream<Vec<u8>>>,
                 msg: Msg,
                 dirty: &mut bool|
     -> bool {
        *dirty |= visible(app, &msg);
        let go_on = app.update(msg).into_iter().all(|e| runner.run(e));
        for (tab, q) in runner.take_outputs() {
            outputs.insert(tab, ReceiverStream::new(q));
        }
        go_on
    };
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            term.draw(|f| crate::ui::render(&app, f))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let deadline = last_draw + FRAME;
        let msg = tokio::select! {
            biased;
            ev = input.recv(), if !terminal_gone => if let Some(ev) = ev {
                input_msg(ev)
            } else {
                // The terminal is gone (hung up, closed): close every tab, then leave.
                terminal_gone = true;
                Some(Msg::Terminate)
            },
            m = ctl.recv() => m,
            Some((tab, bytes)) = outputs.next(), if !outputs.is_empty() => Some(Msg::Output { tab, bytes }),
            () = tokio::time::sleep_until(deadline), if dirty => None,
        };
        if let Some(msg) = msg {
            if !apply(&mut app, &mut runner, &mut outputs, msg, &mut dirty) {
                return Ok(());
            }
        }
        // Apply what else is queued: every key typed meanwhile first, then control messages,
        // then a bounded batch of output.
        while let Ok(ev) = input.try_recv() {
            let Some(msg) = input_msg(ev) else { continue };
            if !apply(&mut app, &mut runner, &mut outputs, msg, &mut dirty) {
                return Ok(());
            }
        }
        while let Ok(msg) = ctl.try_recv() {
            if !apply(&mut app, &mut runner, &mut outputs, msg, &mut dirty) {
                return Ok(());
            }
        }
        // Then output, round-robin: one chunk per tab per round, so a flooding tab takes its
        // turn like the others and a keystroke's echo in another tab is never queued behind it.
        // Tabs out of sight get a smaller share; their execs wait for it, as in tmux.
        let mut budget = OUTPUT_BUDGET;
        let mut hidden_budget = HIDDEN_BUDGET;
        while budget > 0 {
            let active = app.active_tab().map(|t| t.id);
            let round: Vec<(TabId, Vec<u8>)> = outputs
                .iter_mut()
                .filter(|(tab, _)| Some(*tab) == active || hidden_budget > 0)
                .filter_map(|(tab, q)| q.as_mut().try_recv().ok().map(|b| (*tab, b)))
                .collect();
            if round.is_empty() {
                break;
            }
            for (tab, bytes) in round {
                budget = budget.saturating_sub(bytes.len());
                if Some(tab) != active {
                    hidden_budget = hidden_budget.saturating_sub(bytes.len());
                }
                if !apply(
                    &mut app,
                    &mut runner,
                    &mut outputs,
                    Msg::Output { tab, bytes },
                    &mut dirty,
                ) {
                    return Ok(());
                }
            }
        }
    }
}
