//! Styles of scrollback text: colours, attributes, style runs, and their compact byte
//! encoding (a one-cell run with a palette colour takes 2 bytes; a stretch of cells that
//! differ only in their palette foreground takes 1 byte a cell).

/// A cell colour as the container asked for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Color {
    /// The host terminal's default colour.
    #[default]
    Default,
    /// One of the 256 palette colours.
    Indexed(u8),
    /// A 24-bit colour.
    Rgb(u8, u8, u8),
}

/// Text attributes packed in 16 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attrs(pub(crate) u16);

impl Attrs {
    pub const BOLD: Self = Self(1);
    pub const DIM: Self = Self(1 << 1);
    pub const ITALIC: Self = Self(1 << 2);
    /// Any underline; the style bits below say which kind when it is not a single line.
    pub const UNDERLINE: Self = Self(1 << 3);
    pub const INVERSE: Self = Self(1 << 4);
    pub const STRIKE: Self = Self(1 << 5);
    pub const HIDDEN: Self = Self(1 << 6);
    pub const BLINK: Self = Self(1 << 7);
    pub const UNDERLINE_DOUBLE: Self = Self(1 << 8);
    pub const UNDERLINE_CURLY: Self = Self(1 << 9);
    pub const UNDERLINE_DOTTED: Self = Self(1 << 10);
    pub const UNDERLINE_DASHED: Self = Self(1 << 11);

    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Sets or clears the bits of `other`.
    pub fn set(&mut self, other: Self, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }

    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// Colours and attributes of one cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellStyle {
    pub fg: Color,
    pub bg: Color,
    /// Underline colour; `Default` follows the foreground.
    pub underline: Color,
    pub attrs: Attrs,
}

impl CellStyle {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// `len` columns starting at column `start` share `style`; columns outside every run are
/// unstyled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StyleRun {
    pub start: u16,
    pub len: u16,
    pub style: CellStyle,
}

impl StyleRun {
    pub(crate) fn end(&self) -> u32 {
        u32::from(self.start) + u32::from(self.len)
    }
}

const FG_SHIFT: u8 = 0;
const BG_SHIFT: u8 = 2;
const HAS_ATTRS: u8 = 1 << 4;
const HAS_GAP: u8 = 1 << 5;
const HAS_LEN: u8 = 1 << 6;
const HAS_UNDERLINE: u8 = 1 << 7;
/// Foreground kind of a strip: one palette byte per cell follows the header fields.
const STRIP: u8 = 3;

fn kind(c: Color) -> u8 {
    match c {
        Color::Default => 0,
        Color::Indexed(_) => 1,
        Color::Rgb(..) => 2,
    }
}

/// Small numbers in one byte: below 192 as themselves, then two bytes up to 16 575, then a
/// marker and two bytes.
fn push_varint(out: &mut Vec<u8>, n: u32) {
    let n = u16::try_from(n).unwrap_or(u16::MAX);
    if n < 192 {
        out.push(u8::try_from(n).unwrap_or(0));
    } else if n < 192 + 63 * 256 {
        let m = n - 192;
        out.extend_from_slice(&[
            192 + u8::try_from(m >> 8).unwrap_or(0),
            u8::try_from(m & 0xff).unwrap_or(0),
        ]);
    } else {
        out.push(0xff);
        out.extend_from_slice(&n.to_le_bytes());
    }
}

fn push_color(out: &mut Vec<u8>, color: Color) {
    match color {
        Color::Default => {}
        Color::Indexed(i) => out.push(i),
        Color::Rgb(r, g, b) => out.extend_from_slice(&[r, g, b]),
    }
}

/// Writes one header and its fields; `strip` is the palette foreground of each cell of a
/// strip (then `style.fg` is ignored and `len` is `strip.len()`).
fn encode(out: &mut Vec<u8>, gap: u16, len: u16, style: &CellStyle, strip: Option<&[u8]>) {
    let fg_kind = if strip.is_some() {
        STRIP
    } else {
        kind(style.fg)
    };
    let mut header = fg_kind << FG_SHIFT | kind(style.bg) << BG_SHIFT;
    for (on, bit) in [
        (!style.attrs.is_empty(), HAS_ATTRS),
        (gap != 0, HAS_GAP),
        (len != 1, HAS_LEN),
        (style.underline != Color::Default, HAS_UNDERLINE),
    ] {
        if on {
            header |= bit;
        }
    }
    out.push(header);
    if gap != 0 {
        push_varint(out, u32::from(gap));
    }
    if len != 1 {
        push_varint(out, u32::from(len));
    }
    if strip.is_none() {
        push_color(out, style.fg);
    }
    push_color(out, style.bg);
    if !style.attrs.is_empty() {
        push_varint(out, u32::from(style.attrs.0));
    }
    if style.underline != Color::Default {
        out.push(kind(style.underline));
        push_color(out, style.underline);
    }
    if let Some(cells) = strip {
        out.extend_from_slice(cells);
    }
}

