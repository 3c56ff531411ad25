use regex::Regex;

use super::*;

fn emu_with(bytes: &[u8]) -> Emulator {
    let mut emu = Emulator::new(3, 10, 100);
    emu.feed(bytes);
    emu
}

#[test]
fn search_finds_ring_lines_and_screen_rows_as_document_points() {
    // Ring: alpha, beta, "gamma alpha" wrapped on two rows; screen: d, e, "f alpha".
    let emu = emu_with(b"alpha\r\nbeta\r\ngamma alpha\r\nd\r\ne\r\nf alpha");
    let re = Regex::new("alpha").expect("regex");
    let ring = find_in_ring(emu.scrollback(), &re);
    assert_eq!(
        ring[0],
        Hit {
            start: Point { row: 0, col: 0 },
            end: Point { row: 0, col: 4 }
        }
    );
    assert_eq!(
        ring[1],
        Hit {
            start: Point { row: 2, col: 6 },
            end: Point { row: 3, col: 0 }
        },
        "a match over the wrap"
    );
    let all: Vec<Hit> = ring.into_iter().chain(find_on_screen(&emu, &re)).collect();
    assert_eq!(all.len(), 3, "{all:?}");
    let last = all[2];
    assert_eq!(last.start.row, rows(&emu) - 1);
    assert_eq!((last.start.col, last.end.col), (2, 6));
}

#[test]
fn a_match_across_a_wrapped_ring_line_spans_its_rows() {
    let mut emu = Emulator::new(2, 4, 100);
    emu.feed(b"abcdefgh\r\n1\r\n2\r\n3");
    let re = Regex::new("cdef").expect("regex");
    let hits = find_in_ring(emu.scrollback(), &re);
    assert_eq!(
        hits,
        [Hit {
            start: Point { row: 0, col: 2 },
            end: Point { row: 1, col: 1 }
        }]
    );
    assert_eq!(selection(&emu, hits[0].end, hits[0].start), "cdef");
}

#[test]
fn selections_join_rows_with_newlines_and_trim_blanks() {
    let emu = emu_with(b"one   \r\ntwo\r\nthree\r\nfour");
    let text = selection(&emu, Point { row: 0, col: 1 }, Point { row: 3, col: 1 });
    assert_eq!(text, "ne\ntwo\nthree\nfo");
    assert_eq!(evicted(&emu), 0);
}

#[test]
fn transcripts_hold_every_line_plain_or_coloured() {
    let emu = emu_with(b"\x1b[31mred\x1b[m plain\r\n2\r\n3\r\n4\r\n");
    assert_eq!(transcript(&emu, false), "red plain\n2\n3\n4\n");
    let coloured = transcript(&emu, true);
    assert!(
        coloured.starts_with("\x1b[0;31mred\x1b[0m plain\n"),
        "{coloured:?}"
    );
    let fancy = emu_with(b"\x1b[1;38;5;200;48;2;1;2;3mx");
    assert!(
        transcript(&fancy, true).starts_with("\x1b[0;1;38;5;200;48;2;1;2;3mx\x1b[0m\n"),
        "{:?}",
        transcript(&fancy, true)
    );
}

#[test]
fn a_line_far_back_in_a_big_ring_is_found_once_at_its_row() {
    let mut emu = Emulator::new(36, 86, 20_000);
    let lines: Vec<String> = (1..=12_000).map(|n| n.to_string()).collect();
    for chunk in lines.chunks(700) {
        emu.feed(chunk.join("\r\n").as_bytes());
        emu.feed(b"\r\n");
    }
    let re = Regex::new("^1000$").expect("regex");
    let hits = find_in_ring(emu.scrollback(), &re);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].start, Point { row: 999, col: 0 });
    assert_eq!(selection(&emu, hits[0].start, hits[0].end), "1000");
}
