//! Copies engine rows into the scrollback ring: cells to text and style runs, scanning only
//! the columns that may hold something, trailing blanks dropped, unsafe characters replaced.

use alacritty_terminal::grid::Row;
use alacritty_terminal::index::Column;
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::vte::ansi::{Color as EngineColor, NamedColor};

use crate::session::scrollback::{Attrs, CellStyle, Color, Scrollback};
use crate::session::view::is_unsafe_char;

/// Blink has no flag of its own in the engine; we keep it in this unused bit.
pub(crate) const BLINK: Flags = Flags::from_bits_retain(1 << 15);
/// Zero-width characters kept per cell; more are dropped.
pub(crate) const MAX_ZEROWIDTH: usize = 8;

/// Flags that make even a space visible.
const VISIBLE_BLANK: Flags = Flags::INVERSE
    .union(Flags::ALL_UNDERLINES)
    .union(Flags::STRIKEOUT);

/// A cell that shows nothing: a space or tab on the default background, no marks.
pub(crate) fn is_blank(cell: &Cell) -> bool {
    (cell.c == ' ' || cell.c == '\t')
        && cell.bg == EngineColor::Named(NamedColor::Background)
        && !cell.flags.intersects(VISIBLE_BLANK)
        && cell.zerowidth().is_none_or(<[char]>::is_empty)
}

/// Appends `row` to the ring as one captured row; `extent` bounds the columns that may hold
/// something. `wrapped` forces the row to continue into the next one.
pub(crate) fn capture_row(ring: &mut Scrollback, row: &Row<Cell>, extent: usize, wrapped: bool) {
    if !ring.begin_row() {
        return;
    }
    let cols = row.len();
    let wrapped = wrapped || cols > 0 && row[Column(cols - 1)].flags.contains(Flags::WRAPLINE);
    let mut end = if wrapped { cols } else { extent.min(cols) };
    if !wrapped {
        while end > 0 && is_blank(&row[Column(end - 1)]) {
            end -= 1;
        }
    }
    let mut zerowidth = ['\0'; MAX_ZEROWIDTH];
    for cell in &row[Column(0)..Column(end)] {
        if cell
            .flags
            .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
        {
            continue;
        }
        let width = if cell.flags.contains(Flags::WIDE_CHAR) {
            2
        } else {
            1
        };
        let c = match cell.c {
            '\t' => ' ',
            c if is_unsafe_char(c) => '\u{fffd}',
            c => c,
        };
        let mut n = 0;
        for &z in cell.zerowidth().unwrap_or(&[]) {
            if n < MAX_ZEROWIDTH && !is_unsafe_char(z) {
                zerowidth[n] = z;
                n += 1;
            }
        }
        let mut style = cell_style(cell);
        if c == ' ' && !cell.flags.intersects(VISIBLE_BLANK) {
            // A foreground colour on a space shows nothing.
            style.fg = Color::Default;
            style.attrs = Attrs::default();
        }
        ring.cell(c, &zerowidth[..n], width, style);
    }
    ring.end_row(wrapped);
}

/// Our style for an engine cell.
pub(crate) fn cell_style(cell: &Cell) -> CellStyle {
    let flags = cell.flags;
    let plain = Flags::WIDE_CHAR | Flags::WRAPLINE;
    if (flags - plain).is_empty()
        && cell.fg == EngineColor::Named(NamedColor::Foreground)
        && cell.bg == EngineColor::Named(NamedColor::Background)
        && cell.extra.is_none()
    {
        return CellStyle::default();
    }
    let mut attrs = Attrs::default();
    for (flag, attr) in [
        (Flags::BOLD, Attrs::BOLD),
        (Flags::DIM, Attrs::DIM),
        (Flags::ITALIC, Attrs::ITALIC),
        (Flags::INVERSE, Attrs::INVERSE),
        (Flags::STRIKEOUT, Attrs::STRIKE),
        (Flags::HIDDEN, Attrs::HIDDEN),
        (BLINK, Attrs::BLINK),
        (Flags::ALL_UNDERLINES, Attrs::UNDERLINE),
        (Flags::DOUBLE_UNDERLINE, Attrs::UNDERLINE_DOUBLE),
        (Flags::UNDERCURL, Attrs::UNDERLINE_CURLY),
        (Flags::DOTTED_UNDERLINE, Attrs::UNDERLINE_DOTTED),
        (Flags::DASHED_UNDERLINE, Attrs::UNDERLINE_DASHED),
    ] {
        if flags.intersects(flag) {
            attrs = attrs.union(attr);
        }
    }
    CellStyle {
        fg: color(cell.fg),
        bg: color(cell.bg),
        underline: cell.underline_color().map_or(Color::Default, color),
        attrs,
    }
}

/// Our colour for an engine colour: the 16 named ones become palette indexes, the
/// default, cursor and dim-default ones the host's default.
pub(crate) fn color(c: EngineColor) -> Color {
    match c {
        EngineColor::Spec(rgb) => Color::Rgb(rgb.r, rgb.g, rgb.b),
        EngineColor::Indexed(i) => Color::Indexed(i),
        EngineColor::Named(named) => {
            let n = named as usize;
            let dim = NamedColor::DimBlack as usize;
            match n {
                0..16 => Color::Indexed(u8::try_from(n).unwrap_or(0)),
                _ if (dim..dim + 8).contains(&n) => {
                    Color::Indexed(u8::try_from(n - dim).unwrap_or(0))
                }
                _ => Color::Default,
            }
        }
    }
}
