//! The ratatui widget that draws an [`Emulator`]: the live screen, or scrollback lines on top
//! with the screen pushed down, clipped to the given area, with an optional reversed cursor.

use std::borrow::Cow;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::widgets::Widget;

use crate::session::emulator::Emulator;
use crate::session::scrollback::{self, Attrs, CellStyle, Line};

/// Draws one emulator into a ratatui buffer.
#[derive(Debug, Clone, Copy)]
pub struct TerminalView<'a> {
    emulator: &'a Emulator,
    lines_back: usize,
    show_cursor: bool,
}

impl<'a> TerminalView<'a> {
    pub fn new(emulator: &'a Emulator) -> Self {
        Self {
            emulator,
            lines_back: 0,
            show_cursor: false,
        }
    }

    /// 0 shows the live screen; n shows the newest n scrollback lines above the screen,
    /// which is pushed down (clamped to the scrollback held).
    #[must_use]
    pub fn scroll(mut self, lines_back: usize) -> Self {
        self.lines_back = lines_back;
        self
    }

    /// Draws the cursor as a reversed cell (only on the live screen, when visible).
    #[must_use]
    pub fn show_cursor(mut self, on: bool) -> Self {
        self.show_cursor = on;
        self
    }
}

impl Widget for TerminalView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let sb = self.emulator.scrollback();
        let back = self.lines_back.min(sb.len());
        let screen = self.emulator.screen();
        let (screen_rows, cols) = self.emulator.size();
        for y in 0..area.height {
            let start = buf.index_of(area.x, area.y + y);
            let out = &mut buf.content[start..start + usize::from(area.width)];
            let row = usize::from(y);
            if row < back {
                if let Some(line) = sb.line(sb.len() - back + row) {
                    draw_line(line, out);
                    continue;
                }
            } else if let Some(screen_row) =
                u16::try_from(row - back).ok().filter(|r| *r < screen_rows)
            {
                draw_screen_row(screen, (screen_row, cols), out);
                continue;
            }
            blank(out);
        }
        let cursor = if self.show_cursor && back == 0 {
            self.emulator.cursor()
        } else {
            None
        };
        if let Some((row, col)) = cursor.filter(|(r, c)| *r < area.height && *c < area.width) {
            let cell = &mut buf[(area.x + col, area.y + row)];
            cell.modifier.toggle(Modifier::REVERSED);
        }
    }
}

/// Draws screen row `row` (of `cols` columns) into `out`, one buffer line.
fn draw_screen_row(screen: &vt100::Screen, (row, cols): (u16, u16), out: &mut [Cell]) {
    let width = cols.min(u16::try_from(out.len()).unwrap_or(u16::MAX));
    let mut x = 0;
    while x < width {
        let Some(cell) = screen.cell(row, x) else {
            break;
        };
        let (fg, bg, modifier) = vt100_style(cell);
        let i = usize::from(x);
        styled(&mut out[i], fg, bg, modifier);
        x += 1;
        if cell.is_wide() {
            if x < width {
                out[i].set_symbol(&sanitize(cell.contents()));
                styled(&mut out[i + 1], fg, bg, modifier);
                x += 1;
            }
        } else if cell.has_contents() && !cell.is_wide_continuation() {
            out[i].set_symbol(&sanitize(cell.contents()));
        }
    }
    blank(&mut out[usize::from(x)..]);
}

/// Draws a scrollback line into `out`, one buffer line.
fn draw_line(line: &Line, out: &mut [Cell]) {
    let mut x = 0;
    for cell in line.cells() {
        let (col, width) = (usize::from(cell.col), usize::from(cell.width));
        if col + width > out.len() {
            break;
        }
        blank(&mut out[x..col]);
        let (fg, bg, modifier) = our_style(cell.style);
        for c in &mut out[col..col + width] {
            styled(c, fg, bg, modifier);
        }
        out[col].set_symbol(cell.symbol);
        x = col + width;
    }
    blank(&mut out[x..]);
}

/// A blank cell with the given style; also the hidden second column of a wide character,
/// as ratatui leaves it.
fn styled(out: &mut Cell, fg: Color, bg: Color, modifier: Modifier) {
    out.reset();
    out.fg = fg;
    out.bg = bg;
    out.modifier = modifier;
}

fn blank(out: &mut [Cell]) {
    out.iter_mut().for_each(Cell::reset);
}

/// Characters that must never reach the host terminal: C0/C1 controls and DEL, bidi
/// overrides and isolates, and line/paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}'
        )
        || matches!(c, '\u{2066}'..='\u{2069}')
}

/// `s` with unsafe characters removed, or U+FFFD when the first character was unsafe (so
/// that a cell keeps its width). Borrows in the common case.
pub(crate) fn sanitize(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !is_unsafe_char(c) {
            out.push(c);
        } else if scrollback::char_width(c) > 0 {
            out.push('\u{fffd}');
        }
    }
    Cow::Owned(out)
}

fn vt100_style(cell: &vt100::Cell) -> (Color, Color, Modifier) {
    let mut modifier = Modifier::empty();
    for (on, m) in [
        (cell.bold(), Modifier::BOLD),
        (cell.dim(), Modifier::DIM),
        (cell.italic(), Modifier::ITALIC),
        (cell.underline(), Modifier::UNDERLINED),
        (cell.inverse(), Modifier::REVERSED),
    ] {
        if on {
            modifier |= m;
        }
    }
    (
        vt100_color(cell.fgcolor()),
        vt100_color(cell.bgcolor()),
        modifier,
    )
}

