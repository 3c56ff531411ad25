//! The host terminal for the console: raw mode, alternate screen, mouse, bracketed paste
//! and focus reports on entry; all of it undone on leave, on panic (through the hook `main` installs)
//! and on every exit path.

use std::io::{BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::SetCursorStyle;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::session::modes::CursorShape;

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
        EnableFocusChange
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

/// Draws one frame inside synchronized-update brackets (mode 2026), so the host terminal
/// shows it whole; terminals without the mode ignore the brackets. `shape`, when given,
/// is the cursor shape to set with it.
pub fn draw(
    term: &mut Term,
    shape: Option<CursorShape>,
    f: impl FnOnce(&mut ratatui::Frame),
) -> std::io::Result<()> {
    crossterm::queue!(
        term.backend_mut(),
        crossterm::terminal::BeginSynchronizedUpdate
    )?;
    if let Some(shape) = shape {
        crossterm::queue!(term.backend_mut(), cursor_style(shape))?;
    }
    term.draw(f)?;
    crossterm::execute!(
        term.backend_mut(),
        crossterm::terminal::EndSynchronizedUpdate
    )
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
