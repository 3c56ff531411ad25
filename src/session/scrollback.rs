//! The compact scrollback ring: rows that scrolled off the top of an exec's screen, kept as
//! text plus style runs (not as full-width cells), bounded in lines, oldest evicted first.

use std::collections::VecDeque;

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use super::style::encode_run;
pub use super::style::{Attrs, CellStyle, Color, Runs, StyleRun};

/// One scrolled-off row: its text (blank cells as spaces, trailing unstyled blanks trimmed)
/// and its style runs, varint-encoded (see [`encode_run`]): 2 bytes for a one-cell run with a
/// palette foreground, so even a colour per character stays small.
#[derive(Clone, Debug, Default)]
pub struct Line {
    text: String,
    styles: Vec<u8>,
}

impl Line {
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The style runs, sorted by column.
    pub fn runs(&self) -> Runs<'_> {
        Runs {
            bytes: &self.styles,
            end: 0,
        }
    }

    /// The style of column `col`.
    pub fn style_at(&self, col: u16) -> CellStyle {
        self.runs()
            .take_while(|r| r.start <= col)
            .find(|r| u32::from(col) < r.end())
            .map_or_else(CellStyle::default, |r| r.style)
    }

    /// The cells of the line in column order, each with its style.
    pub fn cells(&self) -> Cells<'_> {
        Cells {
            text: &self.text,
            pos: 0,
            col: 0,
            runs: self.runs(),
            run: None,
        }
    }

    fn heap_bytes(&self) -> usize {
        alloc_size(self.text.capacity()) + alloc_size(self.styles.capacity())
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

impl<'a> Iterator for Cells<'a> {
    type Item = LineCell<'a>;

    fn next(&mut self) -> Option<LineCell<'a>> {
        let rest = &self.text[self.pos..];
        let (symbol, width) = first_cell(rest)?;
        let end = symbol.len();
        let col = self.col;
        self.pos += end;
        self.col = self.col.saturating_add(width);
        while self.run.is_none_or(|r| r.end() <= u32::from(col)) {
            self.run = self.runs.next();
            if self.run.is_none() {
                break;
            }
        }
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
    chars.next()?;
    let end = chars
        .find(|&(_, c)| char_width(c) > 0)
        .map_or(text.len(), |(i, _)| i);
    let symbol = &text[..end];
    Some((symbol, cluster_width(symbol)))
}

/// Width of a character that starts a cell (1 or 2, as vt100 lays it out), or 0 for a
/// character that joins the previous cell.
pub(crate) fn char_width(c: char) -> u16 {
    match c.width() {
        Some(0) => 0,
        Some(1) | None => 1,
        Some(_) => 2,
    }
}

/// Width of a whole cell's text: its first character's, widened by an emoji selector.
pub(crate) fn cluster_width(symbol: &str) -> u16 {
    let base = symbol.chars().next().map_or(1, char_width).max(1);
    if base == 1 && symbol.contains('\u{fe0f}') && symbol.width() > 1 {
        2
    } else {
        base
    }
}

/// Rough size of a heap block of `n` bytes with allocator overhead.
fn alloc_size(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (n + 8).next_multiple_of(16).max(32)
    }
}

/// Bounded ring of scrolled-off lines; index 0 is the oldest.
#[derive(Debug, Default)]
pub struct Scrollback {
    lines: VecDeque<Line>,
    capacity: usize,
    heap: usize,
    scratch: Vec<u8>,
}