/// Builds the style bytes of a line cell by cell, merging equal neighbours into runs and
/// neighbours that differ only in their palette foreground into strips.
#[derive(Debug, Default)]
pub(crate) struct RunEncoder {
    /// Column where the last written run ended.
    end: u32,
    /// The open run: its start, its length and its style (`strip` holds the palette
    /// foregrounds when it is a strip).
    open: Option<(u32, u16, CellStyle)>,
    strip: Vec<u8>,
}

impl RunEncoder {
    /// Styles `width` columns from `col` (columns only grow; default styles are gaps).
    pub(crate) fn cell(&mut self, out: &mut Vec<u8>, col: u32, width: u16, style: CellStyle) {
        if let Some((start, len, open)) = &mut self.open {
            if *start + u32::from(*len) == col {
                if self.strip.is_empty() && *open == style && *len < u16::MAX - 2 {
                    *len += width;
                    return;
                }
                let same_but_fg = open.bg == style.bg
                    && open.attrs == style.attrs
                    && open.underline == style.underline;
                let strip_shape =
                    self.strip.len() == usize::from(*len) || (*len == 1 && self.strip.is_empty());
                if let (Color::Indexed(new), Color::Indexed(old)) = (style.fg, open.fg)
                    && same_but_fg
                    && strip_shape
                    && width == 1
                    && *len < 4096
                {
                    if self.strip.is_empty() {
                        self.strip.push(old);
                    }
                    self.strip.push(new);
                    *len += 1;
                    return;
                }
            }
            self.flush(out);
        }
        if !style.is_default() {
            self.open = Some((col, width, style));
        }
    }

    /// Styles `n` cells of `width` columns each from `col`: the same bytes as `n` calls of
    /// [`Self::cell`], with one step for the cells that only lengthen the open run.
    #[inline]
    pub(crate) fn cells(
        &mut self,
        out: &mut Vec<u8>,
        col: u32,
        n: u32,
        width: u16,
        style: CellStyle,
    ) {
        if n == 0 {
            return;
        }
        self.cell(out, col, width, style);
        let mut col = col + u32::from(width);
        let mut left = n - 1;
        while left > 0 {
            if let Some((start, len, open)) = &mut self.open {
                let grown = u32::from(*len) + left * u32::from(width);
                // `cell` lengthens a plain run while it is shorter than `u16::MAX - 2`.
                if self.strip.is_empty()
                    && *open == style
                    && *start + u32::from(*len) == col
                    && grown < u32::from(u16::MAX - 2)
                {
                    *len = u16::try_from(grown).unwrap_or(u16::MAX);
                    return;
                }
            } else if style.is_default() {
                // Default cells are gaps: nothing opens, nothing to write.
                return;
            }
            self.cell(out, col, width, style);
            col += u32::from(width);
            left -= 1;
        }
    }

    /// Forgets the line written so far (keeping the strip's buffer).
    pub(crate) fn reset(&mut self) {
        self.end = 0;
        self.open = None;
        self.strip.clear();
    }

    /// Writes the open run.
    pub(crate) fn flush(&mut self, out: &mut Vec<u8>) {
        let Some((start, len, style)) = self.open.take() else {
            return;
        };
        let gap = u16::try_from(start.saturating_sub(self.end)).unwrap_or(u16::MAX);
        if self.strip.len() >= 2 {
            encode(out, gap, len, &style, Some(&self.strip));
        } else {
            encode(out, gap, len, &style, None);
        }
        self.strip.clear();
        self.end = start + u32::from(len);
    }
}

/// Iterator returned by [`Line::runs`](super::scrollback::Line::runs); stops at the first
/// malformed byte. A strip comes out as one-cell runs.
#[derive(Clone, Debug)]
pub struct Runs<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) end: u32,
    strip_left: u16,
    strip_style: CellStyle,
}

impl<'a> Runs<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            end: 0,
            strip_left: 0,
            strip_style: CellStyle::default(),
        }
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    fn varint(&mut self) -> Option<u16> {
        let first = self.byte()?;
        Some(match first {
            0..192 => u16::from(first),
            0xff => u16::from_le_bytes([self.byte()?, self.byte()?]),
            _ => 192 + (u16::from(first - 192) << 8 | u16::from(self.byte()?)),
        })
    }

    fn color(&mut self, kind: u8) -> Option<Color> {
        Some(match kind {
            0 => Color::Default,
            1 => Color::Indexed(self.byte()?),
            _ => Color::Rgb(self.byte()?, self.byte()?, self.byte()?),
        })
    }

    fn strip_cell(&mut self) -> Option<StyleRun> {
        self.strip_left -= 1;
        let fg = Color::Indexed(self.byte()?);
        let start = u16::try_from(self.end).ok()?;
        self.end += 1;
        Some(StyleRun {
            start,
            len: 1,
            style: CellStyle {
                fg,
                ..self.strip_style
            },
        })
    }
}