fn vt100_color(color: vt100::Color) -> Color {
    match color {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(i) => indexed(i),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

fn our_style(style: CellStyle) -> (Color, Color, Modifier) {
    let mut modifier = Modifier::empty();
    for (a, m) in [
        (Attrs::BOLD, Modifier::BOLD),
        (Attrs::DIM, Modifier::DIM),
        (Attrs::ITALIC, Modifier::ITALIC),
        (Attrs::UNDERLINE, Modifier::UNDERLINED),
        (Attrs::INVERSE, Modifier::REVERSED),
    ] {
        if style.attrs.contains(a) {
            modifier |= m;
        }
    }
    (our_color(style.fg), our_color(style.bg), modifier)
}

fn our_color(color: scrollback::Color) -> Color {
    match color {
        scrollback::Color::Default => Color::Reset,
        scrollback::Color::Indexed(i) => indexed(i),
        scrollback::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

/// Palette colour `i`; the 16 basic ones by name so 16-colour hosts draw them too.
fn indexed(i: u8) -> Color {
    const BASIC: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    BASIC
        .get(usize::from(i))
        .copied()
        .unwrap_or(Color::Indexed(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(view: TerminalView<'_>, area: Rect) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 5));
        buf[(11, 4)].set_symbol("#");
        view.render(area, &mut buf);
        buf
    }

    /// The symbols of row `y` of the 12x5 test buffer.
    fn row_text(buf: &Buffer, y: u16) -> String {
        (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
    }

    #[test]
    fn sanitize_drops_what_must_not_reach_the_host() {
        assert_eq!(sanitize("\u{85}x\u{202e}y\u{200f}"), "\u{fffd}xy");
        assert!(matches!(
            sanitize("plain \u{4e2d}e\u{301}"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn cells_map_colours_attributes_and_wide_chars() {
        let mut emu = Emulator::new(2, 6, 10);
        emu.feed(b"\x1b[1;31;44ma\x1b[0;2;3;4;7;38;5;100;48;2;9;8;7mb\x1b[m\xe4\xb8\xadc\x1b[93mZ");
        let buf = render(TerminalView::new(&emu), Rect::new(0, 0, 8, 3));
        let a = &buf[(0, 0)];
        assert_eq!(
            (a.symbol(), a.fg, a.bg, a.modifier),
            ("a", Color::Red, Color::Blue, Modifier::BOLD)
        );
        let b = &buf[(1, 0)];
        let mods = Modifier::DIM | Modifier::ITALIC | Modifier::UNDERLINED | Modifier::REVERSED;
        assert_eq!(
            (b.fg, b.bg, b.modifier),
            (Color::Indexed(100), Color::Rgb(9, 8, 7), mods)
        );
        assert_eq!(
            (buf[(2, 0)].symbol(), buf[(3, 0)].symbol()),
            ("\u{4e2d}", " ")
        );
        assert_eq!(buf[(4, 0)].symbol(), "c");
        assert_eq!(
            (buf[(5, 0)].symbol(), buf[(5, 0)].fg),
            ("Z", Color::LightYellow)
        );
        assert_eq!(row_text(&buf, 1), "            ");
        // Outside the area nothing is touched; inside but beyond the emulator is blank.
        assert_eq!(buf[(11, 4)].symbol(), "#");
        assert_eq!((buf[(6, 0)].symbol(), buf[(6, 0)].bg), (" ", Color::Reset));
    }

    #[test]
    fn cursor_is_reversed_only_when_asked_and_visible() {
        let mut emu = Emulator::new(3, 5, 10);
        emu.feed(b"ab\x1b[7mc\x1b[m");
        let area = Rect::new(1, 1, 5, 3);
        let plain = render(TerminalView::new(&emu), area);
        assert_eq!(plain[(4, 1)].modifier, Modifier::empty());
        let shown = render(TerminalView::new(&emu).show_cursor(true), area);
        assert_eq!(shown[(4, 1)].modifier, Modifier::REVERSED);
        emu.feed(b"\x1b[D");
        let on_reversed = render(TerminalView::new(&emu).show_cursor(true), area);
        assert_eq!(on_reversed[(3, 1)].modifier, Modifier::empty());
        emu.feed(b"\x1b[?25l");
        let hidden = render(TerminalView::new(&emu).show_cursor(true), area);
        assert_eq!(hidden[(3, 1)].modifier, Modifier::REVERSED);
    }

    #[test]
    fn scrolled_view_puts_styled_history_above_the_screen() {
        let mut emu = Emulator::new(2, 4, 10);
        emu.feed(b"\x1b[32mg\xe4\xb8\xadx\x1b[m\r\n2\r\n3\r\n4");
        assert_eq!(emu.scrollback().len(), 2);
        let area = Rect::new(0, 0, 4, 4);
        let view = TerminalView::new(&emu).show_cursor(true).scroll(5);
        let buf = render(view, area);
        let rows: Vec<String> = (0..4)
            .map(|y| row_text(&buf, y).trim_end().into())
            .collect();
        assert_eq!(rows, ["g\u{4e2d} x", "2", "3", "4"]);
        assert_eq!(
            (buf[(0, 0)].fg, buf[(1, 0)].fg, buf[(3, 0)].fg),
            (Color::Green, Color::Green, Color::Green)
        );
        assert!(
            buf.content
                .iter()
                .all(|c| !c.modifier.contains(Modifier::REVERSED))
        );
        // One line back in a 2-row area: history line "2", then the first screen row.
        let buf = render(TerminalView::new(&emu).scroll(1), Rect::new(0, 0, 3, 2));
        let rows = (row_text(&buf, 0), row_text(&buf, 1));
        assert_eq!((rows.0.trim_end(), rows.1.trim_end()), ("2", "3"));
        // A wide char that does not fit the clip is drawn as a blank.
        let buf = render(TerminalView::new(&emu).scroll(2), Rect::new(0, 0, 2, 1));
        assert_eq!(&row_text(&buf, 0)[..2], "g ");
    }
}