impl Scrollback {
    pub fn new(capacity_lines: usize) -> Self {
        Self {
            lines: VecDeque::new(),
            capacity: capacity_lines,
            heap: 0,
            scratch: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The `i`th line, 0 being the oldest held.
    pub fn line(&self, i: usize) -> Option<&Line> {
        self.lines.get(i)
    }

    /// All lines, oldest first.
    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &Line> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Appends a line, evicting the oldest when full. `runs` must be sorted by column and
    /// must not overlap; unsafe characters in `text` are dropped.
    pub fn push(&mut self, text: &str, runs: &[StyleRun]) {
        if self.capacity == 0 {
            return;
        }
        let text = crate::session::view::sanitize(text);
        let text = trim_blank_tail(&text, runs);
        let mut line = if self.lines.len() >= self.capacity {
            let old = self.lines.pop_front().unwrap_or_default();
            self.heap -= old.heap_bytes();
            old
        } else {
            if self.lines.len() == self.lines.capacity() {
                let grow = self
                    .lines
                    .len()
                    .max(64)
                    .min(self.capacity - self.lines.len());
                self.lines.reserve_exact(grow);
            }
            Line::default()
        };
        // Recycled buffers are kept unless much larger than needed.
        if line.text.capacity() > text.len() + text.len() / 4 + 16 {
            line.text = String::new();
        }
        line.text.clear();
        line.text.reserve_exact(text.len());
        line.text.push_str(text);
        self.scratch.clear();
        let mut end = 0_u32;
        for run in runs {
            // Overlapping or unsorted runs are cut to what follows the previous one.
            let start = u32::from(run.start).max(end);
            let Ok(len) = u16::try_from(run.end().saturating_sub(start)) else {
                continue;
            };
            if len > 0 {
                let gap = u16::try_from(start - end).unwrap_or(u16::MAX);
                let start = u16::try_from(start).unwrap_or(u16::MAX);
                encode_run(&mut self.scratch, gap, &StyleRun { start, len, ..*run });
                end = u32::from(start) + u32::from(len);
            }
        }
        if line.styles.capacity() > self.scratch.len() + self.scratch.len() / 4 + 16 {
            line.styles = Vec::new();
        }
        line.styles.clear();
        line.styles.reserve_exact(self.scratch.len());
        line.styles.extend_from_slice(&self.scratch);
        self.heap += line.heap_bytes();
        self.lines.push_back(line);
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.heap = 0;
    }

    /// Estimated bytes held: the ring's slots plus each line's heap blocks.
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.lines.capacity() * size_of::<Line>()
            + self.heap
            + alloc_size(self.scratch.capacity())
    }
}

/// Drops trailing spaces that no style run covers.
fn trim_blank_tail<'t>(text: &'t str, runs: &[StyleRun]) -> &'t str {
    let trimmed = text.trim_end_matches(' ');
    let spaces = text.len() - trimmed.len();
    if spaces == 0 {
        return text;
    }
    let Some(styled_end) = runs.last().map(StyleRun::end) else {
        return trimmed;
    };
    let mut cols = 0_u32;
    let mut rest = text;
    while let Some((symbol, width)) = first_cell(rest) {
        cols += u32::from(width);
        rest = &rest[symbol.len()..];
    }
    let free = usize::try_from(cols.saturating_sub(styled_end)).unwrap_or(usize::MAX);
    &text[..text.len() - spaces.min(free)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const RED: CellStyle = style(Color::Indexed(1), Color::Default, 0);

    const fn style(fg: Color, bg: Color, attrs: u8) -> CellStyle {
        CellStyle {
            fg,
            bg,
            attrs: Attrs(attrs),
        }
    }

    const fn run(start: u16, len: u16, style: CellStyle) -> StyleRun {
        StyleRun { start, len, style }
    }

    fn runs(sb: &Scrollback, i: usize) -> Vec<StyleRun> {
        sb.line(i).map(|l| l.runs().collect()).unwrap_or_default()
    }

    #[test]
    fn ring_is_bounded_and_evicts_oldest() {
        let mut sb = Scrollback::new(3);
        for i in 0..5 {
            sb.push(&format!("line {i}"), &[]);
        }
        assert_eq!((sb.len(), sb.capacity()), (3, 3));
        let texts: Vec<&str> = sb.lines().map(Line::text).collect();
        assert_eq!(
            (texts, sb.line(3).is_none()),
            (vec!["line 2", "line 3", "line 4"], true)
        );
        let mut none = Scrollback::new(0);
        none.push("x", &[]);
        assert!(none.is_empty());
    }

    #[test]
    fn memory_estimate_tracks_lines() {
        let mut sb = Scrollback::new(100);
        let empty = sb.memory_bytes();
        for _ in 0..200 {
            sb.push(&"x".repeat(200), &[run(0, 4, RED)]);
        }
        let full = sb.memory_bytes();
        assert!(
            full > empty + 100 * 200 && full < empty + 100 * 400,
            "{full}"
        );
        sb.clear();
        assert!(sb.memory_bytes() < full - 100 * 200);
    }

    #[test]
    fn runs_round_trip_and_blank_tail_is_trimmed() {
        let mut sb = Scrollback::new(4);
        sb.push("abcd  ", &[run(1, 3, RED)]);
        sb.push("ab  ", &[run(2, 1, RED)]);
        sb.push("plain   ", &[]);
        assert_eq!(
            (sb.line(0).map(Line::text), runs(&sb, 0)),
            (Some("abcd"), vec![run(1, 3, RED)])
        );
        let line = sb.line(0).expect("line");
        assert_eq!(
            (line.style_at(0), line.style_at(3)),
            (CellStyle::default(), RED)
        );
        assert_eq!(sb.line(1).map(Line::text), Some("ab "));
        assert_eq!(sb.line(2).map(Line::text), Some("plain"));
    }

    #[test]
    fn run_encoding_round_trips_and_stays_small() {
        let all = [
            run(0, 1, RED),
            run(1, 300, style(Color::Rgb(1, 2, 3), Color::Indexed(9), 0x11)),
            run(1000, 1, style(Color::Default, Color::Rgb(7, 8, 9), 0)),
            run(65000, 535, RED),
        ];
        let mut sb = Scrollback::new(3);
        sb.push("x", &all);
        assert_eq!(runs(&sb, 0), all);
        // Overlapping runs are cut, empty ones dropped.
        sb.push("x", &[all[1], run(200, 200, RED), all[0]]);
        assert_eq!(runs(&sb, 1), [all[1], run(301, 99, RED)]);
        // A palette colour per character costs 2 bytes a cell.
        let per_char: Vec<StyleRun> = (0..100_u8)
            .map(|i| run(i.into(), 1, style(Color::Indexed(i), Color::Default, 0)))
            .collect();
        sb.push(&"y".repeat(100), &per_char);
        let line = sb.line(2).expect("line");
        assert_eq!((line.styles.len(), line.runs().count()), (200, 100));
        assert_eq!(line.style_at(42).fg, Color::Indexed(42));
    }

    #[test]
    fn cells_carry_columns_widths_and_styles() {
        let mut sb = Scrollback::new(1);
        sb.push("a\u{4e2d}e\u{301}\u{2764}\u{fe0f}z", &[run(1, 2, RED)]);
        let cells: Vec<(u16, u16, &str, bool)> = sb
            .lines()
            .flat_map(Line::cells)
            .map(|c| (c.col, c.width, c.symbol, c.style == RED))
            .collect();
        let expect = [
            (0, 1, "a", false),
            (1, 2, "\u{4e2d}", true),
            (3, 1, "e\u{301}", false),
            (4, 2, "\u{2764}\u{fe0f}", false),
            (6, 1, "z", false),
        ];
        assert_eq!(cells, expect);
    }

    #[test]
    fn unsafe_characters_never_stored() {
        let mut sb = Scrollback::new(2);
        sb.push("a\u{202e}b\x07c\u{9b}d\u{2066}", &[]);
        // Controls take a column in vt100, so they become U+FFFD; zero-width ones vanish.
        assert_eq!(sb.line(0).map(Line::text), Some("ab\u{fffd}c\u{fffd}d"));
    }
}