impl Iterator for Runs<'_> {
    type Item = StyleRun;

    fn next(&mut self) -> Option<StyleRun> {
        if self.strip_left > 0 {
            return self.strip_cell();
        }
        let header = self.byte()?;
        let gap = if header & HAS_GAP == 0 {
            0
        } else {
            self.varint()?
        };
        let len = if header & HAS_LEN == 0 {
            1
        } else {
            self.varint()?
        };
        let fg_kind = header >> FG_SHIFT & 3;
        let fg = if fg_kind == STRIP {
            Color::Default
        } else {
            self.color(fg_kind)?
        };
        let bg = self.color(header >> BG_SHIFT & 3)?;
        let attrs = Attrs(if header & HAS_ATTRS == 0 {
            0
        } else {
            self.varint()?
        });
        let underline = if header & HAS_UNDERLINE == 0 {
            Color::Default
        } else {
            let kind = self.byte()?;
            self.color(kind)?
        };
        let style = CellStyle {
            fg,
            bg,
            underline,
            attrs,
        };
        let start = u16::try_from(self.end + u32::from(gap)).ok()?;
        if fg_kind == STRIP {
            self.end = u32::from(start);
            self.strip_left = len;
            self.strip_style = style;
            return if len == 0 { None } else { self.strip_cell() };
        }
        self.end = u32::from(start) + u32::from(len);
        Some(StyleRun { start, len, style })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fg(i: u8) -> CellStyle {
        CellStyle {
            fg: Color::Indexed(i),
            ..CellStyle::default()
        }
    }

    #[test]
    fn a_palette_colour_per_cell_costs_one_byte_a_cell() {
        let mut out = Vec::new();
        let mut enc = RunEncoder::default();
        for col in 0..200_u8 {
            enc.cell(&mut out, u32::from(col), 1, fg(col));
        }
        enc.flush(&mut out);
        assert_eq!(out.len(), 203);
        let runs: Vec<StyleRun> = Runs::new(&out).collect();
        assert_eq!(runs.len(), 200);
        assert!(
            runs.iter()
                .enumerate()
                .all(|(i, r)| usize::from(r.start) == i
                    && r.len == 1
                    && r.style == fg(u8::try_from(r.start).unwrap_or(0)))
        );
    }

    #[test]
    fn cells_in_bulk_write_what_cells_one_by_one_write() {
        let bold = CellStyle {
            attrs: Attrs::BOLD,
            ..fg(4)
        };
        // (cells, width, style) groups, including strips and runs near the length limit.
        let groups = [
            (3, 1, fg(1)),
            (1, 1, fg(2)),
            (4, 1, fg(2)),
            (2, 2, bold),
            (5, 1, CellStyle::default()),
            (1, 1, fg(7)),
            (1, 1, fg(8)),
            (3, 2, fg(8)),
            (40_000, 1, bold),
            (30_000, 1, bold),
            (2, 1, fg(9)),
        ];
        let (mut bulk, mut single) = (Vec::new(), Vec::new());
        let (mut a, mut b) = (RunEncoder::default(), RunEncoder::default());
        let mut col = 0_u32;
        for (n, width, style) in groups {
            a.cells(&mut bulk, col, n, width, style);
            for _ in 0..n {
                b.cell(&mut single, col, width, style);
                col += u32::from(width);
            }
        }
        a.flush(&mut bulk);
        b.flush(&mut single);
        assert_eq!(bulk, single);
        assert!(Runs::new(&bulk).count() > 5);
    }

    #[test]
    fn runs_strips_and_gaps_round_trip() {
        let bold = CellStyle {
            attrs: Attrs::BOLD.union(Attrs::UNDERLINE_CURLY),
            underline: Color::Rgb(1, 2, 3),
            ..fg(3)
        };
        let mut out = Vec::new();
        let mut enc = RunEncoder::default();
        enc.cell(&mut out, 2, 1, bold);
        enc.cell(&mut out, 3, 2, bold);
        enc.cell(&mut out, 5, 1, CellStyle::default());
        enc.cell(&mut out, 8, 1, fg(1));
        enc.cell(&mut out, 9, 1, fg(2));
        enc.cell(&mut out, 10, 1, fg(2));
        enc.flush(&mut out);
        let runs: Vec<(u16, u16, CellStyle)> =
            Runs::new(&out).map(|r| (r.start, r.len, r.style)).collect();
        assert_eq!(
            runs,
            [(2, 3, bold), (8, 1, fg(1)), (9, 1, fg(2)), (10, 1, fg(2))]
        );
    }
}
