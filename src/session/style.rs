//! Styles of scrollback text: colours, attributes, style runs, and their compact byte
//! encoding (a one-cell run with a palette colour takes 2 bytes).

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

/// Text attributes packed in one byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attrs(pub(crate) u8);

impl Attrs {
    pub const BOLD: Self = Self(1);
    pub const DIM: Self = Self(1 << 1);
    pub const ITALIC: Self = Self(1 << 2);
    pub const UNDERLINE: Self = Self(1 << 3);
    pub const INVERSE: Self = Self(1 << 4);

    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
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

/// Colours and attributes of one cell (9 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellStyle {
    pub fg: Color,
    pub bg: Color,
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

/// Appends `run` to `out`, `gap` columns after the previous run's end. Layout: a header
/// (colour kinds and which fields follow), then gap and len as LEB128 when not 0 and 1, then
/// fg and bg (0, 1 or 3 bytes each) and attrs when not empty.
pub(crate) fn encode_run(out: &mut Vec<u8>, gap: u16, run: &StyleRun) {
    let kind = |c: Color| match c {
        Color::Default => 0,
        Color::Indexed(_) => 1,
        Color::Rgb(..) => 2,
    };
    let style = run.style;
    let mut header = kind(style.fg) << FG_SHIFT | kind(style.bg) << BG_SHIFT;
    for (on, bit) in [
        (style.attrs.0 != 0, HAS_ATTRS),
        (gap != 0, HAS_GAP),
        (run.len != 1, HAS_LEN),
    ] {
        if on {
            header |= bit;
        }
    }
    out.push(header);
    for (on, mut n) in [(gap != 0, gap), (run.len != 1, run.len)] {
        if on {
            while n >= 0x80 {
                out.push(u8::try_from(n & 0x7f).unwrap_or(0) | 0x80);
                n >>= 7;
            }
            out.push(u8::try_from(n).unwrap_or(0));
        }
    }
    for color in [style.fg, style.bg] {
        match color {
            Color::Default => {}
            Color::Indexed(i) => out.push(i),
            Color::Rgb(r, g, b) => out.extend_from_slice(&[r, g, b]),
        }
    }
    if style.attrs.0 != 0 {
        out.push(style.attrs.0);
    }
}

/// Iterator returned by [`Line::runs`]; stops at the first malformed byte.
#[derive(Clone)]
pub struct Runs<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) end: u32,
}

impl Runs<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    fn varint(&mut self) -> Option<u16> {
        let mut n = 0_u32;
        for shift in [0, 7, 14] {
            let b = self.byte()?;
            n |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return u16::try_from(n).ok();
            }
        }
        None
    }

    fn color(&mut self, kind: u8) -> Option<Color> {
        Some(match kind {
            0 => Color::Default,
            1 => Color::Indexed(self.byte()?),
            _ => Color::Rgb(self.byte()?, self.byte()?, self.byte()?),
        })
    }
}

impl Iterator for Runs<'_> {
    type Item = StyleRun;

    fn next(&mut self) -> Option<StyleRun> {
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
        let fg = self.color(header >> FG_SHIFT & 3)?;
        let bg = self.color(header >> BG_SHIFT & 3)?;
        let attrs = Attrs(if header & HAS_ATTRS == 0 {
            0
        } else {
            self.byte()?
        });
        let start = u16::try_from(self.end + u32::from(gap)).ok()?;
        self.end = u32::from(start) + u32::from(len);
        Some(StyleRun {
            start,
            len,
            style: CellStyle { fg, bg, attrs },
        })
    }
}
