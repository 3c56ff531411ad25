//! What the engine tells us while it parses: replies the terminal owes the program (built
//! only from the terminal's own state and our fixed palette), bells and the title. Clipboard
//! requests and everything else are dropped; the text-area size in pixels (CSI 14 t) is
//! answered with arithmetic that cannot overflow.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alacritty_terminal::Term;
use alacritty_terminal::event::{Event, EventListener};
use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::vte::ansi::Rgb;

use crate::session::bounds::MAX_TITLE_CHARS;
use crate::session::chars::is_unsafe_char;

/// Pixel size of one cell, for the text-area size in pixels (CSI 14 t).
pub const CELL_PIXELS: (u16, u16) = (8, 16);
/// Replies kept while nobody takes them; more are dropped (a program flooding queries).
const MAX_PENDING_REPLIES: usize = 64 * 1024;

/// Default foreground, background and cursor colours of our palette.
const FOREGROUND: Rgb = Rgb {
    r: 0xe5,
    g: 0xe5,
    b: 0xe5,
};
const BACKGROUND: Rgb = Rgb { r: 0, g: 0, b: 0 };

#[derive(Debug, Default)]
struct Inner {
    replies: Vec<u8>,
    bells: u64,
    title: Option<String>,
    title_changed: bool,
}

/// The engine's event listener; clones share one queue, so that the emulator reads what
/// the terminal it owns reported.
#[derive(Debug, Default, Clone)]
pub(crate) struct Listener {
    inner: Arc<Mutex<Inner>>,
}

impl Listener {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a reply we build ourselves.
    pub(crate) fn reply(&self, bytes: &[u8]) {
        let mut inner = self.lock();
        if inner.replies.len() + bytes.len() <= MAX_PENDING_REPLIES {
            inner.replies.extend_from_slice(bytes);
        }
    }

    pub(crate) fn take_replies(&self) -> Vec<u8> {
        std::mem::take(&mut self.lock().replies)
    }

    pub(crate) fn bells(&self) -> u64 {
        self.lock().bells
    }

    /// Writes the title into `out` when it changed since the last call.
    pub(crate) fn update_title(&self, out: &mut Option<String>) {
        let mut inner = self.lock();
        if inner.title_changed {
            inner.title_changed = false;
            out.clone_from(&inner.title);
        }
    }
}

impl Listener {
    fn set_title(&self, title: Option<String>) {
        let mut inner = self.lock();
        inner.title = title;
        inner.title_changed = true;
    }
}

impl EventListener for Listener {
    fn send_event(&self, event: Event) {
        match event {
            Event::PtyWrite(text) => self.reply(text.as_bytes()),
            Event::ColorRequest(index, format) => {
                self.reply(format(palette(index)).as_bytes());
            }
            Event::Bell => {
                let mut inner = self.lock();
                inner.bells = inner.bells.saturating_add(1);
            }
            Event::Title(title) => self.set_title(sanitize_title(&title)),
            Event::ResetTitle => self.set_title(None),
            // Clipboard loads and stores, cursor and wakeup notices: nothing to do.
            _ => {}
        }
    }
}

/// The title with unsafe characters removed and its length bounded; None when empty.
fn sanitize_title(title: &str) -> Option<String> {
    let clean: String = title
        .chars()
        .filter(|c| !is_unsafe_char(*c))
        .take(MAX_TITLE_CHARS)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_owned())
}

/// Our fixed palette: xterm's 256 colours, then foreground, background and cursor.
pub(crate) fn palette(index: usize) -> Rgb {
    const BASIC: [(u8, u8, u8); 16] = [
        (0x00, 0x00, 0x00),
        (0xcd, 0x00, 0x00),
        (0x00, 0xcd, 0x00),
        (0xcd, 0xcd, 0x00),
        (0x00, 0x00, 0xee),
        (0xcd, 0x00, 0xcd),
        (0x00, 0xcd, 0xcd),
        (0xe5, 0xe5, 0xe5),
        (0x7f, 0x7f, 0x7f),
        (0xff, 0x00, 0x00),
        (0x00, 0xff, 0x00),
        (0xff, 0xff, 0x00),
        (0x5c, 0x5c, 0xff),
        (0xff, 0x00, 0xff),
        (0x00, 0xff, 0xff),
        (0xff, 0xff, 0xff),
    ];
    let rgb = |(r, g, b): (u8, u8, u8)| Rgb { r, g, b };
    match index {
        0..16 => rgb(BASIC[index]),
        16..232 => {
            let i = index - 16;
            let level = |v: usize| {
                if v == 0 {
                    0
                } else {
                    u8::try_from(55 + v * 40).unwrap_or(u8::MAX)
                }
            };
            rgb((level(i / 36), level(i / 6 % 6), level(i % 6)))
        }
        257 => BACKGROUND,
        232.. if index < 256 => {
            let v = u8::try_from(8 + (index - 232) * 10).unwrap_or(u8::MAX);
            rgb((v, v, v))
        }
        _ => FOREGROUND,
    }
}

/// Queues the reply to CSI 14 t: the text area's height and width in pixels, with our
/// fixed cell size (saturating: rows and columns are only bounded by `u16`).
pub(crate) fn reply_size_pixels<T>(term: &Term<T>, listener: &Listener) {
    let px = |cells: usize, cell: u16| {
        u32::try_from(cells)
            .unwrap_or(u32::MAX)
            .saturating_mul(u32::from(cell))
    };
    let height = px(term.screen_lines(), CELL_PIXELS.1);
    let width = px(term.columns(), CELL_PIXELS.0);
    listener.reply(format!("\x1b[4;{height};{width}t").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_follows_xterm() {
        let hex = |c: Rgb| format!("{:02x}{:02x}{:02x}", c.r, c.g, c.b);
        assert_eq!(hex(palette(1)), "cd0000");
        assert_eq!(hex(palette(16)), "000000");
        assert_eq!(hex(palette(21)), "0000ff");
        assert_eq!(hex(palette(196)), "ff0000");
        assert_eq!(hex(palette(231)), "ffffff");
        assert_eq!(hex(palette(232)), "080808");
        assert_eq!(hex(palette(255)), "eeeeee");
        assert_eq!(hex(palette(256)), "e5e5e5");
        assert_eq!(hex(palette(257)), "000000");
    }

    #[test]
    fn titles_are_cleaned_and_bounded() {
        assert_eq!(
            sanitize_title("a\u{1b}]0;b\u{7}\u{202e}c\u{9b}"),
            Some("a]0;bc".into())
        );
        assert_eq!(sanitize_title(" \u{7} "), None);
        assert_eq!(
            sanitize_title(&"x".repeat(1000)).map(|t| t.len()),
            Some(MAX_TITLE_CHARS)
        );
    }
}
