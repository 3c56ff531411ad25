//! Owns the app and the channels: waits for input or runtime messages (a tab's task says
//! "changed", with what changed, once its terminal has parsed new output), applies
//! everything queued, then draws once. A change is drawn at once after a quiet spell;
//! while output keeps coming, frames are at most ~60 a second, and while containerd's
//! events keep coming at most 10 (they wait in their channel until that frame); a key that
//! only goes to an exec costs no frame; nothing runs while nothing happens (but the GC
//! sweep's timer, and a second's tick drawn only while the exec list shows times). A
//! terminal that fails or goes away closes every tab as `q` does, then the loop ends.

use std::io::Write as _;
use std::time::Duration;

use crossterm::event::Event;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::msg::{Effect, Msg, TabId};
use crate::app::{App, Mode};
use crate::effects::Runner;
use crate::tui::Term;

/// Shortest time between two frames drawn for output.
const FRAME: Duration = Duration::from_millis(16);
/// Output up to this many bytes since the last look is drawn at once (an echo, a prompt).
const SMALL_CHANGE: u64 = 512;
/// Shortest time between two frames drawn for containerd's events and lists: a stream of
/// execs (probes, ~30 a second on a busy node) costs ten frames a second, not sixty.
const EVENT_FRAME: Duration = Duration::from_millis(100);

/// What the terminal threads hand over.
enum Input {
    Event(Event),
    /// The terminal hung up or failed.
    Gone,
}

/// Reads the terminal on a thread of its own with crossterm's blocking `read`, and hands
/// each event over a channel. A second thread waits for the hang-up itself (poll with no
/// events asked returns only on POLLHUP/POLLERR), because crossterm's read retries a
/// hung-up terminal forever; the reader then stops within one `HANGUP_CHECK`. The threads
/// are never joined: the process exits past them.
///
/// crossterm reads through `/dev/tty` with a level-triggered `poll` (its `use-dev-tty`
/// feature): its default source polls edge-triggered and leaves what one read of 1 KiB did
/// not take in the terminal until the next key, so a burst of typing or a paste stalled.
fn read_input() -> mpsc::UnboundedReceiver<Input> {
    let (tx, rx) = mpsc::unbounded_channel();
    let hangup = tx.clone();
    let hung_up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = hung_up.clone();
    std::thread::spawn(move || {
        while !seen.load(std::sync::atomic::Ordering::Relaxed) {
            match crossterm::event::poll(HANGUP_CHECK) {
                Ok(false) => {}
                Ok(true) => match crossterm::event::read() {
                    Ok(ev) => {
                        if tx.send(Input::Event(ev)).is_err() {
                            return;
                        }
                    }
                    Err(_) => break,
                },
                Err(_) => break,
            }
        }
        let _ = tx.send(Input::Gone);
    });
    std::thread::spawn(move || {
        wait_for_hangup();
        hung_up.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = hangup.send(Input::Gone);
    });
    rx
}

/// How often the reader looks whether the terminal hung up (a hung-up terminal keeps
/// crossterm's poll busy until then).
const HANGUP_CHECK: std::time::Duration = std::time::Duration::from_millis(200);

/// Blocks until stdin (the terminal) hangs up or fails.
fn wait_for_hangup() {
    use std::os::fd::AsFd;
    let stdin = std::io::stdin();
    loop {
        let mut fds = [nix::poll::PollFd::new(
            stdin.as_fd(),
            nix::poll::PollFlags::empty(),
        )];
        match nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return,
            Ok(_) => {
                let got = fds[0].revents().unwrap_or(nix::poll::PollFlags::POLLHUP);
                if got.intersects(
                    nix::poll::PollFlags::POLLHUP
                        | nix::poll::PollFlags::POLLERR
                        | nix::poll::PollFlags::POLLNVAL,
                ) {
                    return;
                }
            }
        }
    }
}

fn input_msg(ev: Event) -> Msg {
    match ev {
        Event::Key(k) => Msg::Key(k),
        Event::Mouse(m) => Msg::Mouse(m),
        Event::Paste(p) => Msg::Paste(p),
        Event::Resize(w, h) => Msg::Resize(w, h),
        Event::FocusGained => Msg::Focus(true),
        Event::FocusLost => Msg::Focus(false),
    }
}

/// What is waiting to be drawn.
#[allow(clippy::struct_excessive_bools)] // independent reasons to draw, not a state machine
#[derive(Default)]
struct Dirty {
    /// Changed by the user: drawn at once.
    input: bool,
    /// Changed by a tab's output or its exec: drawn at once after a quiet spell, else
    /// throttled to `FRAME`.
    output: bool,
    /// Changed by containerd's events or lists: drawn at once after a quiet spell, else
    /// throttled to `EVENT_FRAME`.
    backend: bool,
    /// Something besides tab screens changed: a whole frame, not a partial one.
    whole: bool,
    /// Tabs whose screen alone changed (their output), for a partial frame.
    screens: Vec<TabId>,
}

