//! A tab's text as one document of rows: the scrollback's rows at the current width, then
//! the screen's. Regex search over it (logical lines of the ring, rows of the screen), the
//! text of a selection, and the whole of it as a transcript (plain or with SGR colours).

use std::fmt::Write as _;

use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::Line as GridLine;
use alacritty_terminal::term::cell::Flags;
use regex::Regex;

use super::capture;
use super::chars::is_unsafe_char;
use super::emulator::Emulator;
use super::scrollback::{Attrs, CellStyle, Color, Line, Scrollback};

/// A cell of the document: its row (0 is the oldest scrollback row) and its first column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Point {
    pub row: usize,
    pub col: u16,
}

/// A match: its first and its last cell (both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub start: Point,
    pub end: Point,
}

/// Rows of the document: the scrollback's at the current width, then the screen's.
pub fn rows(emu: &Emulator) -> usize {
    emu.scrollback().len() + usize::from(emu.size().0)
}

/// Rows that ever left the document at its top (evicted from the ring): a row's absolute
/// number is this plus its row, and stays the row's while output goes on.
pub fn evicted(emu: &Emulator) -> u64 {
    emu.scrolled_off()
        .saturating_sub(emu.scrollback().len() as u64)
}

/// Matches of `re` in the ring's logical lines (a match may span wrapped rows), in order.
pub fn find_in_ring(ring: &Scrollback, re: &Regex) -> Vec<Hit> {
    let width = ring.width();
    let mut hits = Vec::new();
    let mut first_row = 0;
    let mut offsets = Vec::new();
    for line in ring.lines() {
        offsets.clear();
        for m in re.find_iter(line.text()).filter(|m| !m.is_empty()) {
            let last = m.as_str().char_indices().last().map_or(0, |(i, _)| i);
            offsets.push(m.start());
            offsets.push(m.start() + last);
        }
        if !offsets.is_empty() {
            let points = locate(line, width, &offsets);
            for pair in points.chunks_exact(2) {
                let at = |(r, c): (usize, u16)| Point {
                    row: first_row + r,
                    col: c,
                };
                hits.push(Hit {
                    start: at(pair[0]),
                    end: at(pair[1]),
                });
            }
        }
        first_row += line.rows(width);
    }
    hits
}

/// Matches of `re` on the screen, row by row, as document points.
pub fn find_on_screen(emu: &Emulator, re: &Regex) -> Vec<Hit> {
    let base = emu.scrollback().len();
    let mut hits = Vec::new();
    for (r, row) in screen_rows(emu).into_iter().enumerate() {
        let (text, cols) = row.text_and_cols();
        for m in re.find_iter(&text).filter(|m| !m.is_empty()) {
            let last = m.start() + m.as_str().char_indices().last().map_or(0, |(i, _)| i);
            let col = |off: usize| cols[cols.partition_point(|(o, _)| *o <= off) - 1].1;
            hits.push(Hit {
                start: Point {
                    row: base + r,
                    col: col(m.start()),
                },
                end: Point {
                    row: base + r,
                    col: col(last),
                },
            });
        }
    }
    hits
}

/// (row, col) at `width` of each byte offset of `line`'s text (offsets in order).
fn locate(line: Line<'_>, width: u16, offsets: &[usize]) -> Vec<(usize, u16)> {
    let width = width.max(2);
    let mut out = Vec::with_capacity(offsets.len());
    let (mut row, mut col, mut pos) = (0_usize, 0_u16, 0_usize);
    let mut want = offsets.iter().peekable();
    for cell in line.cells() {
        if col + cell.width > width {
            row += 1;
            col = 0;
        }
        let end = pos + cell.symbol.len();
        while want.next_if(|o| **o < end).is_some() {
            out.push((row, col));
        }
        pos = end;
        col += cell.width;
    }
    out.extend(want.map(|_| (row, col.saturating_sub(1))));
    out
}

/// One row of the document: its cells (first column, symbol, style) and whether the
/// logical line goes on in the next row.
#[derive(Debug, Default)]
pub struct Row {
    pub cells: Vec<(u16, String, CellStyle)>,
    pub wrapped: bool,
}

impl Row {
    /// The row's text and, for each cell, its byte offset and column.
    fn text_and_cols(&self) -> (String, Vec<(usize, u16)>) {
        let mut text = String::new();
        let mut cols = vec![(0, 0)];
        cols.clear();
        for (col, symbol, _) in &self.cells {
            cols.push((text.len(), *col));
            text.push_str(symbol);
        }
        if cols.is_empty() {
            cols.push((0, 0));
        }
        (text, cols)
    }

    /// The text of columns `from..=to`, blanks at its end trimmed unless it wraps on.
    fn text(&self, from: u16, to: u16) -> String {
        let mut s = String::new();
        let mut col = from;
        for (c, symbol, _) in self.cells.iter().filter(|(c, ..)| (from..=to).contains(c)) {
            while col < *c {
                s.push(' ');
                col += 1;
            }
            s.push_str(symbol);
            col = c + u16::try_from(unicode_width::UnicodeWidthStr::width(symbol.as_str()))
                .unwrap_or(1)
                .max(1);
        }
        if !self.wrapped {
            s.truncate(s.trim_end_matches(' ').len());
        }
        s
    }
}

