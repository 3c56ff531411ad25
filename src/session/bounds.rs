//! Bounds on the terminal state a program's output can grow: the parser's OSC buffer
//! (filtered before the parser, which keeps every OSC byte), zero-width marks per cell,
//! titles and the title stack (capped before the engine, which keeps 4096 titles of any
//! length), and the text-area size reply in pixels.

use alacritty_terminal::Term;
use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::term::cell::Flags;
use unicode_width::UnicodeWidthChar as _;

/// Bytes of one OSC string the parser gets; the rest until its end is dropped.
pub const MAX_OSC_BYTES: usize = 4096;
/// Zero-width characters kept per cell; more are dropped.
pub const MAX_ZEROWIDTH: usize = 8;
/// Characters of a title the engine gets.
pub const MAX_TITLE_CHARS: usize = 256;
/// Titles the title stack holds (CSI 22 t); more pushes are dropped.
pub const MAX_TITLE_STACK: usize = 16;

const ESC: u8 = 0x1b;

/// Where the parser is, as far as OSC strings go. It mirrors vte's state machine: ESC
/// enters the escape state from every state, and only `]` right after it starts an OSC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// Ground, CSI, DCS, SOS/PM/APC: only ESC matters.
    #[default]
    Other,
    Escape,
    EscapeIntermediate,
    /// Inside an OSC string, with this many bytes kept.
    Osc(usize),
}

/// Drops the bytes of an OSC string past [`MAX_OSC_BYTES`] before they reach the parser.
#[derive(Debug, Default)]
pub(crate) struct OscCap {
    state: State,
}

impl OscCap {
    /// Calls `keep` with the runs of `bytes` the parser is to get, in order.
    pub(crate) fn filter<'a>(&mut self, bytes: &'a [u8], mut keep: impl FnMut(&'a [u8])) {
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            if self.state == State::Other {
                match memchr::memchr(ESC, &bytes[i..]) {
                    Some(at) => i += at,
                    None => break,
                }
            }
            let byte = bytes[i];
            let (next, kept) = step(self.state, byte);
            self.state = next;
            if !kept {
                if start < i {
                    keep(&bytes[start..i]);
                }
                start = i + 1;
            }
            i += 1;
        }
        if start < bytes.len() {
            keep(&bytes[start..]);
        }
    }
}

/// The state after `byte`, and whether the parser gets the byte.
fn step(state: State, byte: u8) -> (State, bool) {
    let next = match (state, byte) {
        (_, ESC) => State::Escape,
        (State::Escape, b']') => State::Osc(0),
        (State::Escape, 0x20..=0x2f) => State::EscapeIntermediate,
        // CAN and SUB end any sequence, BEL an OSC, a final byte an escape sequence.
        (_, 0x18 | 0x1a)
        | (State::Osc(_), 0x07)
        | (State::Other, _)
        | (State::Escape | State::EscapeIntermediate, 0x30..=0x7e) => State::Other,
        (State::Escape | State::EscapeIntermediate, _) => state,
        // Other C0 controls are ignored inside an OSC; everything else is kept.
        (State::Osc(n), 0x00..=0x1f) => State::Osc(n),
        (State::Osc(n), _) if n >= MAX_OSC_BYTES => return (state, false),
        (State::Osc(n), _) => State::Osc(n + 1),
    };
    (next, true)
}

/// Whether printing `c` would add a zero-width mark to a cell that has its fill already.
pub(crate) fn zerowidth_full<T>(term: &Term<T>, c: char) -> bool {
    if c.is_ascii() || c.width() != Some(0) {
        return false;
    }
    // The cell the engine puts the mark on: the one left of the cursor (or under it when
    // a wrap is pending), the wide character's own cell for its spacer.
    let grid = term.grid();
    let cursor = &grid.cursor;
    let mut point = cursor.point;
    if !cursor.input_needs_wrap {
        point.column.0 = point.column.0.saturating_sub(1);
    }
    if point.column.0 >= term.columns() {
        return false;
    }
    if grid[point].flags.contains(Flags::WIDE_CHAR_SPACER) {
        point.column.0 = point.column.0.saturating_sub(1);
    }
    grid[point]
        .zerowidth()
        .is_some_and(|marks| marks.len() >= MAX_ZEROWIDTH)
}

/// A title cut to [`MAX_TITLE_CHARS`] characters.
pub(crate) fn bounded_title(title: Option<String>) -> Option<String> {
    title.map(|t| match t.char_indices().nth(MAX_TITLE_CHARS) {
        Some((end, _)) => t[..end].to_owned(),
        None => t,
    })
}

#[cfg(test)]
#[path = "bounds_tests.rs"]
mod tests;
