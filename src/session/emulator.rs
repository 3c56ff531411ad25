//! One exec's terminal emulator: vt100 0.18 with no scrollback of its own; rows that scroll
//! off the top are captured into our compact [`Scrollback`] ring. Nothing the container
//! sends (queries, titles, clipboard writes, DCS...) is answered or passed on.

use std::fmt;
use std::num::NonZeroU16;

use crate::session::scrollback::{
    Attrs, CellStyle, Color, Scrollback, StyleRun, char_width, cluster_width,
};

/// The terminal state of one exec tab.
pub struct Emulator {
    parser: vt100::Parser<Capture>,
}

impl Emulator {
    /// A `rows` x `cols` emulator (0 clamps to 1) keeping at most `scrollback_lines` rows
    /// that scrolled off.
    pub fn new(rows: u16, cols: u16, scrollback_lines: usize) -> Self {
        let capture = Capture {
            scrollback: Scrollback::new(scrollback_lines),
            scrolled_off: 0,
            bells: 0,
            text: String::new(),
            runs: Vec::new(),
        };
        Self {
            parser: vt100::Parser::new_with_callbacks(nonzero(rows), nonzero(cols), 0, capture),
        }
    }

    /// Processes output of the exec.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
        self.forget_lost_rows();
    }

    /// Resizes the screen (0 clamps to 1). Shrinking pushes top rows into the scrollback;
    /// growing adds blank rows at the bottom.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.forget_lost_rows();
        self.parser.set_size(nonzero(rows), nonzero(cols));
    }

    /// vt100 counts the rows it would hold with unbounded scrollback and, when the screen
    /// grows, pulls that many blank rows in at the top. Those rows live in our ring
    /// instead, so the count is reset while the main screen is active.
    fn forget_lost_rows(&mut self) {
        if !self.screen().alternate_screen() {
            self.parser.screen_mut().clear_scrollback();
        }
    }

    /// (rows, cols).
    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.screen().size();
        (rows.get(), cols.get())
    }

    /// (row, col) of the cursor, or None while the program hides it.
    pub fn cursor(&self) -> Option<(u16, u16)> {
        let screen = self.screen();
        (!screen.hide_cursor()).then(|| screen.cursor_position())
    }

    /// DECCKM: cursor keys send SS3 sequences.
    pub fn application_cursor(&self) -> bool {
        self.screen().application_cursor()
    }

    /// Mode 2004: pastes are to be bracketed.
    pub fn bracketed_paste(&self) -> bool {
        self.screen().bracketed_paste()
    }

    pub fn alternate_screen(&self) -> bool {
        self.screen().alternate_screen()
    }

    /// Rows scrolled off the top of the main screen, oldest first.
    pub fn scrollback(&self) -> &Scrollback {
        &self.parser.callbacks().scrollback
    }

    /// Forgets the scrollback (the screen is untouched).
    pub fn clear_scrollback(&mut self) {
        self.parser.callbacks_mut().scrollback.clear();
    }

    /// Total rows ever scrolled off the main screen (monotonic, also counts evicted rows).
    pub fn scrolled_off(&self) -> u64 {
        self.parser.callbacks().scrolled_off
    }

    /// Bells (BEL) received so far.
    pub fn bells(&self) -> u64 {
        self.parser.callbacks().bells
    }

    /// The visible screen as plain text, one line per row (trailing blanks trimmed),
    /// with unsafe characters removed.
    pub fn screen_text(&self) -> String {
        let (_, cols) = self.size();
        let rows: Vec<String> = self
            .screen()
            .rows(0, cols)
            .map(|row| crate::session::view::sanitize(row.trim_end_matches(' ')).into_owned())
            .collect();
        rows.join("\n")
    }

    pub(crate) fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
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

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN)
}

/// vt100 callbacks: only scrolled-off rows and bells are taken; every other callback keeps
/// vt100's default, which does nothing (no replies, titles or clipboard).
struct Capture {
    scrollback: Scrollback,
    scrolled_off: u64,
    bells: u64,
    text: String,
    runs: Vec<StyleRun>,
}

impl vt100::Callbacks for Capture {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells = self.bells.saturating_add(1);
    }

    fn on_scroll(&mut self, contents: vt100::capture::RowContents<'_>, alternate_screen: bool) {
        if alternate_screen {
            return;
        }
        self.scrolled_off = self.scrolled_off.saturating_add(1);
        if self.scrollback.capacity() == 0 {
            return;
        }
        self.text.clear();
        self.runs.clear();
        let mut writer = RowWriter::new(&mut self.text, &mut self.runs);
        let mut state = vt100::capture::BasicFormattedCaptureState::new();
        // Writing into our own buffers cannot fail.
        let _ = contents.write_formatted_basic(&mut writer, &mut state);
        self.scrollback.push(&self.text, &self.runs);
    }
}