/// The screen's rows.
fn screen_rows(emu: &Emulator) -> Vec<Row> {
    let grid = emu.term().grid();
    (0..grid.screen_lines())
        .map(|r| {
            let row = &grid[GridLine(i32::try_from(r).unwrap_or(0))];
            let mut out = Row::default();
            for (x, cell) in row[..].iter().enumerate() {
                if cell
                    .flags
                    .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
                {
                    continue;
                }
                let mut symbol = String::new();
                let c = if cell.c == '\t' || is_unsafe_char(cell.c) {
                    ' '
                } else {
                    cell.c
                };
                symbol.push(c);
                symbol.extend(
                    cell.zerowidth()
                        .unwrap_or(&[])
                        .iter()
                        .filter(|z| !is_unsafe_char(**z)),
                );
                let col = u16::try_from(x).unwrap_or(u16::MAX);
                out.cells.push((col, symbol, capture::cell_style(cell)));
            }
            out.wrapped = row[..]
                .last()
                .is_some_and(|c| c.flags.contains(Flags::WRAPLINE));
            out
        })
        .collect()
}

/// Document rows `first..first + count` (fewer at the end).
pub fn doc_rows(emu: &Emulator, first: usize, count: usize) -> Vec<Row> {
    let ring = emu.scrollback();
    let len = ring.len();
    let width = ring.width();
    let mut out = Vec::new();
    if first < len {
        for (line, r) in ring.rows_from_end(len - first, count) {
            out.push(Row {
                cells: line
                    .row_cells(width, r)
                    .map(|c| (c.col, c.symbol.to_owned(), c.style))
                    .collect(),
                wrapped: r + 1 < line.rows(width),
            });
        }
    }
    if out.len() < count {
        let skip = first.saturating_sub(len);
        let want = count - out.len();
        out.extend(screen_rows(emu).into_iter().skip(skip).take(want));
    }
    out
}

/// The text from `from` to `to` (both included, in either order): rows joined by newlines,
/// wrapped rows of one line joined as one.
pub fn selection(emu: &Emulator, a: Point, b: Point) -> String {
    let (from, to) = if a <= b { (a, b) } else { (b, a) };
    let rows = doc_rows(emu, from.row, to.row - from.row + 1);
    let last = rows.len().saturating_sub(1);
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let start = if i == 0 { from.col } else { 0 };
        let end = if i == last { to.col } else { u16::MAX };
        out.push_str(&row.text(start, end));
        if i < last && !row.wrapped {
            out.push('\n');
        }
    }
    out
}

/// Everything the tab holds: each logical line of the ring, then the screen's rows (blank
/// rows at its end left out); with `sgr`, each styled stretch in SGR sequences.
pub fn transcript(emu: &Emulator, sgr: bool) -> String {
    let mut out = String::new();
    for line in emu.scrollback().lines() {
        let cells: Vec<_> = line
            .cells()
            .map(|c| (c.col, c.symbol.to_owned(), c.style))
            .collect();
        push_line(&mut out, &cells, sgr);
    }
    let screen = screen_rows(emu);
    let used = screen
        .iter()
        .rposition(|r| {
            r.cells
                .iter()
                .any(|(_, s, st)| s != " " || !st.is_default())
        })
        .map_or(0, |i| i + 1);
    for row in &screen[..used] {
        push_line(&mut out, &row.cells, sgr);
    }
    out
}

fn push_line(out: &mut String, cells: &[(u16, String, CellStyle)], sgr: bool) {
    let used = cells
        .iter()
        .rposition(|(_, s, st)| s != " " || !st.is_default())
        .map_or(0, |i| i + 1);
    let mut style = CellStyle::default();
    for (_, symbol, st) in &cells[..used] {
        if sgr && *st != style {
            out.push_str(&sgr_of(*st));
            style = *st;
        }
        out.push_str(symbol);
    }
    if sgr && !style.is_default() {
        out.push_str("\x1b[0m");
    }
    out.push('\n');
}

/// The SGR sequence that sets `st` from scratch.
fn sgr_of(st: CellStyle) -> String {
    let mut s = String::from("\x1b[0");
    for (a, code) in [
        (Attrs::BOLD, 1),
        (Attrs::DIM, 2),
        (Attrs::ITALIC, 3),
        (Attrs::UNDERLINE, 4),
        (Attrs::BLINK, 5),
        (Attrs::INVERSE, 7),
        (Attrs::HIDDEN, 8),
        (Attrs::STRIKE, 9),
    ] {
        if st.attrs.contains(a) {
            let _ = write!(s, ";{code}");
        }
    }
    colour(&mut s, st.fg, 30, 90, 38);
    colour(&mut s, st.bg, 40, 100, 48);
    s.push('m');
    s
}

fn colour(out: &mut String, colour: Color, base: u8, bright: u8, extended: u8) {
    let _ = match colour {
        Color::Default => Ok(()),
        Color::Indexed(i @ 0..8) => write!(out, ";{}", base + i),
        Color::Indexed(i @ 8..16) => write!(out, ";{}", bright + i - 8),
        Color::Indexed(i) => write!(out, ";{extended};5;{i}"),
        Color::Rgb(red, green, blue) => write!(out, ";{extended};2;{red};{green};{blue}"),
    };
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
