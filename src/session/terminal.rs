//! One tab's terminal split into its one writer and its readers: the [`TerminalWriter`]
//! (not `Clone`) is the only handle that can feed, resize or otherwise change the
//! emulator, and the tab's task holds it; the console holds [`TerminalView`]s, which lend
//! the emulator out read-only (drawing, copy mode, search) under a read lock the writer
//! takes for 4 KiB of output at a time. What the console's model needs to know of a change
//! travels as a [`TermChange`], so its `update` never reads the emulator for it.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::emulator::Emulator;
use super::modes::Modes;

/// Output parsed under one hold of the write lock (the renderer waits at most this long).
const FEED_SLICE: usize = 4 * 1024;

/// A new terminal of `rows` x `cols` keeping `scrollback_lines` rows: its writer and a view.
pub fn pair(rows: u16, cols: u16, scrollback_lines: usize) -> (TerminalWriter, TerminalView) {
    let emulator = Arc::new(RwLock::new(Emulator::new(rows, cols, scrollback_lines)));
    let view = TerminalView {
        emulator: Arc::clone(&emulator),
    };
    let writer = TerminalWriter {
        emulator,
        seen_scrolled_off: 0,
    };
    (writer, view)
}

/// What a tab's model learns from its terminal after a change: counts it compares with
/// what it saw, the title, the modes keys and the mouse are encoded for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermChange {
    /// Output bytes parsed since the last change was told.
    pub parsed: u64,
    /// Bells received so far.
    pub bells: u64,
    /// The title the program set (sanitised by the emulator).
    pub title: Option<String>,
    /// Rows output pushed off the top of the main screen since the last change was told
    /// (a resize's own are not counted: they do not move a scrolled-back view).
    pub scrolled: u64,
    /// Rows the scrollback holds now.
    pub scrollback: usize,
    /// (rows, cols).
    pub size: (u16, u16),
    pub modes: Modes,
}

/// The one handle that changes a tab's emulator.
pub struct TerminalWriter {
    emulator: Arc<RwLock<Emulator>>,
    /// The emulator's count of rows scrolled off when the last change was told.
    seen_scrolled_off: u64,
}

impl TerminalWriter {
    /// Parses output of the exec, a slice at a time so that readers never wait long;
    /// returns the replies the terminal owes the program.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut replies = Vec::new();
        for part in bytes.chunks(FEED_SLICE) {
            let mut emu = self.write();
            emu.feed(part);
            replies.extend(emu.take_replies());
        }
        replies
    }

    /// Resizes the screen; rows it pushes into the scrollback are not told as scrolled.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let mut emu = self.write();
        let before = emu.scrolled_off();
        emu.resize(rows, cols);
        let pushed = emu.scrolled_off().saturating_sub(before);
        drop(emu);
        self.seen_scrolled_off = self.seen_scrolled_off.saturating_add(pushed);
    }

    /// The change to tell after `parsed` more bytes (or a resize).
    pub fn change(&mut self, parsed: u64) -> TermChange {
        let emu = self.read();
        let now = emu.scrolled_off();
        let scrolled = now.saturating_sub(self.seen_scrolled_off);
        let change = TermChange {
            parsed,
            bells: emu.bells(),
            title: emu.title().map(str::to_owned),
            scrolled,
            scrollback: emu.scrollback().len(),
            size: emu.size(),
            modes: emu.modes(),
        };
        drop(emu);
        self.seen_scrolled_off = now;
        change
    }

    /// The emulator, read-only.
    pub fn read(&self) -> RwLockReadGuard<'_, Emulator> {
        read(&self.emulator)
    }

    /// Another view of this terminal.
    pub fn view(&self) -> TerminalView {
        TerminalView {
            emulator: Arc::clone(&self.emulator),
        }
    }

    fn write(&self) -> RwLockWriteGuard<'_, Emulator> {
        // A panic of an earlier holder leaves a screen, nothing that could be unsafe.
        self.emulator
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl PartialEq for TerminalWriter {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.emulator, &other.emulator)
    }
}

impl Eq for TerminalWriter {}

impl std::fmt::Debug for TerminalWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TerminalWriter")
    }
}

/// A read-only view of a tab's terminal.
#[derive(Clone)]
pub struct TerminalView {
    emulator: Arc<RwLock<Emulator>>,
}

impl TerminalView {
    /// The emulator, read-only, for as long as the guard lives (keep it short: the tab's
    /// task waits for it to parse more).
    pub fn read(&self) -> RwLockReadGuard<'_, Emulator> {
        read(&self.emulator)
    }

    /// A writer for tests that play the tab's task (it counts scrolls from now on).
    #[cfg(test)]
    pub(crate) fn test_writer(&self) -> TerminalWriter {
        TerminalWriter {
            emulator: Arc::clone(&self.emulator),
            seen_scrolled_off: read(&self.emulator).scrolled_off(),
        }
    }
}

fn read(emulator: &RwLock<Emulator>) -> RwLockReadGuard<'_, Emulator> {
    emulator.read().unwrap_or_else(PoisonError::into_inner)
}

impl PartialEq for TerminalView {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.emulator, &other.emulator)
    }
}

impl Eq for TerminalView {}

impl std::fmt::Debug for TerminalView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TerminalView")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_sees_what_the_writer_parsed_and_the_change_counts_output_scrolls_only() {
        let (mut w, v) = pair(2, 10, 100);
        assert!(w.feed(b"a\r\nb\r\nc\r\n\x1b[c").starts_with(b"\x1b[?"));
        assert!(v.read().screen_text().starts_with('c'));
        let c = w.change(3);
        assert_eq!((c.parsed, c.scrolled, c.scrollback), (3, 2, 2));
        // A shrink pushes the rows above the cursor into the scrollback: not a scroll.
        w.resize(1, 10);
        let c = w.change(0);
        assert_eq!((c.scrolled, c.size), (0, (1, 10)));
        w.feed(b"\r\nd");
        assert_eq!(w.change(3).scrolled, 1);
        assert_eq!(v, w.view());
    }

    #[test]
    fn a_reader_learns_which_rows_changed_from_generations_without_changing_anything() {
        let (mut w, v) = pair(3, 10, 0);
        let drawn = v.read().generations().clone();
        w.feed(b"\x1b[2;1Hx");
        let rows = v.read().generations().changed_since(&drawn);
        assert!(
            rows.as_ref()
                .is_some_and(|r| r.contains(&1) && !r.contains(&2)),
            "{rows:?}"
        );
        // Reading twice tells the same: nothing was consumed.
        assert_eq!(v.read().generations().changed_since(&drawn), rows);
        let drawn = v.read().generations().clone();
        w.resize(2, 10);
        assert_eq!(v.read().generations().changed_since(&drawn), None);
    }
}
