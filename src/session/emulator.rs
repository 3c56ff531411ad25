//! One exec's terminal emulator: alacritty's terminal with no history of its own; rows that
//! scroll off the top of the main screen go to our compact [`Scrollback`] ring. Replies the
//! terminal owes the program are queued for the caller; nothing the stream says is echoed.

use std::fmt;

use alacritty_terminal::Term;
use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Osc52, TermDamage, TermMode};
use alacritty_terminal::vte::ansi::{self, Processor, Timeout};

use crate::session::bounds::OscCap;
use crate::session::capture;
use crate::session::hooks::{Capture, Hooks};
use crate::session::modes::{CursorShape, Modes, MouseEncoding, MouseTracking};
use crate::session::replies::Listener;
use crate::session::scrollback::Scrollback;

/// History the engine gets for the length of a resize, so that rows pushed off the top
/// reach our ring.
const RESIZE_HISTORY: usize = 100_000;

/// Synchronized updates are not held back: every byte is applied as it comes, and the
/// renderer's own throttle keeps frames whole enough.
#[derive(Debug, Default)]
pub(crate) struct NoSync;

impl Timeout for NoSync {
    fn set_timeout(&mut self, _: std::time::Duration) {}

    fn clear_timeout(&mut self) {}

    fn pending_timeout(&self) -> bool {
        false
    }
}

/// The terminal state of one exec tab.
pub struct Emulator {
    term: Term<Listener>,
    parser: Processor<NoSync>,
    osc: OscCap,
    cap: Capture,
    title: Option<String>,
    /// What changed on the screen, as generations a reader compares with what it drew.
    gens: Generations,
}

/// Generations of the screen: `whole` moves when the whole screen may have changed (a
/// scroll, a resize, a screen switch), `rows[r]` when row `r` did. Kept by the emulator as
/// it parses; a renderer that recorded them when it drew knows what to draw again without
/// changing the emulator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generations {
    pub whole: u64,
    pub rows: Vec<u64>,
    next: u64,
}

impl Generations {
    /// The rows whose generation differs from `drawn`'s, or None when the whole screen
    /// may have changed since (or the row count did).
    pub fn changed_since(&self, drawn: &Self) -> Option<Vec<u16>> {
        if self.whole != drawn.whole || self.rows.len() != drawn.rows.len() {
            return None;
        }
        Some(
            (0u16..)
                .zip(self.rows.iter().zip(&drawn.rows))
                .filter(|(_, (now, then))| now != then)
                .map(|(r, _)| r)
                .collect(),
        )
    }

    fn bump(&mut self) -> u64 {
        self.next += 1;
        self.next
    }
}

impl Emulator {
    /// A `rows` x `cols` emulator (rows clamp to at least 1, columns to 2) keeping at most
    /// `scrollback_lines` rows that scrolled off.
    pub fn new(rows: u16, cols: u16, scrollback_lines: usize) -> Self {
        let (rows, cols) = clamp(rows, cols);
        let config = Config {
            scrolling_history: 0,
            kitty_keyboard: false,
            osc52: Osc52::Disabled,
            ..Config::default()
        };
        let listener = Listener::default();
        let size = TermSize::new(usize::from(cols), usize::from(rows));
        let mut cap = Capture::new(usize::from(rows), scrollback_lines, listener.clone());
        cap.ring.set_width(cols);
        let mut term = Term::new(config, &size, listener);
        // A new screen is drawn whole by whoever first draws it: generations start there.
        term.reset_damage();
        Self {
            term,
            parser: Processor::new(),
            osc: OscCap::default(),
            cap,
            title: None,
            gens: Generations {
                rows: vec![0; usize::from(rows)],
                ..Generations::default()
            },
        }
    }

