//! The ratatui widget that draws an [`Emulator`]: the live screen, or scrollback lines on top
//! with the screen pushed down, clipped to the given area, with an optional reversed cursor.

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::widgets::Widget;

use alacritty_terminal::grid::Row;
use alacritty_terminal::index::Line as GridLine;
use alacritty_terminal::term::cell::{Cell as EngineCell, Flags};

use crate::session::capture::{self, BLINK};
pub use crate::session::chars::is_unsafe_char;
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
        let history = sb.rows_from_end(back, usize::from(area.height));
        let grid = self.emulator.term().grid();
        let (screen_rows, _) = self.emulator.size();
        let width = sb.width();
        let mut symbol = String::new();
        for y in 0..area.height {
            let start = buf.index_of(area.x, area.y + y);
            let out = &mut buf.content[start..start + usize::from(area.width)];
            let row = usize::from(y);
            if row < back {
                if let Some((line, r)) = history.get(row) {
                    draw_line(*line, width, *r, out);
                    continue;
                }
            } else if let Some(screen_row) =
                u16::try_from(row - back).ok().filter(|r| *r < screen_rows)
            {
                let line = GridLine(i32::from(screen_row));
                draw_screen_row(&grid[line], out, &mut symbol);
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

/// Draws screen row `row` of `emu` into `out` (one buffer line) as the widget draws it on
/// the live screen.
pub fn draw_row(emu: &Emulator, row: u16, out: &mut [Cell]) {
    if row < emu.size().0 {
        let grid = emu.term().grid();
        draw_screen_row(&grid[GridLine(i32::from(row))], out, &mut String::new());
    } else {
        blank(out);
    }
}

/// Draws one engine row into `out`, one buffer line.
fn draw_screen_row(row: &Row<EngineCell>, out: &mut [Cell], symbol: &mut String) {
    let width = row.len().min(out.len());
    let cells = &row[..];
    let mut x = 0;
    while x < width {
        let cell = &cells[x];
        let (fg, bg, modifier, underline) = engine_style(cell);
        styled(&mut out[x], fg, bg, modifier, underline);
        if cell.flags.contains(Flags::WIDE_CHAR) {
            if x + 1 < width {
                set_symbol(&mut out[x], cell, symbol);
                styled(&mut out[x + 1], fg, bg, modifier, underline);
            }
            x += 2;
            continue;
        }
        if !cell
            .flags
            .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
        {
            set_symbol(&mut out[x], cell, symbol);
        }
        x += 1;
    }
    let x = x.min(out.len());
    blank(&mut out[x..]);
}

fn set_symbol(out: &mut Cell, cell: &EngineCell, buf: &mut String) {
    let c = cell.c;
    let zerowidth = cell.zerowidth().unwrap_or(&[]);
    if zerowidth.is_empty() {
        match c {
            ' ' | '\t' => {}
            c if is_unsafe_char(c) => {
                out.set_char('\u{fffd}');
            }
            c => {
                out.set_char(c);
            }
        }
        return;
    }
    buf.clear();
    buf.push(if is_unsafe_char(c) || c == '\t' {
        ' '
    } else {
        c
    });
    buf.extend(
        zerowidth
            .iter()
            .take(capture::MAX_ZEROWIDTH)
            .filter(|z| !is_unsafe_char(**z)),
    );
    out.set_symbol(buf);
}

/// Draws row `row` (at `width` columns) of a scrollback line into `out`.
fn draw_line(line: Line<'_>, width: u16, row: usize, out: &mut [Cell]) {
    let mut x = 0;
    for cell in line.row_cells(width, row) {
        let (col, w) = (usize::from(cell.col), usize::from(cell.width));
        if col + w > out.len() {
            break;
        }
        blank(&mut out[x..col]);
        let (fg, bg, modifier, underline) = our_style(cell.style);
        for c in &mut out[col..col + w] {
            styled(c, fg, bg, modifier, underline);
        }
        if cell.symbol != " " {
            out[col].set_symbol(cell.symbol);
        }
        x = col + w;
    }
    blank(&mut out[x..]);
}

/// A blank cell with the given style; also the hidden second column of a wide character,
/// as ratatui leaves it.
fn styled(out: &mut Cell, fg: Color, bg: Color, modifier: Modifier, underline: Color) {
    out.reset();
    out.fg = fg;
    out.bg = bg;
    out.modifier = modifier;
    out.underline_color = underline;
}

fn blank(out: &mut [Cell]) {
    out.iter_mut().for_each(Cell::reset);
}

fn engine_style(cell: &EngineCell) -> (Color, Color, Modifier, Color) {
    let flags = cell.flags;
    let plain = Flags::WIDE_CHAR
        | Flags::WIDE_CHAR_SPACER
        | Flags::LEADING_WIDE_CHAR_SPACER
        | Flags::WRAPLINE;
    let mut modifier = Modifier::empty();
    if !(flags - plain).is_empty() {
        for (flag, m) in [
            (Flags::BOLD, Modifier::BOLD),
            (Flags::DIM, Modifier::DIM),
            (Flags::ITALIC, Modifier::ITALIC),
            (Flags::ALL_UNDERLINES, Modifier::UNDERLINED),
            (Flags::INVERSE, Modifier::REVERSED),
            (Flags::HIDDEN, Modifier::HIDDEN),
            (Flags::STRIKEOUT, Modifier::CROSSED_OUT),
            (BLINK, Modifier::SLOW_BLINK),
        ] {
            if flags.intersects(flag) {
                modifier |= m;
            }
        }
    }
    let underline = match cell.extra {
        None => Color::Reset,
        Some(_) => cell
            .underline_color()
            .map_or(Color::Reset, |c| our_color(capture::color(c))),
    };
    (
        engine_color(cell.fg),
        engine_color(cell.bg),
        modifier,
        underline,
    )
}

fn engine_color(color: alacritty_terminal::vte::ansi::Color) -> Color {
    our_color(capture::color(color))
}

fn our_style(style: CellStyle) -> (Color, Color, Modifier, Color) {
    let mut modifier = Modifier::empty();
    for (a, m) in [
        (Attrs::BOLD, Modifier::BOLD),
        (Attrs::DIM, Modifier::DIM),
        (Attrs::ITALIC, Modifier::ITALIC),
        (Attrs::UNDERLINE, Modifier::UNDERLINED),
        (Attrs::INVERSE, Modifier::REVERSED),
        (Attrs::HIDDEN, Modifier::HIDDEN),
        (Attrs::STRIKE, Modifier::CROSSED_OUT),
        (Attrs::BLINK, Modifier::SLOW_BLINK),
    ] {
        if style.attrs.contains(a) {
            modifier |= m;
        }
    }
    (
        our_color(style.fg),
        our_color(style.bg),
        modifier,
        our_color(style.underline),
    )
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
