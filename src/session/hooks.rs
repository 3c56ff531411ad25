//! The parser's handler: every action goes to the engine, and before a row leaves the top of
//! the main screen we copy it into our ring. Also answers what the engine would answer
//! wrongly (cursor position in origin mode), tracks the modes it does not know (urxvt mouse
//! encoding, blink, the 47/1047/1048 screen and cursor modes) and drops hyperlinks and
//! clipboard requests.

use alacritty_terminal::Term;
use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::Line;
use alacritty_terminal::term::TermMode;
use alacritty_terminal::vte::ansi::{
    self, Attr, CharsetIndex, ClearMode, CursorShape, CursorStyle, Handler, Hyperlink,
    KeyboardModes, KeyboardModesApplyBehavior, LineClearMode, NamedColor, NamedPrivateMode,
    PrivateMode, Rgb, StandardCharset, TabulationClearMode,
};
use unicode_width::UnicodeWidthChar as _;

use crate::session::bounds::{self, MAX_TITLE_STACK};
use crate::session::capture::{self, BLINK};
use crate::session::replies::Listener;
use crate::session::scrollback::Scrollback;

/// What we keep beside the engine: the ring and what the ring needs to know.
#[derive(Debug)]
pub(crate) struct Capture {
    pub(crate) ring: Scrollback,
    pub(crate) scrolled_off: u64,
    /// Per row of the main screen, a bound on the columns that may hold something.
    pub(crate) extents: Vec<u16>,
    /// The scroll region, first row and one past the last.
    pub(crate) region: (usize, usize),
    pub(crate) urxvt_mouse: bool,
    /// Titles pushed on the engine's title stack (at most [`MAX_TITLE_STACK`]).
    pub(crate) titles_pushed: usize,
    pub(crate) listener: Listener,
}

impl Capture {
    pub(crate) fn new(rows: usize, scrollback_rows: usize, listener: Listener) -> Self {
        Self {
            listener,
            ring: Scrollback::new(scrollback_rows),
            scrolled_off: 0,
            extents: vec![0; rows],
            region: (0, rows),
            urxvt_mouse: false,
            titles_pushed: 0,
        }
    }

    /// After a resize: the region is the whole screen, every row may hold anything.
    pub(crate) fn reset_geometry(&mut self, rows: usize, cols: usize) {
        self.region = (0, rows);
        self.extents.clear();
        self.extents
            .resize(rows, u16::try_from(cols).unwrap_or(u16::MAX));
    }
}

/// The handler for one `advance` of the parser.
pub(crate) struct Hooks<'a> {
    pub(crate) term: &'a mut Term<Listener>,
    pub(crate) cap: &'a mut Capture,
}

