//! Owns the app and the channels: waits for input, runtime messages or exec output, applies
//! everything queued, then draws once. Draws at once after an idle spell, at most ~60 times a
//! second under a flood; a background tab's output costs no frame; no timer runs while
//! nothing happens (but the GC sweep's).

use std::time::Duration;

use crossterm::event::{Event, EventStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::StreamExt;

use crate::app::App;
use crate::app::msg::Msg;
use crate::effects::Runner;
use crate::tui::Term;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// Output chunks applied before input is looked at again.
const OUTPUT_BUDGET: usize = 64;

pub struct Channels {
    pub ctl: mpsc::UnboundedReceiver<Msg>,
    pub out: mpsc::Receiver<Msg>,
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
    mut ch: Channels,
) -> std::io::Result<()> {
    let mut input = EventStream::new();
    let mut dirty = true;
    let mut last_draw = Instant::now()
        .checked_sub(FRAME)
        .unwrap_or_else(Instant::now);
    let apply = |app: &mut App, runner: &mut Runner, msg: Msg, dirty: &mut bool| -> bool {
        *dirty |= visible(app, &msg);
        app.update(msg).into_iter().all(|e| runner.run(e))
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
            ev = input.next() => match ev {
                Some(Ok(ev)) => input_msg(ev),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            m = ch.ctl.recv() => m,
            m = ch.out.recv() => m,
            () = tokio::time::sleep_until(deadline), if dirty => None,
        };
        if let Some(msg) = msg {
            if !apply(&mut app, &mut runner, msg, &mut dirty) {
                return Ok(());
            }
        }
        // Apply what else is queued: control first, then a bounded batch of output.
        while let Ok(msg) = ch.ctl.try_recv() {
            if !apply(&mut app, &mut runner, msg, &mut dirty) {
                return Ok(());
            }
        }
        for _ in 0..OUTPUT_BUDGET {
            let Ok(msg) = ch.out.try_recv() else { break };
            if !apply(&mut app, &mut runner, msg, &mut dirty) {
                return Ok(());
            }
        }
    }
}
