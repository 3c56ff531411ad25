//! The host terminal for the console: raw mode, alternate screen, mouse, bracketed paste,
//! focus reports and the kitty keyboard protocol's first level on entry; all of it undone on
//! leave, on panic (through the hook `main` installs) and on every exit path.

use std::collections::BTreeMap;
use std::io::{BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::SetCursorStyle;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, KeyboardEnhancementFlags, PopKeyboardEnhancementFlags,
    PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use unicode_width::UnicodeWidthStr as _;

use crate::session::modes::CursorShape;
use crate::ui::Drawn;
use crate::ui::partial::Partial;

pub type Term = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Frames are written through one buffer this large, so a frame leaves in few writes.
const FRAME_BUFFER: usize = 64 * 1024;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Takes over the terminal.
pub fn enter() -> std::io::Result<Term> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = std::io::stdout();
    if let Err(e) = execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        EnableFocusChange,
        // Terminals with the kitty keyboard protocol then report keypad keys apart from
        // the main keyboard's (for programs in application keypad mode) and Esc, Ctrl and
        // Alt combinations without ambiguity; the others ignore the request. Pushed on the
        // alternate screen, whose key mode stack is its own: leaving it restores the
        // shell's mode even after a kill.
        PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
    ) {
        leave();
        return Err(e);
    }
    let out = BufWriter::with_capacity(FRAME_BUFFER, std::io::stdout());
    let term = Terminal::new(CrosstermBackend::new(out));
    if term.is_err() {
        leave();
    }
    term
}

/// Gives the terminal back as it was (idempotent; safe from a panic hook).
pub fn leave() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = std::io::stdout();
        let _ = execute!(
            out,
            PopKeyboardEnhancementFlags,
            DisableFocusChange,
            DisableBracketedPaste,
            DisableMouseCapture,
            LeaveAlternateScreen,
            SetCursorStyle::DefaultUserShape,
            crossterm::cursor::Show
        );
        let _ = out.flush();
        let _ = disable_raw_mode();
    }
}

/// What the host terminal shows beyond ratatui's own record: the last whole frame's
/// [`Drawn`], and the rows partial frames wrote since (ratatui's previous buffer does not
/// know them, so the next whole frame writes them again).
#[derive(Debug, Default)]
pub struct Screen {
    pub drawn: Drawn,
    /// Per row, the columns partial frames wrote: first and one past the last.
    stale: BTreeMap<u16, (u16, u16)>,
}

/// Draws a whole frame inside synchronized-update brackets (mode 2026), so the host
/// terminal shows it whole; terminals without the mode ignore the brackets. `shape`, when
/// given, is the cursor shape to set with it.
pub fn draw(
    term: &mut Term,
    shape: Option<CursorShape>,
    screen: &mut Screen,
    f: impl FnOnce(&mut ratatui::Frame) -> Drawn,
) -> std::io::Result<()> {
    bracketed(term, shape, |term| full(term, screen, f))
}

/// Writes the cells of a partial frame (see [`crate::ui::partial`]) and sets the cursor, in
/// the same brackets.
pub fn draw_cells(
    term: &mut Term,
    shape: Option<CursorShape>,
    screen: &mut Screen,
    frame: Partial,
) -> std::io::Result<()> {
    bracketed(term, shape, |term| partial(term, screen, frame))
}

fn bracketed(
    term: &mut Term,
    shape: Option<CursorShape>,
    draw: impl FnOnce(&mut Term) -> std::io::Result<()>,
) -> std::io::Result<()> {
    crossterm::queue!(
        term.backend_mut(),
        crossterm::terminal::BeginSynchronizedUpdate
    )?;
    if let Some(shape) = shape {
        crossterm::queue!(term.backend_mut(), cursor_style(shape))?;
    }
    draw(term)?;
    crossterm::execute!(
        term.backend_mut(),
        crossterm::terminal::EndSynchronizedUpdate
    )
}

/// A whole frame through ratatui, then the rows partial frames wrote since the last one
/// (ratatui compares with its own previous frame, which has not seen them).
pub fn full<B: Backend>(
    term: &mut Terminal<B>,
    screen: &mut Screen,
    f: impl FnOnce(&mut ratatui::Frame) -> Drawn,
) -> Result<(), B::Error> {
    let mut drawn = Drawn::default();
    let done = term.draw(|frame| drawn = f(frame))?;
    if !screen.stale.is_empty() {
        let buf = done.buffer;
        let area = buf.area;
        let mut cells = Vec::new();
        for (&y, &(x0, x1)) in &screen.stale {
            if y >= area.bottom() {
                continue;
            }
            // The columns a wide character covers are not written (a host would take a
            // blank there as the next column and shift the rest of the row). Partial frames
            // write whole rows of a screen, so a span never starts inside one.
            let mut covered = 0;
            for x in x0..x1.min(area.right()) {
                if covered > 0 {
                    covered -= 1;
                    continue;
                }
                let cell = &buf[(x, y)];
                covered = cell.symbol().width().saturating_sub(1);
                cells.push((x, y, cell.clone()));
            }
        }
        let backend = term.backend_mut();
        backend.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))?;
        if let Some(at) = drawn.cursor {
            backend.set_cursor_position(at)?;
        }
        backend.flush()?;
        screen.stale.clear();
    }
    screen.drawn = drawn;
    Ok(())
}

/// Writes a partial frame's cells and puts the cursor where it says (hidden when None).
pub fn partial<B: Backend>(
    term: &mut Terminal<B>,
    screen: &mut Screen,
    frame: Partial,
) -> Result<(), B::Error> {
    let Partial { cells, drawn } = frame;
    let backend = term.backend_mut();
    backend.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))?;
    match drawn.cursor {
        Some(at) => {
            backend.set_cursor_position(at)?;
            backend.show_cursor()?;
        }
        None => backend.hide_cursor()?,
    }
    backend.flush()?;
    for (x, y, _) in &cells {
        let span = screen.stale.entry(*y).or_insert((*x, *x + 1));
        span.0 = span.0.min(*x);
        span.1 = span.1.max(*x + 1);
    }
    screen.drawn = drawn;
    Ok(())
}

/// The host's cursor style for a program's cursor shape.
fn cursor_style(shape: CursorShape) -> SetCursorStyle {
    match shape {
        CursorShape::SteadyBlock => SetCursorStyle::SteadyBlock,
        CursorShape::BlinkingBlock => SetCursorStyle::BlinkingBlock,
        CursorShape::SteadyUnderline => SetCursorStyle::SteadyUnderScore,
        CursorShape::BlinkingUnderline => SetCursorStyle::BlinkingUnderScore,
        CursorShape::SteadyBar => SetCursorStyle::SteadyBar,
        CursorShape::BlinkingBar => SetCursorStyle::BlinkingBar,
    }
}

#[cfg(test)]
#[path = "tui_tests.rs"]
mod tests;
