//! One logical line of the scrollback as stored: text and encoded styles, its cells with
//! their widths and styles, and how it lays out in rows at a given width.

use unicode_width::UnicodeWidthChar as _;

use super::style::{CellStyle, Runs, StyleRun};

/// One logical line of the scrollback: its text (one character and any zero-width ones per
/// cell, blanks as spaces, unsafe characters never stored) and its style runs.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    pub(crate) text: &'a str,
    pub(crate) styles: &'a [u8],
    pub(crate) cols: u16,
    pub(crate) wide: bool,
}

impl<'a> Line<'a> {
    pub fn text(self) -> &'a str {
        self.text
    }

    /// Columns the line takes when not wrapped.
    pub fn width(self) -> u16 {
        self.cols
    }

    /// The style runs, sorted by column.
    pub fn runs(self) -> Runs<'a> {
        Runs::new(self.styles)
    }

    /// The style of column `col`.
    pub fn style_at(self, col: u16) -> CellStyle {
        self.runs()
            .take_while(|r| r.start <= col)
            .find(|r| u32::from(col) < r.end())
            .map_or_else(CellStyle::default, |r| r.style)
    }

    /// The cells of the line in column order, each with its style.
    pub fn cells(self) -> Cells<'a> {
        Cells {
            text: self.text,
            pos: 0,
            col: 0,
            runs: self.runs(),
            run: None,
        }
    }

    /// Rows the line takes at `width` columns (at least 1). A wide character that does not
    /// fit at the end of a row starts the next one.
    pub fn rows(self, width: u16) -> usize {
        let width = usize::from(width.max(2));
        if usize::from(self.cols) <= width {
            return 1;
        }
        if !self.wide {
            return usize::from(self.cols).div_ceil(width).max(1);
        }
        let (mut rows, mut col) = (1, 0);
        for cell in self.cells() {
            if col + usize::from(cell.width) > width {
                rows += 1;
                col = 0;
            }
            col += usize::from(cell.width);
        }
        rows
    }

    /// The cells of row `row` at `width` columns, with `col` relative to the row.
    pub fn row_cells(self, width: u16, row: usize) -> impl Iterator<Item = LineCell<'a>> {
        let width = width.max(2);
        let mut current = 0;
        let mut col = 0_u16;
        let narrow = !self.wide;
        // Narrow lines skip straight to their row.
        let skip_cols = if narrow && self.text.len() == usize::from(self.cols) {
            u16::try_from(row * usize::from(width)).unwrap_or(u16::MAX)
        } else {
            0
        };
        let cells = if skip_cols > 0 {
            current = row;
            let mut cells = Cells {
                text: self.text.get(usize::from(skip_cols)..).unwrap_or(""),
                pos: 0,
                col: skip_cols,
                runs: self.runs(),
                run: None,
            };
            cells.seek_runs(skip_cols);
            cells
        } else {
            self.cells()
        };
        cells
            .map(move |mut cell| {
                if col + cell.width > width {
                    current += 1;
                    col = 0;
                }
                let at = (current, col);
                col += cell.width;
                cell.col = at.1;
                (at.0, cell)
            })
            .skip_while(move |(r, _)| *r < row)
            .take_while(move |(r, _)| *r == row)
            .map(|(_, cell)| cell)
    }
}

/// One cell of a [`Line`]: its first column, its width (1 or 2), its text and its style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCell<'a> {
    pub col: u16,
    pub width: u16,
    pub symbol: &'a str,
    pub style: CellStyle,
}

/// Iterator returned by [`Line::cells`].
pub struct Cells<'a> {
    text: &'a str,
    pos: usize,
    col: u16,
    runs: Runs<'a>,
    run: Option<StyleRun>,
}

impl Cells<'_> {
    fn seek_runs(&mut self, col: u16) {
        while self.run.is_none_or(|r| r.end() <= u32::from(col)) {
            self.run = self.runs.next();
            if self.run.is_none() {
                break;
            }
        }
    }
}

impl<'a> Iterator for Cells<'a> {
    type Item = LineCell<'a>;

    fn next(&mut self) -> Option<LineCell<'a>> {
        let rest = &self.text[self.pos..];
        let (symbol, width) = first_cell(rest)?;
        let col = self.col;
        self.pos += symbol.len();
        self.col = self.col.saturating_add(width);
        self.seek_runs(col);
        let style = match self.run {
            Some(r) if r.start <= col => r.style,
            _ => CellStyle::default(),
        };
        Some(LineCell {
            col,
            width,
            symbol,
            style,
        })
    }
}

/// The first cell of `text` (a character with any zero-width ones after it) and its width.
fn first_cell(text: &str) -> Option<(&str, u16)> {
    let bytes = text.as_bytes();
    // Fast path: a printable ASCII character not followed by a combining one.
    if bytes.first().is_some_and(|b| (0x20..0x7f).contains(b))
        && bytes.get(1).is_none_or(|b| *b < 0x80)
    {
        return Some((&text[..1], 1));
    }
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    let end = chars
        .find(|&(_, c)| char_width(c) > 0)
        .map_or(text.len(), |(i, _)| i);
    Some((&text[..end], char_width(first).max(1)))
}

/// Width of a character that starts a cell (1 or 2, as the engine lays it out), or 0 for a
/// character that joins the previous cell.
pub(crate) fn char_width(c: char) -> u16 {
    match c.width() {
        Some(0) => 0,
        Some(1) | None => 1,
        Some(_) => 2,
    }
}