/// What a tab's output may change around its screen: the tab bar's bell and title, the
/// scrolled-back view.
fn chrome(app: &App, tab: TabId) -> Option<(bool, Option<String>, usize)> {
    let t = app.tabs.get(app.tab_index(tab)?)?;
    Some((t.bell, t.program_title.clone(), t.scroll))
}

/// Messages from containerd's side (events, lists, the GC), not from a tab or the user.
fn from_backend(msg: &Msg) -> bool {
    matches!(
        msg,
        Msg::Feed(_)
            | Msg::Described { .. }
            | Msg::Snapshot(_)
            | Msg::ResyncFailed { .. }
            | Msg::Namespaces(_)
            | Msg::Reaped(_)
            | Msg::GcTick
    )
}

/// The view-relevant part of the app that a key typed into an exec may change.
fn typing_stamp(app: &App) -> Option<(usize, usize)> {
    matches!(app.mode, Mode::Terminal | Mode::Broadcast)
        .then(|| (app.active, app.active_tab().map_or(0, |t| t.scroll)))
}

struct Loop {
    app: App,
    runner: Runner,
    dirty: Dirty,
    /// The exec list's times as of the last tick (a tick that changes none draws nothing).
    clock: u64,
    /// Bytes for the host terminal itself (a clipboard write), written before the next frame.
    host: Vec<u8>,
    /// The window size the app was last told (None: not since the loop began).
    size: Option<(u16, u16)>,
}

impl Loop {
    fn clock_moved(&mut self) -> bool {
        let now = self.app.clock_stamp();
        std::mem::replace(&mut self.clock, now) != now
    }

    /// Applies one message; false when the app asked to exit.
    fn apply(&mut self, msg: Msg, from_user: bool) -> bool {
        if let Msg::Resize(w, h) = msg {
            if self.size == Some((w, h)) {
                return true;
            }
            self.size = Some((w, h));
        }
        let shown = match &msg {
            Msg::Changed { tab, .. } => self.app.shows(*tab),
            Msg::Tick => false,
            _ => true,
        };
        let tick = matches!(msg, Msg::Tick);
        let backend = from_backend(&msg);
        // A small change (an echo, a prompt) is drawn as soon as it comes, like a key's own
        // effect; only a stream of output is held to the frame rate.
        let small = match &msg {
            Msg::Changed { change, .. } => change.parsed <= SMALL_CHANGE,
            _ => false,
        };
        let before = typing_stamp(&self.app);
        let typed = matches!(msg, Msg::Key(_) | Msg::Paste(_) | Msg::Focus(_));
        let output_of = match &msg {
            Msg::Changed { tab, .. } => Some((*tab, chrome(&self.app, *tab))),
            _ => None,
        };
        let status = tick && self.app.status.is_some();
        let effects = self.app.update(msg);
        // A tick draws when the times shown moved on or the status message expired.
        let expired = status && self.app.status.is_none();
        let shown = shown || expired || tick && self.app.shows_clock() && self.clock_moved();
        // A key that went to the exec and changed nothing here draws nothing: its echo will.
        let passthrough = typed
            && before.is_some()
            && before == typing_stamp(&self.app)
            && !effects.is_empty()
            && effects.iter().all(|e| matches!(e, Effect::Input { .. }));
        if shown && !passthrough {
            if from_user || small {
                self.dirty.input = true;
            } else if backend {
                self.dirty.backend = true;
            } else {
                self.dirty.output = true;
            }
            match output_of {
                Some((tab, before)) if before.is_some() && before == chrome(&self.app, tab) => {
                    if !self.dirty.screens.contains(&tab) {
                        self.dirty.screens.push(tab);
                    }
                }
                _ => self.dirty.whole = true,
            }
        }
        effects.into_iter().all(|e| match e {
            Effect::Clipboard(text) => {
                self.host.extend(crate::app::copy::osc52(&text));
                true
            }
            e => self.runner.run(e),
        })
    }
}

impl Loop {
    /// When the next frame is due: at once for the user, else after the last frame of its
    /// kind (`FRAME` for output, `EVENT_FRAME` for events); None when nothing changed.
    fn due(
        &self,
        now: Instant,
        last_output: Option<Instant>,
        last_event: Option<Instant>,
    ) -> Option<Instant> {
        let after = |last: Option<Instant>, gap| last.map_or(now, |t: Instant| (t + gap).max(now));
        if self.dirty.input {
            return Some(now);
        }
        let output = self.dirty.output.then(|| after(last_output, FRAME));
        let events = self.dirty.backend.then(|| after(last_event, EVENT_FRAME));
        output.into_iter().chain(events).min()
    }

    /// Applies every message queued on `rx`; false when the app asked to exit.
    fn apply_all(&mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) -> bool {
        while let Ok(msg) = rx.try_recv() {
            if !self.apply(msg, false) {
                return false;
            }
        }
        true
    }