/// Turns vt100's "basic formatted" row (text with SGR sequences relative to default
/// attributes) into plain text plus style runs by column.
struct RowWriter<'a> {
    text: &'a mut String,
    runs: &'a mut Vec<StyleRun>,
    style: CellStyle,
    col: u16,
    cell_start: usize,
    cell_width: u16,
    state: SgrState,
    params: [u16; 16],
    nparams: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SgrState {
    Text,
    Esc,
    Params,
}

impl<'a> RowWriter<'a> {
    fn new(text: &'a mut String, runs: &'a mut Vec<StyleRun>) -> Self {
        Self {
            text,
            runs,
            style: CellStyle::default(),
            col: 0,
            cell_start: 0,
            cell_width: 0,
            state: SgrState::Text,
            params: [0; 16],
            nparams: 0,
        }
    }

    fn char(&mut self, c: char) {
        match self.state {
            SgrState::Text if c == '\x1b' => self.state = SgrState::Esc,
            SgrState::Text => self.text_char(c),
            SgrState::Esc if c == '[' => {
                self.state = SgrState::Params;
                self.params = [0; 16];
                self.nparams = 0;
            }
            SgrState::Esc => self.state = SgrState::Text,
            SgrState::Params => match c {
                '0'..='9' => {
                    self.nparams = self.nparams.max(1);
                    let slot = &mut self.params[self.nparams - 1];
                    *slot = slot
                        .saturating_mul(10)
                        .saturating_add(u16::from(c as u8 - b'0'));
                }
                ';' => self.nparams = (self.nparams.max(1) + 1).min(self.params.len()),
                'm' => {
                    self.apply_sgr();
                    self.state = SgrState::Text;
                }
                _ => self.state = SgrState::Text,
            },
        }
    }

    fn text_char(&mut self, c: char) {
        let width = char_width(c);
        if width == 0 && self.cell_width > 0 {
            self.text.push(c);
            if c == '\u{fe0f}'
                && self.cell_width == 1
                && cluster_width(&self.text[self.cell_start..]) == 2
            {
                self.cell_width = 2;
                self.paint(self.col, 1);
                self.col = self.col.saturating_add(1);
            }
            return;
        }
        let width = width.max(1);
        self.cell_start = self.text.len();
        self.cell_width = width;
        self.text.push(c);
        self.paint(self.col, width);
        self.col = self.col.saturating_add(width);
    }

    /// Records that `len` columns from `col` have the current style.
    fn paint(&mut self, col: u16, len: u16) {
        if self.style.is_default() {
            return;
        }
        if let Some(last) = self.runs.last_mut()
            && last.style == self.style
            && last.start.saturating_add(last.len) == col
        {
            last.len = last.len.saturating_add(len);
            return;
        }
        self.runs.push(StyleRun {
            start: col,
            len,
            style: self.style,
        });
    }

    fn apply_sgr(&mut self) {
        let params = &self.params[..self.nparams];
        if params.is_empty() {
            self.style = CellStyle::default();
            return;
        }
        let style = &mut self.style;
        let mut i = 0;
        while i < params.len() {
            let p = params[i];
            i += 1;
            match p {
                0 => *style = CellStyle::default(),
                1 => {
                    style.attrs.set(Attrs::DIM, false);
                    style.attrs.set(Attrs::BOLD, true);
                }
                2 => {
                    style.attrs.set(Attrs::BOLD, false);
                    style.attrs.set(Attrs::DIM, true);
                }
                22 => style.attrs.set(Attrs::BOLD.union(Attrs::DIM), false),
                3 | 23 => style.attrs.set(Attrs::ITALIC, p == 3),
                4 | 24 => style.attrs.set(Attrs::UNDERLINE, p == 4),
                7 | 27 => style.attrs.set(Attrs::INVERSE, p == 7),
                30..=37 => style.fg = Color::Indexed(low_byte(p - 30)),
                90..=97 => style.fg = Color::Indexed(low_byte(p - 82)),
                40..=47 => style.bg = Color::Indexed(low_byte(p - 40)),
                100..=107 => style.bg = Color::Indexed(low_byte(p - 92)),
                39 => style.fg = Color::Default,
                49 => style.bg = Color::Default,
                38 | 48 => {
                    let (color, used) = extended_color(&params[i..]);
                    i += used;
                    if p == 38 {
                        style.fg = color;
                    } else {
                        style.bg = color;
                    }
                }
                _ => {}
            }
        }
    }
}