/// Engine rows are never more than `u16::MAX` columns here.
fn narrow(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn line_index(line: Line) -> usize {
    usize::try_from(line.0).unwrap_or(0)
}

impl Hooks<'_> {
    /// CUU, CUD, CNL and CPL: `lines` up or down, to column `col`, stopping at the margin
    /// of the scroll region when the cursor is inside it, else at the screen's edge (VT100
    /// User Guide, CUU/CUD; xterm does the same). The engine moves from the absolute row
    /// and then adds the region's top in origin mode, and stops only at the screen's
    /// edges, so vttest's scroll screens in a two-line region landed on row 1.
    fn move_vertically(&mut self, lines: usize, down: bool, col: usize) {
        let (top, end) = self.cap.region;
        let last = self.term.screen_lines().saturating_sub(1);
        let bottom = end.saturating_sub(1).min(last);
        let cur = self.cursor_line();
        let target = if down {
            let limit = if cur <= bottom { bottom } else { last };
            cur.saturating_add(lines).min(limit)
        } else {
            let limit = if cur >= top { top } else { 0 };
            cur.saturating_sub(lines).max(limit)
        };
        let line = if self.term.mode().contains(TermMode::ORIGIN) {
            target.saturating_sub(top)
        } else {
            target
        };
        self.term.goto(i32::try_from(line).unwrap_or(i32::MAX), col);
    }

    fn main(&self) -> bool {
        !self.term.mode().contains(TermMode::ALT_SCREEN)
    }

    fn full_region(&self) -> bool {
        self.cap.region == (0, self.term.screen_lines())
    }

    fn cursor_line(&self) -> usize {
        line_index(self.term.grid().cursor.point.line)
    }

    /// A line feed here scrolls the region.
    fn at_region_bottom(&self) -> bool {
        self.cursor_line() + 1 == self.cap.region.1
    }

    /// Extent of a row freshly cleared with the current background.
    fn blank_extent(&self) -> u16 {
        let bg = self.term.grid().cursor.template.bg;
        if bg == ansi::Color::Named(NamedColor::Background) {
            0
        } else {
            narrow(self.term.columns())
        }
    }

    /// Every row of the main screen may now hold anything.
    fn touch_all(&mut self) {
        if self.main() {
            let cols = narrow(self.term.columns());
            self.cap.extents.fill(cols);
        }
    }

    fn touch_cursor_row(&mut self) {
        if self.main() {
            let line = self.cursor_line();
            let cols = narrow(self.term.columns());
            if let Some(e) = self.cap.extents.get_mut(line) {
                *e = cols;
            }
        }
    }

    /// The cursor row holds something up to the cursor. Printing only moves the cursor
    /// right, so the extent is brought up to date here, before any other action (one that
    /// may move the cursor away, swap screens or scroll) rather than for each character.
    fn fold_cursor(&mut self) {
        if !self.main() {
            return;
        }
        let point = self.term.grid().cursor.point;
        let end = narrow(point.column.0 + 1);
        if let Some(e) = self.cap.extents.get_mut(line_index(point.line)) {
            *e = (*e).max(end);
        }
    }

    /// The engine is about to scroll the main screen's region up by `n` rows (a line feed at
    /// its bottom): copies the rows leaving a full-screen region into the ring.
    fn before_scroll_up(&mut self, n: usize, wrapping: bool) {
        if !self.main() {
            return;
        }
        if !self.full_region() {
            self.touch_all();
            return;
        }
        let n = n.min(self.term.screen_lines());
        // On a one-row screen the row leaving is the one that wraps.
        let one_row = wrapping && self.term.screen_lines() == 1;
        for row in 0..n {
            let extent = usize::from(self.cap.extents.get(row).copied().unwrap_or(u16::MAX));
            let line = Line(i32::try_from(row).unwrap_or(0));
            capture::capture_row(&mut self.cap.ring, &self.term.grid()[line], extent, one_row);
        }
        self.cap.scrolled_off = self.cap.scrolled_off.saturating_add(n as u64);
        let blank = self.blank_extent();
        let n = n.min(self.cap.extents.len());
        self.cap.extents.drain(..n);
        self.cap.extents.extend(std::iter::repeat_n(blank, n));
    }

    /// A line feed, from LF or from wrapping.
    fn before_linefeed(&mut self, wrapping: bool) {
        if self.main() && self.at_region_bottom() {
            self.before_scroll_up(1, wrapping);
        }
    }

    /// Copies the rows that clearing the whole main screen pushes into history: everything
    /// up to the last row that holds something.
    fn before_clear_all(&mut self) {
        let grid = self.term.grid();
        let rows = grid.screen_lines();
        let last = (0..rows).rev().find(|&r| {
            let line = Line(i32::try_from(r).unwrap_or(0));
            grid[line][..].iter().any(|c| !capture::is_blank(c))
        });
        if let Some(last) = last {
            for row in 0..=last {
                let line = Line(i32::try_from(row).unwrap_or(0));
                let extent = usize::from(self.cap.extents.get(row).copied().unwrap_or(u16::MAX));
                capture::capture_row(&mut self.cap.ring, &self.term.grid()[line], extent, false);
            }
            self.cap.scrolled_off = self.cap.scrolled_off.saturating_add(last as u64 + 1);
        }
    }

    fn set_region(&mut self, top: usize, bottom: Option<usize>) {
        let lines = self.term.screen_lines();
        let bottom = bottom.unwrap_or(lines);
        if top < bottom {
            self.cap.region = (top.saturating_sub(1).min(lines), bottom.min(lines));
        }
    }

    /// Reply to DSR 6 with the cursor position, relative to the region in origin mode.
    fn report_cursor(&mut self) {
        let point = self.term.grid().cursor.point;
        let mut line = line_index(point.line);
        if self.term.mode().contains(TermMode::ORIGIN) {
            line = line.saturating_sub(self.cap.region.0);
        }
        let reply = format!("\x1b[{};{}R", line + 1, point.column.0 + 1);
        self.cap.listener.reply(reply.as_bytes());
    }

    fn after_screen_reset(&mut self) {
        let lines = self.term.screen_lines();
        self.cap.region = (0, lines);
        let blank = self.blank_extent();
        if self.main() {
            self.cap.extents.fill(blank);
        }
    }

    fn private_mode(&mut self, mode: PrivateMode, on: bool) -> bool {
        let PrivateMode::Unknown(raw) = mode else {
            if mode == PrivateMode::Named(NamedPrivateMode::ColumnMode) {
                self.cap.region = (0, self.term.screen_lines());
                self.touch_all();
            }
            return false;
        };
        match raw {
            1015 => self.cap.urxvt_mouse = on,
            47 | 1047 => {
                if on == self.main() {
                    // Unlike 1049 these keep the cursor where the other screen left it.
                    let point = self.term.grid().cursor.point;
                    self.term.swap_alt();
                    self.term.grid_mut().cursor.point = point;
                }
            }
            1048 if on => self.term.save_cursor_position(),
            1048 => self.term.restore_cursor_position(),
            _ => return false,
        }
        true
    }
}

