use super::*;
use crate::session::line::char_width;

const RED: CellStyle = CellStyle {
    fg: Color::Indexed(1),
    bg: Color::Default,
    underline: Color::Default,
    attrs: Attrs(0),
};

/// Pushes `text` as one row, one cell per character (CJK ones two columns wide).
fn push(sb: &mut Scrollback, text: &str, style: CellStyle, wrapped: bool) {
    let mut buf = [0; 4];
    let cells: Vec<(String, u16)> = text
        .chars()
        .map(|c| (c.encode_utf8(&mut buf).to_owned(), char_width(c).max(1)))
        .collect();
    sb.push_row(cells.iter().map(|(s, w)| (s.as_str(), *w, style)), wrapped);
}

fn texts(sb: &Scrollback) -> Vec<&str> {
    sb.lines().map(Line::text).collect()
}

#[test]
fn ring_is_bounded_in_rows_and_evicts_oldest() {
    let mut sb = Scrollback::new(3);
    for i in 0..5 {
        push(&mut sb, &format!("line {i}"), CellStyle::default(), false);
    }
    assert_eq!((sb.len(), sb.line_count(), sb.capacity()), (3, 3, 3));
    assert_eq!(texts(&sb), ["line 2", "line 3", "line 4"]);
    assert!(sb.line(3).is_none());
    // A wrapped line counts all its rows.
    push(&mut sb, "ab", RED, true);
    push(&mut sb, "cd", RED, false);
    assert_eq!(texts(&sb), ["line 4", "abcd"]);
    let mut none = Scrollback::new(0);
    push(&mut none, "x", CellStyle::default(), false);
    assert!(none.is_empty());
}

#[test]
fn many_lines_across_blocks_keep_their_text_and_styles() {
    let mut sb = Scrollback::new(2000);
    for i in 0..10_000 {
        let style = if i % 3 == 0 {
            RED
        } else {
            CellStyle::default()
        };
        push(&mut sb, &format!("{i:>40}"), style, false);
    }
    assert_eq!(sb.line_count(), 2000);
    for (k, line) in sb.lines().enumerate() {
        let i = 8000 + k;
        assert_eq!(line.text(), format!("{i:>40}"));
        assert_eq!(line.style_at(39) == RED, i % 3 == 0, "{i}");
    }
    assert_eq!(
        sb.line(1234).map(Line::text),
        Some(format!("{:>40}", 9234).as_str())
    );
    assert!(
        sb.memory_bytes() < 2000 * 48 + 4 * BLOCK,
        "{}",
        sb.memory_bytes()
    );
    sb.clear();
    assert!((sb.is_empty(), sb.len()) == (true, 0));
    assert!(sb.memory_bytes() < 1024);
}

#[test]
fn rows_reflow_at_the_current_width() {
    let mut sb = Scrollback::new(100);
    sb.set_width(4);
    push(&mut sb, "abcd", CellStyle::default(), true);
    push(&mut sb, "efgh", CellStyle::default(), true);
    // The line is still being captured: it shows already.
    assert_eq!((sb.len(), texts(&sb)), (2, vec!["abcdefgh"]));
    push(&mut sb, "ij", CellStyle::default(), false);
    push(&mut sb, "\u{4e2d}\u{6587}x", RED, false);
    assert_eq!(texts(&sb), ["abcdefghij", "\u{4e2d}\u{6587}x"]);
    assert_eq!(sb.len(), 3 + 2);
    sb.set_width(3);
    // "abc" "def" "ghi" "j" and "中" "文x" (a wide char never splits).
    assert_eq!(sb.len(), 4 + 2);
    let rows: Vec<String> = sb
        .rows_from_end(6, 10)
        .into_iter()
        .map(|(line, r)| line.row_cells(3, r).map(|c| c.symbol).collect())
        .collect();
    assert_eq!(rows, ["abc", "def", "ghi", "j", "\u{4e2d}", "\u{6587}x"]);
    let cols: Vec<u16> = sb.rows_from_end(1, 1)[0]
        .0
        .row_cells(3, 1)
        .map(|c| c.col)
        .collect();
    assert_eq!(cols, [0, 2]);
    assert_eq!(sb.rows_from_end(2, 1).len(), 1);
    sb.set_width(80);
    assert_eq!(sb.len(), 2);
}

#[test]
fn cells_carry_columns_widths_and_styles() {
    let mut sb = Scrollback::new(1);
    sb.push_row(
        [
            ("a", 1, CellStyle::default()),
            ("\u{4e2d}", 2, RED),
            ("e\u{301}", 1, CellStyle::default()),
            ("z", 1, CellStyle::default()),
        ],
        false,
    );
    let cells: Vec<(u16, u16, &str, bool)> = sb
        .lines()
        .flat_map(Line::cells)
        .map(|c| (c.col, c.width, c.symbol, c.style == RED))
        .collect();
    let expect = [
        (0, 1, "a", false),
        (1, 2, "\u{4e2d}", true),
        (3, 1, "e\u{301}", false),
        (4, 1, "z", false),
    ];
    assert_eq!(cells, expect);
}

#[test]
fn lines_after_a_first_line_without_text_or_styles_keep_theirs() {
    // A shell's first rows are often empty and unstyled: no block exists before the
    // first line that has text (or a style), and that line must still be found.
    let mut sb = Scrollback::new(3000);
    push(&mut sb, "", CellStyle::default(), false);
    push(&mut sb, "", CellStyle::default(), false);
    for i in 0..5000 {
        let style = if i % 2 == 0 {
            RED
        } else {
            CellStyle::default()
        };
        push(&mut sb, &format!("{i}"), style, false);
    }
    for (k, line) in sb.lines().enumerate() {
        let i = 2000 + k;
        assert_eq!(line.text(), format!("{i}"));
        assert_eq!(line.style_at(0) == RED, i % 2 == 0, "{i}");
    }
    let mut short = Scrollback::new(100);
    push(&mut short, "", CellStyle::default(), false);
    push(&mut short, "plain", CellStyle::default(), false);
    push(&mut short, "red", RED, false);
    assert_eq!(texts(&short), ["", "plain", "red"]);
    assert_eq!(short.line(2).map(|l| l.style_at(0)), Some(RED));
    assert_eq!(short.line(1).map(Line::text), Some("plain"));
}