    /// One frame: only the rows that changed when only tab screens drawn uncovered did,
    /// else the whole screen.
    fn draw(
        &self,
        term: &mut Term,
        shape: Option<crate::session::modes::CursorShape>,
        screen: &mut crate::tui::Screen,
    ) -> std::io::Result<()> {
        let partial = if self.dirty.whole {
            None
        } else {
            crate::ui::partial::cells(&self.app, &screen.drawn, &self.dirty.screens)
        };
        match partial {
            Some(frame) => crate::tui::draw_cells(term, shape, screen, frame),
            None => crate::tui::draw(term, shape, screen, |f| {
                crate::ui::render_frame(&self.app, f)
            }),
        }
    }
}

/// Runs until the app asks to exit. `feed` carries containerd's events (and what was read
/// about them): while a frame for earlier ones is pending, they wait in the channel and are
/// applied together just before it, so a stream of events wakes the loop once a frame.
pub async fn run(
    term: &mut Term,
    app: App,
    runner: Runner,
    mut ctl: mpsc::UnboundedReceiver<Msg>,
    mut feed: mpsc::UnboundedReceiver<Msg>,
) -> std::io::Result<()> {
    let mut input = read_input();
    let mut terminal_gone = false;
    let mut lp = Loop {
        app,
        runner,
        dirty: Dirty {
            input: true,
            whole: true,
            ..Dirty::default()
        },
        clock: 0,
        host: Vec::new(),
        size: None,
    };
    let mut winch = window_changes();
    let mut last_output_frame: Option<Instant> = None;
    let mut last_event_frame: Option<Instant> = None;
    let mut shape_set = None;
    let mut screen = crate::tui::Screen::default();
    loop {
        if !lp.host.is_empty() && !terminal_gone {
            let bytes = std::mem::take(&mut lp.host);
            let out = term.backend_mut();
            if let Err(e) = out.write_all(&bytes).and_then(|()| out.flush()) {
                tracing::warn!(error = %e, "writing to the terminal failed");
            }
        }
        let now = Instant::now();
        let due = lp.due(now, last_output_frame, last_event_frame);
        if due.is_some_and(|d| d <= now) && !terminal_gone {
            // Events held back while this frame was pending are drawn with it.
            if !lp.apply_all(&mut feed) {
                return Ok(());
            }
            // The program's cursor shape, written when it changes (a hidden cursor keeps
            // the last one).
            let shape = lp.app.cursor_shape().filter(|s| Some(*s) != shape_set);
            shape_set = shape.or(shape_set);
            if let Err(e) = lp.draw(term, shape, &mut screen) {
                // The terminal is gone (hung up, closed): close every tab, then leave.
                tracing::warn!(error = %e, "drawing failed; closing every tab");
                terminal_gone = true;
                if !lp.apply(Msg::Terminate, false) {
                    return Ok(());
                }
            }
            if lp.dirty.output {
                last_output_frame = Some(now);
            }
            if lp.dirty.backend {
                last_event_frame = Some(now);
            }
            lp.dirty = Dirty::default();
        }
        let deadline = due.filter(|_| !terminal_gone);
        let (msg, from_user) = tokio::select! {
            biased;
            ev = input.recv(), if !terminal_gone => if let Some(Input::Event(ev)) = ev {
                (Some(input_msg(ev)), true)
            } else {
                tracing::warn!("terminal input ended; closing every tab");
                terminal_gone = true;
                (Some(Msg::Terminate), false)
            },
            Some(()) = next_change(&mut winch), if !terminal_gone => (lp.window_resized(), true),
            m = ctl.recv() => (m, false),
            Some(m) = feed.recv(), if !lp.dirty.backend || terminal_gone => (Some(m), false),
            () = sleep_until_opt(deadline) => (None, false),
        };
        if let Some(msg) = msg
            && !lp.apply(msg, from_user)
        {
            return Ok(());
        }
        // Apply what else is queued: every key typed meanwhile first, then the rest.
        while !terminal_gone {
            let Ok(ev) = input.try_recv() else { break };
            let Input::Event(ev) = ev else {
                terminal_gone = true;
                if !lp.apply(Msg::Terminate, false) {
                    return Ok(());
                }
                break;
            };
            if !lp.apply(input_msg(ev), true) {
                return Ok(());
            }
        }
        if !lp.apply_all(&mut ctl) {
            return Ok(());
        }
    }
}

/// SIGWINCH, heard beside crossterm's reader: that reader handles one ready source per
/// poll, so a SIGWINCH that comes in the same instant as input is dropped with no
/// `Event::Resize` until the next one (the console would stay at its old size).
fn window_changes() -> Option<tokio::signal::unix::Signal> {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGWINCH; resizes rely on the reader");
            None
        }
    }
}

async fn next_change(winch: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match winch {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

impl Loop {
    /// The window's size now, when the app was told another (or nothing yet).
    fn window_resized(&self) -> Option<Msg> {
        let (w, h) = crossterm::terminal::size().ok()?;
        (self.size != Some((w, h))).then_some(Msg::Resize(w, h))
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