fn low_byte(n: u16) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// Parses `5;N` or `2;R;G;B` after a 38/48; returns the colour and parameters used.
fn extended_color(params: &[u16]) -> (Color, usize) {
    match params {
        [5, n, ..] => (Color::Indexed(low_byte(*n)), 2),
        [2, r, g, b, ..] => (Color::Rgb(low_byte(*r), low_byte(*g), low_byte(*b)), 4),
        _ => (Color::Default, params.len()),
    }
}

impl fmt::Write for RowWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            self.char(c);
        }
        Ok(())
    }

    fn write_char(&mut self, c: char) -> fmt::Result {
        self.char(c);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::scrollback::Line;

    #[test]
    fn sizes_clamp_and_modes_follow_the_program() {
        let mut emu = Emulator::new(0, 0, 10);
        assert_eq!(emu.size(), (1, 1));
        emu.resize(5, 0);
        assert_eq!(emu.size(), (5, 1));
        emu.resize(4, 20);
        assert_eq!(emu.cursor(), Some((0, 0)));
        emu.feed(b"\x1b[?1h\x1b[?2004h\x1b[?1049h\x1b[?25l\x1b[3;5H\x07");
        assert!(emu.application_cursor() && emu.bracketed_paste() && emu.alternate_screen());
        assert_eq!((emu.cursor(), emu.bells()), (None, 1));
        emu.feed(b"\x1b[?1l\x1b[?2004l\x1b[?1049l\x1b[?25h");
        assert!(!emu.application_cursor() && !emu.bracketed_paste() && !emu.alternate_screen());
        assert_eq!(emu.cursor(), Some((0, 0)));
    }

    #[test]
    fn scrolled_rows_go_to_the_ring_but_not_alternate_ones() {
        let mut emu = Emulator::new(3, 10, 4);
        for i in 1..=8 {
            emu.feed(format!("l{i}\r\n").as_bytes());
        }
        assert_eq!(emu.scrolled_off(), 6);
        let texts: Vec<&str> = emu.scrollback().lines().map(Line::text).collect();
        assert_eq!(texts, ["l3", "l4", "l5", "l6"]);
        assert_eq!(emu.screen_text(), "l7\nl8\n");
        emu.feed(b"\x1b[?1049h");
        for i in 0..10 {
            emu.feed(format!("alt{i}\r\n").as_bytes());
        }
        emu.feed(b"\x1b[?1049l");
        assert_eq!(emu.scrolled_off(), 6);
        // Shrinking pushes the top rows off; growing adds blank rows at the bottom.
        emu.resize(1, 10);
        assert_eq!((emu.scrolled_off(), emu.screen_text().as_str()), (8, ""));
        emu.resize(3, 10);
        assert_eq!(emu.screen_text(), "\n\n");
        emu.clear_scrollback();
        assert!(emu.scrollback().is_empty());
    }

    #[test]
    fn captured_rows_keep_their_styles() {
        let mut emu = Emulator::new(1, 20, 4);
        emu.feed(b"a\x1b[1;31mbc\x1b[22;2;4;44md\x1b[0;3;7;92;104me\x1b[m f");
        emu.feed(b"\x1b[38;5;200;48;2;1;2;3mg\x1b[39;49m\xe4\xb8\xad\x1b[96m\xe2\x9d\xa4\xef\xb8\x8f!\r\n");
        let line = emu.scrollback().line(0).expect("captured row");
        assert_eq!(line.text(), "abcde fg\u{4e2d}\u{2764}\u{fe0f}!");
        let style = |fg, bg, attrs| CellStyle { fg, bg, attrs };
        let runs: Vec<(u16, u16, CellStyle)> =
            line.runs().map(|r| (r.start, r.len, r.style)).collect();
        let (d, i) = (Color::Default, Color::Indexed);
        assert_eq!(
            runs,
            [
                (1, 2, style(i(1), d, Attrs::BOLD)),
                (3, 1, style(i(1), i(4), Attrs::DIM.union(Attrs::UNDERLINE))),
                (
                    4,
                    1,
                    style(i(10), i(12), Attrs::ITALIC.union(Attrs::INVERSE))
                ),
                (7, 1, style(i(200), Color::Rgb(1, 2, 3), Attrs::default())),
                (10, 3, style(i(14), d, Attrs::default())),
            ]
        );
    }

    #[test]
    fn queries_titles_and_clipboard_leave_no_trace() {
        let mut emu = Emulator::new(2, 30, 4);
        emu.feed(b"\x1b]0;title\x07\x1b]52;c;aGk=\x07\x1b]52;c;?\x07\x1b[6n\x1b[21t\x1bP$qm\x1b\\");
        emu.feed(b"\x1b[8;0;0tok\xe2\x80\xae!\x9b31m\xff");
        assert_eq!(emu.size(), (2, 30));
        // Invalid UTF-8 and C1 bytes print nothing; U+202E is dropped.
        assert_eq!(emu.screen_text(), "ok!31m\n");
    }
}
