//! The compact scrollback ring: logical lines (wrapped rows joined) that scrolled off the top
//! of the main screen, kept as text and encoded style runs in two block arenas with 8 bytes
//! of bookkeeping a line. Bounded in captured rows, oldest evicted first, and counted in
//! rows at the current width so that it reflows when the tab is resized.

use std::collections::VecDeque;

pub use super::line::{Cells, Line, LineCell};
use super::style::RunEncoder;
pub use super::style::{Attrs, CellStyle, Color, StyleRun};

/// Bytes of one arena block; a longer line gets a block of its own size.
const BLOCK: usize = 16 * 1024;
/// A logical line is closed (the next row starts a new one) once it holds this many text
/// or style bytes, columns or rows.
const MAX_LINE_BYTES: usize = 60_000;
const MAX_LINE_COLS: u32 = 32_000;
const MAX_LINE_ROWS: u16 = 16_000;

const ROWS_MASK: u16 = 0x3fff;
const NEW_TEXT_BLOCK: u16 = 1 << 14;
const NEW_STYLE_BLOCK: u16 = 1 << 15;
const WIDE: u16 = 1 << 15;

/// Bookkeeping of one committed line: byte lengths in the arenas, columns (top bit: holds a
/// wide character), rows captured and whether its bytes start a new block.
#[derive(Clone, Copy, Debug)]
struct Meta {
    text: u16,
    styles: u16,
    cols: u16,
    bits: u16,
}

impl Meta {
    fn cols(self) -> u16 {
        self.cols & !WIDE
    }

    fn rows(self) -> u16 {
        self.bits & ROWS_MASK
    }
}

/// The logical line still being captured: its last row wrapped, so the next row that
/// scrolls off continues it.
#[derive(Debug, Default)]
struct Pending {
    active: bool,
    text: String,
    styles: Vec<u8>,
    enc: RunEncoder,
    cols: u32,
    rows: u16,
    wide: bool,
}

/// Bounded ring of scrolled-off logical lines; line 0 is the oldest.
#[derive(Debug)]
pub struct Scrollback {
    metas: VecDeque<Meta>,
    text_blocks: VecDeque<String>,
    style_blocks: VecDeque<Vec<u8>>,
    /// Offsets of the oldest line's bytes in the first blocks.
    text_head: usize,
    style_head: usize,
    pending: Pending,
    /// Limit on the rows held, counted as captured.
    capacity: usize,
    captured_rows: usize,
    /// The width rows are counted at, and the count.
    width: u16,
    rows_at_width: usize,
}

/// Position of one line inside the arenas.
#[derive(Clone, Copy, Debug)]
struct Pos {
    line: usize,
    text_block: usize,
    text_off: usize,
    style_block: usize,
    style_off: usize,
}

impl Scrollback {
    /// A ring holding at most `capacity_rows` rows, counted at the width they scrolled off.
    pub fn new(capacity_rows: usize) -> Self {
        Self {
            metas: VecDeque::new(),
            text_blocks: VecDeque::new(),
            style_blocks: VecDeque::new(),
            text_head: 0,
            style_head: 0,
            pending: Pending::default(),
            capacity: capacity_rows,
            captured_rows: 0,
            width: 80,
            rows_at_width: 0,
        }
    }

    /// Rows available to scroll back at the current width.
    pub fn len(&self) -> usize {
        self.rows_at_width
    }

    pub fn is_empty(&self) -> bool {
        self.line_count() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Logical lines held, including one still being captured.
    pub fn line_count(&self) -> usize {
        self.metas.len() + usize::from(self.pending.active)
    }

    /// The width rows are counted at.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Counts rows at `width` columns from now on.
    pub fn set_width(&mut self, width: u16) {
        let width = width.max(2);
        if width == self.width {
            return;
        }
        self.width = width;
        self.rows_at_width = self.lines().map(|l| l.rows(width)).sum();
    }

    /// The `i`th logical line, 0 being the oldest held.
    pub fn line(&self, i: usize) -> Option<Line<'_>> {
        if i >= self.line_count() {
            return None;
        }
        if i >= self.metas.len() {
            return Some(self.pending_line());
        }
        let mut pos = self.front();
        if i > self.metas.len() / 2 {
            pos = self.end();
            while pos.line > i {
                pos = self.prev(pos);
            }
        } else {
            while pos.line < i {
                pos = self.next(pos);
            }
        }
        Some(self.at(pos))
    }

