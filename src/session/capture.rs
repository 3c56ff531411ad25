//! Copies engine rows into the scrollback ring: cells to text and style runs, scanning only
//! the columns that may hold something, trailing blanks dropped, unsafe characters replaced.

use alacritty_terminal::grid::Row;
use alacritty_terminal::index::Column;
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::vte::ansi::{Color as EngineColor, NamedColor};

pub(crate) use crate::session::bounds::MAX_ZEROWIDTH;
use crate::session::chars::is_unsafe_char;
use crate::session::scrollback::{Attrs, CellStyle, Color, Scrollback};

/// Blink has no flag of its own in the engine; we keep it in this unused bit.
pub(crate) const BLINK: Flags = Flags::from_bits_retain(1 << 15);

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

/// Flags that lay a cell out rather than style it.
const LAYOUT: Flags = Flags::WIDE_CHAR
    .union(Flags::WIDE_CHAR_SPACER)
    .union(Flags::LEADING_WIDE_CHAR_SPACER)
    .union(Flags::WRAPLINE);

/// The cells of `row` worth capturing (trailing blanks dropped unless the row wraps) and
/// whether it wraps.
fn captured_cells(row: &Row<Cell>, extent: usize, wrapped: bool) -> (&[Cell], bool) {
    let cols = row.len();
    let wrapped = wrapped || cols > 0 && row[Column(cols - 1)].flags.contains(Flags::WRAPLINE);
    let mut end = if wrapped { cols } else { extent.min(cols) };
    if !wrapped {
        while end > 0 && is_blank(&row[Column(end - 1)]) {
            end -= 1;
        }
    }
    (&row[Column(0)..Column(end)], wrapped)
}

/// The character we store for an engine cell's character.
fn stored_char(c: char) -> char {
    match c {
        '\t' => ' ',
        c if is_unsafe_char(c) => '\u{fffd}',
        c => c,
    }
}

/// A printable ASCII character in the default colours with no marks: stored as it is,
/// unstyled.
fn is_plain_ascii(cell: &Cell) -> bool {
    (' '..='~').contains(&cell.c)
        && cell.fg == EngineColor::Named(NamedColor::Foreground)
        && cell.bg == EngineColor::Named(NamedColor::Background)
        && cell.flags.difference(Flags::WRAPLINE).is_empty()
        && cell.extra.is_none()
}

/// A space shows no foreground colour or text attribute unless a flag makes it visible.
fn blank_style(style: CellStyle) -> CellStyle {
    CellStyle {
        fg: Color::Default,
        attrs: Attrs::default(),
        ..style
    }
}

/// Appends `row` to the ring as one captured row; `extent` bounds the columns that may hold
/// something. `wrapped` forces the row to continue into the next one.
///
/// Neighbouring cells of one style and width reach the ring as one group, and a cell whose
/// engine colours and flags equal its left neighbour's reuses that neighbour's style.
pub(crate) fn capture_row(ring: &mut Scrollback, row: &Row<Cell>, extent: usize, wrapped: bool) {
    if !ring.begin_row() {
        return;
    }
    let (cells, wrapped) = captured_cells(row, extent, wrapped);
    // The open group: cells, width of each, style.
    let (mut n, mut group_width, mut group_style) = (0_u32, 1_u16, CellStyle::default());
    // The last styled cell's engine colours and style flags, and our style for them.
    let mut last: Option<(EngineColor, EngineColor, Flags, CellStyle)> = None;
    for cell in cells {
        if is_plain_ascii(cell) {
            ring.row_text().push(cell.c);
            if n > 0 && group_width == 1 && group_style.is_default() {
                n += 1;
                continue;
            }
            if n > 0 {
                ring.styled_cells(n, group_width, group_style);
            }
            (n, group_width, group_style) = (1, 1, CellStyle::default());
            continue;
        }
        let flags = cell.flags;
        if flags.intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER) {
            continue;
        }
        let width = if flags.contains(Flags::WIDE_CHAR) {
            2
        } else {
            1
        };
        let text = ring.row_text();
        let c = if (' '..='~').contains(&cell.c) {
            cell.c
        } else {
            stored_char(cell.c)
        };
        text.push(c);
        let style_flags = flags.difference(LAYOUT);
        let style = match (&cell.extra, last) {
            // Only the foreground differs from the left neighbour's (or nothing does): with
            // no extra, a cell's style is its colours and its attributes, nothing else.
            (None, Some((fg, bg, f, style))) if bg == cell.bg && f == style_flags => {
                if fg == cell.fg {
                    style
                } else {
                    let style = CellStyle {
                        fg: color(cell.fg),
                        ..style
                    };
                    last = Some((cell.fg, bg, f, style));
                    style
                }
            }
            (None, _) => {
                let style = cell_style(cell);
                last = Some((cell.fg, cell.bg, style_flags, style));
                style
            }
            (Some(_), _) => {
                let zerowidth = cell.zerowidth().unwrap_or(&[]);
                let kept = zerowidth.iter().filter(|&&z| !is_unsafe_char(z));
                text.extend(kept.take(MAX_ZEROWIDTH));
                last = None;
                cell_style(cell)
            }
        };
        let style = if c == ' ' && !flags.intersects(VISIBLE_BLANK) {
            blank_style(style)
        } else {
            style
        };
        if n > 0 && (style != group_style || width != group_width) {
            ring.styled_cells(n, group_width, group_style);
            n = 0;
        }
        if n == 0 {
            (group_width, group_style) = (width, style);
        }
        n += 1;
    }
    ring.styled_cells(n, group_width, group_style);
    ring.end_row(wrapped);
}

/// The same capture as [`capture_row`], one cell at a time: the reference the grouped
/// capture is tested against.
#[cfg(test)]
pub(crate) fn capture_row_per_cell(
    ring: &mut Scrollback,
    row: &Row<Cell>,
    extent: usize,
    wrapped: bool,
) {
    if !ring.begin_row() {
        return;
    }
    let (cells, wrapped) = captured_cells(row, extent, wrapped);
    let mut zerowidth = ['\0'; MAX_ZEROWIDTH];
    for cell in cells {
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
        let c = stored_char(cell.c);
        let mut n = 0;
        for &z in cell.zerowidth().unwrap_or(&[]) {
            if n < MAX_ZEROWIDTH && !is_unsafe_char(z) {
                zerowidth[n] = z;
                n += 1;
            }
        }
        let mut style = cell_style(cell);
        if c == ' ' && !cell.flags.intersects(VISIBLE_BLANK) {
            style = blank_style(style);
        }
        ring.cell(c, &zerowidth[..n], width, style);
    }
    ring.end_row(wrapped);
}

/// Our style for an engine cell. Always inlined: returned through memory, the style is
/// written a byte at a time and read back whole, which stalls the capture loop.
#[allow(clippy::inline_always)]
#[inline(always)]
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
    CellStyle {
        fg: color(cell.fg),
        bg: color(cell.bg),
        underline: cell.underline_color().map_or(Color::Default, color),
        attrs: attrs(flags - plain),
    }
}

/// Our attributes for the engine's style flags.
fn attrs(flags: Flags) -> Attrs {
    let mut attrs = Attrs::default();
    if flags.is_empty() {
        return attrs;
    }
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
    attrs
}

/// Our colour for an engine colour: the 16 named ones become palette indexes, the
/// default, cursor and dim-default ones the host's default.
#[inline]
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

#[cfg(test)]
#[path = "capture_tests.rs"]
mod tests;
