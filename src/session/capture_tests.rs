use std::fmt::Write as _;

use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::Line as GridLine;

use super::*;
use crate::session::emulator::Emulator;
use crate::session::scrollback::Line;

/// Recorded program output and synthetic streams that exercise every kind of cell: wide and
/// zero-width characters, tabs, unsafe characters, coloured and marked spaces, underline
/// colours, palette and RGB colours, rows that wrap.
fn streams() -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&str, Vec<u8>)> = vec![
        ("vi", include_bytes!("../../tests/fixtures/vi.bin").to_vec()),
        (
            "top",
            include_bytes!("../../tests/fixtures/top.bin").to_vec(),
        ),
        (
            "less",
            include_bytes!("../../tests/fixtures/less.bin").to_vec(),
        ),
        (
            "gnu-less",
            include_bytes!("../../tests/fixtures/gnu-less.bin").to_vec(),
        ),
        (
            "inject",
            include_bytes!("../../tests/fixtures/inject.bin").to_vec(),
        ),
        (
            "seq",
            include_bytes!("../../tests/fixtures/seq.bin").to_vec(),
        ),
        (
            "sgr",
            include_bytes!("../../tests/fixtures/sgr.bin").to_vec(),
        ),
        (
            "vt/wide",
            include_bytes!("../../tests/fixtures/vt/wide.bin").to_vec(),
        ),
        (
            "vt/tabs_wrap",
            include_bytes!("../../tests/fixtures/vt/tabs_wrap.bin").to_vec(),
        ),
        (
            "vt/sgr_erase",
            include_bytes!("../../tests/fixtures/vt/sgr_erase.bin").to_vec(),
        ),
        (
            "vt/insert_delete",
            include_bytes!("../../tests/fixtures/vt/insert_delete.bin").to_vec(),
        ),
    ];
    let mut mixed = String::new();
    for i in 0..40 {
        let _ = write!(
            mixed,
            "\x1b[38;5;{i}m{i:>3} \x1b[1;4m\u{4e2d}\u{6587}e\u{301}\u{200d}x\x1b[0m\t|\
             \x1b[48;2;1;2;{i}m  \x1b[7m \x1b[27m\x1b[4:3m\x1b[58;5;9m under \x1b[59m ok\x1b[m\
             \u{202e}bidi\x1b[31m red words and spaces   \x1b[m\u{ff21}\u{ff22}\r\n"
        );
    }
    out.push(("mixed", mixed.into_bytes()));
    let mut colours = Vec::new();
    for i in 0..600_u32 {
        colours.extend_from_slice(
            format!("\x1b[38;5;{}m{}", i % 256, (b'a' + (i % 26) as u8) as char).as_bytes(),
        );
    }
    out.push(("colour per char, wrapping", colours));
    out
}

/// Captures every row of the screen after each chunk of `bytes` with both captures, and
/// returns the two rings.
fn capture_both(bytes: &[u8], rows: u16, cols: u16, extent: usize) -> (Scrollback, Scrollback) {
    let mut emu = Emulator::new(rows, cols, 100);
    let mut fast = Scrollback::new(100_000);
    let mut slow = Scrollback::new(100_000);
    fast.set_width(cols);
    slow.set_width(cols);
    for chunk in bytes.chunks(97) {
        emu.feed(chunk);
        let grid = emu.term().grid();
        for row in 0..grid.screen_lines() {
            let line = GridLine(i32::try_from(row).unwrap_or(0));
            // Every third row continues into the next, as a wrapped row does.
            let wrapped = row % 3 == 1;
            capture_row(&mut fast, &grid[line], extent, wrapped);
            capture_row_per_cell(&mut slow, &grid[line], extent, wrapped);
        }
    }
    (fast, slow)
}

fn stored(line: Line<'_>) -> (&str, &[u8], u16, bool) {
    (line.text, line.styles, line.cols, line.wide)
}

#[test]
fn grouped_capture_stores_the_same_bytes_as_the_per_cell_capture() {
    for (name, bytes) in streams() {
        for (rows, cols, extent) in [(24, 80, usize::MAX), (10, 23, usize::MAX), (24, 80, 17)] {
            let (fast, slow) = capture_both(&bytes, rows, cols, extent);
            assert!(fast.line_count() > 0, "{name}: nothing captured");
            assert_eq!(fast.line_count(), slow.line_count(), "{name}");
            for (i, (f, s)) in fast.lines().zip(slow.lines()).enumerate() {
                assert_eq!(stored(f), stored(s), "{name} {rows}x{cols} line {i}");
            }
        }
    }
}