    /// Processes output of the exec.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut hooks = Hooks {
            term: &mut self.term,
            cap: &mut self.cap,
        };
        let parser = &mut self.parser;
        self.osc
            .filter(bytes, |part| parser.advance(&mut hooks, part));
        self.cap.listener.update_title(&mut self.title);
        self.note_damage();
    }

    /// Resizes the screen (rows clamp to 1, columns to 2). Rows pushed off the top of the
    /// main screen go to the scrollback, which reflows to the new width.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let (rows, cols) = clamp(rows, cols);
        if self.size() == (rows, cols) {
            return;
        }
        let main = !self.alternate_screen();
        if main {
            self.term.grid_mut().update_history(RESIZE_HISTORY);
        }
        self.term
            .resize(TermSize::new(usize::from(cols), usize::from(rows)));
        if main {
            let grid = self.term.grid();
            let history = grid.history_size();
            for back in (1..=history).rev() {
                let line = Line(-i32::try_from(back).unwrap_or(0));
                capture::capture_row(&mut self.cap.ring, &grid[line], usize::MAX, false);
            }
            self.cap.scrolled_off = self.cap.scrolled_off.saturating_add(history as u64);
            let grid = self.term.grid_mut();
            grid.update_history(0);
            grid.truncate();
        }
        self.cap
            .reset_geometry(usize::from(rows), usize::from(cols));
        self.cap.ring.set_width(cols);
        self.note_damage();
        self.gens.rows.resize(usize::from(rows), 0);
        self.gens.whole = self.gens.bump();
    }

    /// The engine's damage since the last look turned into generations; the engine forgets
    /// it.
    fn note_damage(&mut self) {
        let whole = match self.term.damage() {
            TermDamage::Full => true,
            TermDamage::Partial(lines) => {
                let now = self.gens.bump();
                for d in lines {
                    if let Some(g) = self.gens.rows.get_mut(d.line) {
                        *g = now;
                    }
                }
                false
            }
        };
        if whole {
            self.gens.whole = self.gens.bump();
        }
        self.term.reset_damage();
    }

    /// The screen's generations: what changed since a reader last recorded them.
    pub fn generations(&self) -> &Generations {
        &self.gens
    }

    /// (rows, cols).
    pub fn size(&self) -> (u16, u16) {
        (
            u16::try_from(self.term.screen_lines()).unwrap_or(u16::MAX),
            u16::try_from(self.term.columns()).unwrap_or(u16::MAX),
        )
    }

    /// (row, col) of the cursor, or None while the program hides it.
    pub fn cursor(&self) -> Option<(u16, u16)> {
        if !self.term.mode().contains(TermMode::SHOW_CURSOR) {
            return None;
        }
        let mut point = self.term.grid().cursor.point;
        if self.term.grid()[point]
            .flags
            .contains(Flags::WIDE_CHAR_SPACER)
        {
            point.column = Column(point.column.0.saturating_sub(1));
        }
        let row = u16::try_from(point.line.0).ok()?;
        Some((row, u16::try_from(point.column.0).ok()?))
    }

    /// The cursor's shape and blinking (DECSCUSR), or None while the program hides it.
    pub fn cursor_style(&self) -> Option<CursorShape> {
        if !self.term.mode().contains(TermMode::SHOW_CURSOR) {
            return None;
        }
        let style = self.term.cursor_style();
        Some(match (style.shape, style.blinking) {
            (ansi::CursorShape::Hidden, _) => return None,
            (ansi::CursorShape::Underline, false) => CursorShape::SteadyUnderline,
            (ansi::CursorShape::Underline, true) => CursorShape::BlinkingUnderline,
            (ansi::CursorShape::Beam, false) => CursorShape::SteadyBar,
            (ansi::CursorShape::Beam, true) => CursorShape::BlinkingBar,
            (_, false) => CursorShape::SteadyBlock,
            (_, true) => CursorShape::BlinkingBlock,
        })
    }

    /// DECCKM: cursor keys send SS3 sequences.
    pub fn application_cursor(&self) -> bool {
        self.term.mode().contains(TermMode::APP_CURSOR)
    }

    /// Mode 2004: pastes are to be bracketed.
    pub fn bracketed_paste(&self) -> bool {
        self.term.mode().contains(TermMode::BRACKETED_PASTE)
    }

    /// The alternate screen (1049, 1047 or 47) is shown.
    pub fn alternate_screen(&self) -> bool {
        self.term.mode().contains(TermMode::ALT_SCREEN)
    }

    /// Every mode that changes what we send the program.
    pub fn modes(&self) -> Modes {
        let mode = *self.term.mode();
        let mouse_tracking = if mode.contains(TermMode::MOUSE_MOTION) {
            MouseTracking::Motion
        } else if mode.contains(TermMode::MOUSE_DRAG) {
            MouseTracking::Drag
        } else if mode.contains(TermMode::MOUSE_REPORT_CLICK) {
            MouseTracking::Click
        } else {
            MouseTracking::None
        };
        let mouse_encoding = if mode.contains(TermMode::SGR_MOUSE) {
            MouseEncoding::Sgr
        } else if self.cap.urxvt_mouse {
            MouseEncoding::Urxvt
        } else if mode.contains(TermMode::UTF8_MOUSE) {
            MouseEncoding::Utf8
        } else {
            MouseEncoding::X10
        };
        Modes {
            application_cursor: mode.contains(TermMode::APP_CURSOR),
            application_keypad: mode.contains(TermMode::APP_KEYPAD),
            bracketed_paste: mode.contains(TermMode::BRACKETED_PASTE),
            alternate_screen: mode.contains(TermMode::ALT_SCREEN),
            alternate_scroll: mode.contains(TermMode::ALTERNATE_SCROLL),
            focus_reports: mode.contains(TermMode::FOCUS_IN_OUT),
            mouse_tracking,
            mouse_encoding,
        }
    }

    /// Bytes the terminal owes the program (device attributes, cursor position, mode and
    /// colour reports, text-area size), to be written to its stdin; empty when none.
    pub fn take_replies(&mut self) -> Vec<u8> {
        self.cap.listener.take_replies()
    }

    /// The last title the program set, without control or bidi characters and at most 256
    /// characters long. Never sent to the host terminal by the emulator.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Rows scrolled off the top of the main screen, oldest first.
    pub fn scrollback(&self) -> &Scrollback {
        &self.cap.ring
    }

    /// Forgets the scrollback (the screen is untouched).
    pub fn clear_scrollback(&mut self) {
        self.cap.ring.clear();
    }

    /// Total rows ever scrolled off the main screen (monotonic, also counts evicted rows).
    pub fn scrolled_off(&self) -> u64 {
        self.cap.scrolled_off
    }

    /// Bells (BEL) received so far.
    pub fn bells(&self) -> u64 {
        self.cap.listener.bells()
    }

    /// The visible screen as plain text, one line per row (trailing blanks trimmed),
    /// with unsafe characters removed.
    pub fn screen_text(&self) -> String {
        let grid = self.term.grid();
        let mut out = String::new();
        for row in 0..grid.screen_lines() {
            if row > 0 {
                out.push('\n');
            }
            let start = out.len();
            let line = Line(i32::try_from(row).unwrap_or(0));
            for cell in &grid[line][..] {
                if cell
                    .flags
                    .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
                {
                    continue;
                }
                let c = if cell.c == '\t' { ' ' } else { cell.c };
                for c in std::iter::once(c).chain(cell.zerowidth().unwrap_or(&[]).iter().copied()) {
                    if !crate::session::chars::is_unsafe_char(c) {
                        out.push(c);
                    }
                }
            }
            let trimmed = out[start..].trim_end_matches(' ').len();
            out.truncate(start + trimmed);
        }
        out
    }

    pub(crate) fn term(&self) -> &Term<Listener> {
        &self.term
    }
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("size", &self.size())
            .field("scrollback", &self.scrollback().len())
            .finish_non_exhaustive()
    }
}

fn clamp(rows: u16, cols: u16) -> (u16, u16) {
    (rows.max(1), cols.max(2))
}

#[cfg(test)]
#[path = "emulator_tests.rs"]
mod tests;