    /// All logical lines, oldest first.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = Line<'_>> {
        LinesIter {
            ring: self,
            pos: self.front(),
            left: self.line_count(),
        }
    }

    /// The rows from `back` rows before the end onwards (at most `max` of them), each as
    /// its logical line and the row's index in that line.
    pub fn rows_from_end(&self, back: usize, max: usize) -> Vec<(Line<'_>, usize)> {
        let back = back.min(self.rows_at_width);
        let want = back.min(max);
        let mut out = Vec::with_capacity(want);
        if back == 0 {
            return out;
        }
        let width = self.width;
        // Walk back to the line holding the first wanted row.
        let mut pending = self.pending.active;
        let mut pos = self.end();
        let mut seen = 0;
        let (first_line, first_row) = loop {
            let line = if pending {
                self.pending_line()
            } else {
                pos = self.prev(pos);
                self.at(pos)
            };
            let rows = line.rows(width);
            seen += rows;
            if seen >= back || (!pending && pos.line == 0) {
                break (pending, seen.saturating_sub(back));
            }
            pending = false;
        };
        let mut row = first_row;
        let mut on_pending = first_line;
        loop {
            let line = if on_pending {
                self.pending_line()
            } else {
                self.at(pos)
            };
            let rows = line.rows(width);
            while row < rows && out.len() < want {
                out.push((line, row));
                row += 1;
            }
            if out.len() >= want || on_pending {
                break;
            }
            row = 0;
            if pos.line + 1 < self.metas.len() {
                pos = self.next(pos);
            } else if self.pending.active {
                on_pending = true;
            } else {
                break;
            }
        }
        out
    }

    /// Forgets every line.
    pub fn clear(&mut self) {
        self.metas = VecDeque::new();
        self.text_blocks = VecDeque::new();
        self.style_blocks = VecDeque::new();
        self.text_head = 0;
        self.style_head = 0;
        self.pending = Pending::default();
        self.captured_rows = 0;
        self.rows_at_width = 0;
    }

    /// Bytes held by the ring's own buffers (capacities, not lengths).
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.metas.capacity() * size_of::<Meta>()
            + self.text_blocks.capacity() * size_of::<String>()
            + self.style_blocks.capacity() * size_of::<Vec<u8>>()
            + self.text_blocks.iter().map(String::capacity).sum::<usize>()
            + self.style_blocks.iter().map(Vec::capacity).sum::<usize>()
            + self.pending.text.capacity()
            + self.pending.styles.capacity()
    }

    /// Starts a row that scrolled off; false when the ring keeps nothing. Cells follow with
    /// [`Self::cell`], then [`Self::end_row`].
    pub(crate) fn begin_row(&mut self) -> bool {
        if self.capacity == 0 {
            return false;
        }
        if self.pending.active {
            self.rows_at_width -= self.pending_line().rows(self.width);
        } else {
            self.pending.active = true;
        }
        true
    }

    /// One cell of the row begun: its character, zero-width characters, width and style.
    pub(crate) fn cell(&mut self, c: char, zerowidth: &[char], width: u16, style: CellStyle) {
        let p = &mut self.pending;
        p.text.push(c);
        p.text.extend(zerowidth);
        p.enc.cell(&mut p.styles, p.cols, width, style);
        p.cols += u32::from(width);
        p.wide |= width > 1;
    }

    /// The text of the row begun, for a caller that writes cells in bulk: it appends each
    /// cell's character and zero-width characters here, then states their columns and
    /// style with [`Self::styled_cells`].
    #[inline]
    pub(crate) fn row_text(&mut self) -> &mut String {
        &mut self.pending.text
    }

    /// `n` cells of `width` columns each, in `style`, whose text went to [`Self::row_text`];
    /// the same as `n` calls of [`Self::cell`].
    #[inline]
    pub(crate) fn styled_cells(&mut self, n: u32, width: u16, style: CellStyle) {
        let p = &mut self.pending;
        p.enc.cells(&mut p.styles, p.cols, n, width, style);
        p.cols += n * u32::from(width);
        p.wide |= width > 1 && n > 0;
    }

    /// Ends the row begun; `wrapped` says the next row continues the same logical line.
    pub(crate) fn end_row(&mut self, wrapped: bool) {
        let p = &mut self.pending;
        p.rows += 1;
        self.captured_rows += 1;
        let full = p.text.len() >= MAX_LINE_BYTES
            || p.styles.len() >= MAX_LINE_BYTES
            || p.cols >= MAX_LINE_COLS
            || p.rows >= MAX_LINE_ROWS
            || usize::from(p.rows) >= self.capacity;
        self.rows_at_width += self.pending_line().rows(self.width);
        if !wrapped || full {
            self.commit();
        }
        self.evict();
    }

    /// Appends one row given as cells of text (a character and any zero-width ones), width
    /// and style.
    pub fn push_row<'c>(
        &mut self,
        cells: impl IntoIterator<Item = (&'c str, u16, CellStyle)>,
        wrapped: bool,
    ) {
        if !self.begin_row() {
            return;
        }
        let mut zerowidth = Vec::new();
        for (symbol, width, style) in cells {
            let mut chars = symbol.chars();
            let Some(first) = chars.next() else {
                continue;
            };
            zerowidth.clear();
            zerowidth.extend(chars);
            self.cell(first, &zerowidth, width, style);
        }
        self.end_row(wrapped);
    }

    fn pending_line(&self) -> Line<'_> {
        Line {
            text: &self.pending.text,
            styles: &self.pending.styles,
            cols: u16::try_from(self.pending.cols).unwrap_or(u16::MAX),
            wide: self.pending.wide,
        }
    }

    /// Moves the pending line into the arenas; its buffers are kept for the next line.
    fn commit(&mut self) {
        self.store();
        let p = &mut self.pending;
        p.text.clear();
        p.styles.clear();
        p.enc.reset();
        (p.active, p.cols, p.rows, p.wide) = (false, 0, 0, false);
    }

    fn store(&mut self) {
        let p = &mut self.pending;
        p.enc.flush(&mut p.styles);
        let mut bits = p.rows & ROWS_MASK;
        let mut cut = p.text.len().min(usize::from(u16::MAX));
        while !p.text.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = &p.text[..cut];
        if !text.is_empty() {
            let room = self
                .text_blocks
                .back()
                .is_some_and(|b| b.capacity() - b.len() >= text.len());
            if !room {
                // A full block gives back the tail no line fits in.
                if let Some(full) = self.text_blocks.back_mut() {
                    full.shrink_to_fit();
                }
                // The first block is where the front starts: only a later one is marked.
                if !self.text_blocks.is_empty() {
                    bits |= NEW_TEXT_BLOCK;
                }
                self.text_blocks
                    .push_back(String::with_capacity(BLOCK.max(text.len())));
            }
            if let Some(block) = self.text_blocks.back_mut() {
                block.push_str(text);
            }
        }
        let styles = &p.styles[..p.styles.len().min(usize::from(u16::MAX))];
        if !styles.is_empty() {
            let room = self
                .style_blocks
                .back()
                .is_some_and(|b| b.capacity() - b.len() >= styles.len());
            if !room {
                if let Some(full) = self.style_blocks.back_mut() {
                    full.shrink_to_fit();
                }
                if !self.style_blocks.is_empty() {
                    bits |= NEW_STYLE_BLOCK;
                }
                self.style_blocks
                    .push_back(Vec::with_capacity(BLOCK.max(styles.len())));
            }
            if let Some(block) = self.style_blocks.back_mut() {
                block.extend_from_slice(styles);
            }
        }
        let cols = u16::try_from(p.cols.min(MAX_LINE_COLS)).unwrap_or(0);
        if self.metas.len() == self.metas.capacity() {
            let grow = self.metas.len().clamp(64, 1024);
            self.metas.reserve_exact(grow);
        }
        self.metas.push_back(Meta {
            text: u16::try_from(text.len()).unwrap_or(u16::MAX),
            styles: u16::try_from(styles.len()).unwrap_or(u16::MAX),
            cols: if p.wide { cols | WIDE } else { cols },
            bits,
        });
    }

    /// Drops the oldest lines while more rows are held than the capacity allows.
    fn evict(&mut self) {
        while self.captured_rows > self.capacity {
            let Some(meta) = self.metas.front().copied() else {
                break;
            };
            let line = self.at(self.front());
            self.rows_at_width -= line.rows(self.width);
            self.captured_rows -= usize::from(meta.rows());
            self.metas.pop_front();
            self.text_head += usize::from(meta.text);
            self.style_head += usize::from(meta.styles);
            if self.text_blocks.len() > 1
                && self
                    .text_blocks
                    .front()
                    .is_some_and(|b| self.text_head >= b.len())
            {
                self.text_blocks.pop_front();
                self.text_head = 0;
                if let Some(m) = self.metas.iter_mut().find(|m| m.bits & NEW_TEXT_BLOCK != 0) {
                    m.bits &= !NEW_TEXT_BLOCK;
                }
            }
            if self.style_blocks.len() > 1
                && self
                    .style_blocks
                    .front()
                    .is_some_and(|b| self.style_head >= b.len())
            {
                self.style_blocks.pop_front();
                self.style_head = 0;
                if let Some(m) = self
                    .metas
                    .iter_mut()
                    .find(|m| m.bits & NEW_STYLE_BLOCK != 0)
                {
                    m.bits &= !NEW_STYLE_BLOCK;
                }
            }
        }
    }

    fn front(&self) -> Pos {
        Pos {
            line: 0,
            text_block: 0,
            text_off: self.text_head,
            style_block: 0,
            style_off: self.style_head,
        }
    }

    /// The position just past the last committed line.
    fn end(&self) -> Pos {
        Pos {
            line: self.metas.len(),
            text_block: self.text_blocks.len().saturating_sub(1),
            text_off: self.text_blocks.back().map_or(0, String::len),
            style_block: self.style_blocks.len().saturating_sub(1),
            style_off: self.style_blocks.back().map_or(0, Vec::len),
        }
    }

    fn next(&self, mut pos: Pos) -> Pos {
        if let Some(meta) = self.metas.get(pos.line) {
            pos.text_off += usize::from(meta.text);
            pos.style_off += usize::from(meta.styles);
        }
        pos.line += 1;
        if let Some(meta) = self.metas.get(pos.line) {
            if meta.bits & NEW_TEXT_BLOCK != 0 {
                pos.text_block += 1;
                pos.text_off = 0;
            }
            if meta.bits & NEW_STYLE_BLOCK != 0 {
                pos.style_block += 1;
                pos.style_off = 0;
            }
        }
        pos
    }

    fn prev(&self, mut pos: Pos) -> Pos {
        if let Some(meta) = self.metas.get(pos.line) {
            if meta.bits & NEW_TEXT_BLOCK != 0 {
                pos.text_block = pos.text_block.saturating_sub(1);
                pos.text_off = self.text_blocks.get(pos.text_block).map_or(0, String::len);
            }
            if meta.bits & NEW_STYLE_BLOCK != 0 {
                pos.style_block = pos.style_block.saturating_sub(1);
                pos.style_off = self.style_blocks.get(pos.style_block).map_or(0, Vec::len);
            }
        }
        pos.line = pos.line.saturating_sub(1);
        if let Some(meta) = self.metas.get(pos.line) {
            pos.text_off = pos.text_off.saturating_sub(usize::from(meta.text));
            pos.style_off = pos.style_off.saturating_sub(usize::from(meta.styles));
        }
        pos
    }

    fn at(&self, pos: Pos) -> Line<'_> {
        let Some(meta) = self.metas.get(pos.line) else {
            return self.pending_line();
        };
        let text = self
            .text_blocks
            .get(pos.text_block)
            .and_then(|b| b.get(pos.text_off..pos.text_off + usize::from(meta.text)))
            .unwrap_or("");
        let styles = self
            .style_blocks
            .get(pos.style_block)
            .and_then(|b| b.get(pos.style_off..pos.style_off + usize::from(meta.styles)))
            .unwrap_or(&[]);
        Line {
            text,
            styles,
            cols: meta.cols(),
            wide: meta.cols & WIDE != 0,
        }
    }
}

struct LinesIter<'a> {
    ring: &'a Scrollback,
    pos: Pos,
    left: usize,
}

impl<'a> Iterator for LinesIter<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let line = self.ring.at(self.pos);
        self.pos = self.ring.next(self.pos);
        Some(line)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for LinesIter<'_> {}

#[cfg(test)]
#[path = "scrollback_tests.rs"]
mod tests;