fn mixed() -> Vec<u8> {
    streams()
        .into_iter()
        .find_map(|(name, bytes)| (name == "mixed").then_some(bytes))
        .unwrap_or_default()
}

#[test]
fn grouped_capture_keeps_styles_wide_and_zero_width_cells() {
    let (fast, slow) = capture_both(&mixed(), 24, 80, usize::MAX);
    let line = fast
        .lines()
        .find(|l| l.text().contains('\u{4e2d}'))
        .expect("a line with wide characters");
    let cells: Vec<LineCellView> = line.cells().map(LineCellView::from).collect();
    let wide = cells
        .iter()
        .find(|c| c.symbol == "\u{4e2d}")
        .expect("wide cell");
    assert_eq!(wide.width, 2);
    assert!(wide.style.attrs.contains(Attrs::BOLD));
    assert!(cells.iter().any(|c| c.symbol == "e\u{301}\u{200d}"));
    // A bidi override joins the cell before it as a zero-width character and is dropped.
    assert!(fast.lines().all(|l| !l.text().contains('\u{202e}')));
    assert!(cells.iter().any(|c| c.style.underline == Color::Indexed(9)));
    // A red space shows nothing red; an inverse space keeps its mark.
    assert!(
        cells
            .iter()
            .filter(|c| c.symbol == " ")
            .all(|c| c.style.fg == Color::Default)
    );
    assert!(
        cells
            .iter()
            .any(|c| c.symbol == " " && c.style.attrs.contains(Attrs::INVERSE))
    );
    assert_eq!(fast.lines().count(), slow.lines().count());
}

#[test]
fn grouped_capture_reflows_like_the_per_cell_capture() {
    let (mut fast, mut slow) = capture_both(&mixed(), 12, 80, usize::MAX);
    for width in [7, 33, 80, 200] {
        fast.set_width(width);
        slow.set_width(width);
        assert_eq!(fast.len(), slow.len(), "width {width}");
        let rows = |sb: &Scrollback| -> Vec<Vec<LineCellView>> {
            sb.rows_from_end(sb.len(), usize::MAX)
                .into_iter()
                .map(|(line, r)| line.row_cells(width, r).map(LineCellView::from).collect())
                .collect()
        };
        assert_eq!(rows(&fast), rows(&slow), "width {width}");
    }
}

/// An owned view of one stored cell.
#[derive(Debug, PartialEq, Eq)]
struct LineCellView {
    col: u16,
    width: u16,
    symbol: String,
    style: CellStyle,
}

impl From<crate::session::scrollback::LineCell<'_>> for LineCellView {
    fn from(c: crate::session::scrollback::LineCell<'_>) -> Self {
        Self {
            col: c.col,
            width: c.width,
            symbol: c.symbol.to_owned(),
            style: c.style,
        }
    }
}

#[test]
fn text_before_the_cursor_moves_back_is_kept_when_its_row_scrolls_off() {
    // Printing grows a row's extent only when the next action comes: each of these moves
    // the cursor back or away after printing, then the row scrolls off.
    let cases: [(&[u8], &str); 6] = [
        (b"hello world\rhi\r\n", "hillo world"),
        (b"abc\x08\x08X\r\n", "aXc"),
        (
            b"left\x1b[1;40Hfar\x1b[1;1H\r\n",
            "left                                   far",
        ),
        (b"tab\there\x1b[G\r\n", "tab     here"),
        (b"saved\x1b7\x1b[2;1Hnext\x1b8\x1b[5;1H\r\n", "saved"),
        (b"main\x1b[?1049halt\x1b[?1049l\r\n", "main"),
    ];
    for (bytes, want) in cases {
        let mut emu = Emulator::new(5, 60, 100);
        emu.feed(bytes);
        emu.feed(b"\x1b[5;1H\r\n\r\n\r\n\r\n\r\n");
        let first = emu.scrollback().line(0).map(Line::text);
        assert_eq!(first, Some(want), "{:?}", String::from_utf8_lossy(bytes));
    }
}