impl Handler for Hooks<'_> {
    fn set_title(&mut self, title: Option<String>) {
        self.fold_cursor();
        self.term.set_title(bounds::bounded_title(title));
    }

    fn set_cursor_style(&mut self, style: Option<CursorStyle>) {
        self.fold_cursor();
        self.term.set_cursor_style(style);
    }

    fn set_cursor_shape(&mut self, shape: CursorShape) {
        self.fold_cursor();
        self.term.set_cursor_shape(shape);
    }

    #[inline]
    fn input(&mut self, c: char) {
        // The parser turns invalid UTF-8 into U+FFFD; like tmux we print nothing for it.
        if c == '\u{fffd}' || bounds::zerowidth_full(self.term, c) {
            return;
        }
        if !self.main() {
            self.term.input(c);
            return;
        }
        let cursor = &self.term.grid().cursor;
        let needs_wrap = cursor.input_needs_wrap;
        let at_end = needs_wrap || cursor.point.column.0 + 1 >= self.term.columns();
        if at_end && self.term.mode().contains(TermMode::LINE_WRAP) {
            let width = c.width().unwrap_or(0);
            let wraps = width > 0 && (needs_wrap || width == 2);
            if wraps {
                self.touch_cursor_row();
                self.before_linefeed(true);
            }
        }
        // The cursor row's extent grows lazily: see `fold_cursor`.
        self.term.input(c);
    }

    fn goto(&mut self, line: i32, col: usize) {
        self.fold_cursor();
        self.term.goto(line, col);
    }

    fn goto_line(&mut self, line: i32) {
        self.fold_cursor();
        self.term.goto_line(line);
    }

    fn goto_col(&mut self, col: usize) {
        self.fold_cursor();
        self.term.goto_col(col);
    }

    fn insert_blank(&mut self, count: usize) {
        self.fold_cursor();
        self.touch_cursor_row();
        self.term.insert_blank(count);
    }

    fn move_up(&mut self, lines: usize) {
        self.fold_cursor();
        let col = self.term.grid().cursor.point.column.0;
        self.move_vertically(lines, false, col);
    }

    fn move_down(&mut self, lines: usize) {
        self.fold_cursor();
        let col = self.term.grid().cursor.point.column.0;
        self.move_vertically(lines, true, col);
    }

    fn identify_terminal(&mut self, intermediate: Option<char>) {
        self.fold_cursor();
        self.term.identify_terminal(intermediate);
    }

    fn device_status(&mut self, arg: usize) {
        self.fold_cursor();
        if arg == 6 {
            self.report_cursor();
        } else {
            self.term.device_status(arg);
        }
    }

    fn move_forward(&mut self, col: usize) {
        self.fold_cursor();
        self.term.move_forward(col);
    }

    fn move_backward(&mut self, col: usize) {
        self.fold_cursor();
        self.term.move_backward(col);
    }

    fn move_down_and_cr(&mut self, row: usize) {
        self.fold_cursor();
        self.move_vertically(row, true, 0);
    }

    fn move_up_and_cr(&mut self, row: usize) {
        self.fold_cursor();
        self.move_vertically(row, false, 0);
    }

    fn put_tab(&mut self, count: u16) {
        self.fold_cursor();
        if self.main()
            && self.term.grid().cursor.input_needs_wrap
            && self.term.mode().contains(TermMode::LINE_WRAP)
        {
            self.touch_cursor_row();
            self.before_linefeed(true);
        }
        self.term.put_tab(count);
    }

    fn backspace(&mut self) {
        self.fold_cursor();
        self.term.backspace();
    }

    fn carriage_return(&mut self) {
        self.fold_cursor();
        self.term.carriage_return();
    }

    #[inline]
    fn linefeed(&mut self) {
        self.fold_cursor();
        self.before_linefeed(false);
        self.term.linefeed();
    }

    fn bell(&mut self) {
        self.fold_cursor();
        self.term.bell();
    }

    fn substitute(&mut self) {
        self.fold_cursor();
        self.term.substitute();
    }

    fn newline(&mut self) {
        self.fold_cursor();
        self.before_linefeed(false);
        self.term.newline();
    }

    fn set_horizontal_tabstop(&mut self) {
        self.fold_cursor();
        self.term.set_horizontal_tabstop();
    }

    fn scroll_up(&mut self, lines: usize) {
        self.fold_cursor();
        self.before_scroll_up(lines, false);
        self.term.scroll_up(lines);
    }

    fn scroll_down(&mut self, lines: usize) {
        self.fold_cursor();
        self.touch_all();
        self.term.scroll_down(lines);
    }

    fn insert_blank_lines(&mut self, lines: usize) {
        self.fold_cursor();
        self.touch_all();
        self.term.insert_blank_lines(lines);
    }

    fn delete_lines(&mut self, lines: usize) {
        self.fold_cursor();
        self.touch_all();
        self.term.delete_lines(lines);
    }

    fn erase_chars(&mut self, count: usize) {
        self.fold_cursor();
        if self.blank_extent() != 0 {
            self.touch_cursor_row();
        }
        self.term.erase_chars(count);
    }

    fn delete_chars(&mut self, count: usize) {
        self.fold_cursor();
        if self.blank_extent() != 0 {
            self.touch_cursor_row();
        }
        self.term.delete_chars(count);
    }

    fn move_backward_tabs(&mut self, count: u16) {
        self.fold_cursor();
        self.term.move_backward_tabs(count);
    }

    fn move_forward_tabs(&mut self, count: u16) {
        self.fold_cursor();
        self.term.move_forward_tabs(count);
    }

    fn save_cursor_position(&mut self) {
        self.fold_cursor();
        self.term.save_cursor_position();
    }

    fn restore_cursor_position(&mut self) {
        self.fold_cursor();
        self.term.restore_cursor_position();
    }

    fn clear_line(&mut self, mode: LineClearMode) {
        self.fold_cursor();
        if self.blank_extent() != 0 {
            self.touch_cursor_row();
        }
        self.term.clear_line(mode);
    }

    fn clear_screen(&mut self, mode: ClearMode) {
        self.fold_cursor();
        match mode {
            ClearMode::All if self.main() => {
                self.before_clear_all();
                self.term.clear_screen(mode);
                let blank = self.blank_extent();
                self.cap.extents.fill(blank);
            }
            ClearMode::Saved => {
                self.cap.ring.clear();
                self.term.clear_screen(mode);
            }
            _ => {
                if self.blank_extent() != 0 {
                    self.touch_all();
                }
                self.term.clear_screen(mode);
            }
        }
    }

    fn clear_tabs(&mut self, mode: TabulationClearMode) {
        self.fold_cursor();
        self.term.clear_tabs(mode);
    }

    fn reset_state(&mut self) {
        self.fold_cursor();
        self.term.reset_state();
        self.cap.urxvt_mouse = false;
        self.cap.titles_pushed = 0;
        self.after_screen_reset();
    }

    fn reverse_index(&mut self) {
        self.fold_cursor();
        self.touch_all();
        self.term.reverse_index();
    }

    fn terminal_attribute(&mut self, attr: Attr) {
        let flags = &mut self.term.grid_mut().cursor.template.flags;
        match attr {
            Attr::BlinkSlow | Attr::BlinkFast => flags.insert(BLINK),
            Attr::CancelBlink => flags.remove(BLINK),
            _ => self.term.terminal_attribute(attr),
        }
    }

    fn set_mode(&mut self, mode: ansi::Mode) {
        self.fold_cursor();
        self.term.set_mode(mode);
    }

    fn unset_mode(&mut self, mode: ansi::Mode) {
        self.fold_cursor();
        self.term.unset_mode(mode);
    }

    fn report_mode(&mut self, mode: ansi::Mode) {
        self.fold_cursor();
        self.term.report_mode(mode);
    }

    fn set_private_mode(&mut self, mode: PrivateMode) {
        self.fold_cursor();
        if !self.private_mode(mode, true) {
            self.term.set_private_mode(mode);
        }
    }

    fn unset_private_mode(&mut self, mode: PrivateMode) {
        self.fold_cursor();
        if !self.private_mode(mode, false) {
            self.term.unset_private_mode(mode);
        }
    }

    fn report_private_mode(&mut self, mode: PrivateMode) {
        self.fold_cursor();
        let state = match mode {
            PrivateMode::Unknown(1015) => Some(if self.cap.urxvt_mouse { 1 } else { 2 }),
            PrivateMode::Unknown(47 | 1047) => Some(if self.main() { 2 } else { 1 }),
            // Synchronized updates are not held back here: say so.
            PrivateMode::Named(NamedPrivateMode::SyncUpdate) => Some(0),
            _ => None,
        };
        match state {
            Some(state) => {
                let reply = format!("\x1b[?{};{state}$y", mode.raw());
                self.cap.listener.reply(reply.as_bytes());
            }
            None => self.term.report_private_mode(mode),
        }
    }

    fn set_scrolling_region(&mut self, top: usize, bottom: Option<usize>) {
        self.fold_cursor();
        self.set_region(top, bottom);
        self.term.set_scrolling_region(top, bottom);
    }

    fn set_keypad_application_mode(&mut self) {
        self.fold_cursor();
        self.term.set_keypad_application_mode();
    }

    fn unset_keypad_application_mode(&mut self) {
        self.fold_cursor();
        self.term.unset_keypad_application_mode();
    }

    fn set_active_charset(&mut self, index: CharsetIndex) {
        self.fold_cursor();
        self.term.set_active_charset(index);
    }

    fn configure_charset(&mut self, index: CharsetIndex, charset: StandardCharset) {
        self.fold_cursor();
        self.term.configure_charset(index, charset);
    }

    fn set_color(&mut self, index: usize, color: Rgb) {
        self.fold_cursor();
        self.term.set_color(index, color);
    }

    fn dynamic_color_sequence(&mut self, prefix: String, index: usize, terminator: &str) {
        self.fold_cursor();
        self.term.dynamic_color_sequence(prefix, index, terminator);
    }

    fn reset_color(&mut self, index: usize) {
        self.fold_cursor();
        self.term.reset_color(index);
    }

    // Clipboard stores and loads and hyperlinks are dropped.
    fn clipboard_store(&mut self, _: u8, _: &[u8]) {}

    fn clipboard_load(&mut self, _: u8, _: &str) {}

    fn set_hyperlink(&mut self, _: Option<Hyperlink>) {}

    fn decaln(&mut self) {
        self.fold_cursor();
        self.touch_all();
        self.term.decaln();
    }

    fn push_title(&mut self) {
        self.fold_cursor();
        if self.cap.titles_pushed < MAX_TITLE_STACK {
            self.cap.titles_pushed += 1;
            self.term.push_title();
        }
    }

    fn pop_title(&mut self) {
        self.fold_cursor();
        self.cap.titles_pushed = self.cap.titles_pushed.saturating_sub(1);
        self.term.pop_title();
    }

    fn text_area_size_pixels(&mut self) {
        self.fold_cursor();
        // The engine multiplies in u16, which overflows past 4095 rows.
        crate::session::replies::reply_size_pixels(self.term, &self.cap.listener);
    }

    fn text_area_size_chars(&mut self) {
        self.fold_cursor();
        self.term.text_area_size_chars();
    }

    fn report_keyboard_mode(&mut self) {
        self.fold_cursor();
        self.term.report_keyboard_mode();
    }

    fn push_keyboard_mode(&mut self, mode: KeyboardModes) {
        self.fold_cursor();
        self.term.push_keyboard_mode(mode);
    }

    fn pop_keyboard_modes(&mut self, to_pop: u16) {
        self.fold_cursor();
        self.term.pop_keyboard_modes(to_pop);
    }

    fn set_keyboard_mode(&mut self, mode: KeyboardModes, behavior: KeyboardModesApplyBehavior) {
        self.fold_cursor();
        Handler::set_keyboard_mode(self.term, mode, behavior);
    }
}
