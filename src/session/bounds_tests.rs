use super::*;
use crate::session::emulator::Emulator;

/// What the parser gets of `chunks`, fed one after another.
fn kept(chunks: &[&[u8]]) -> Vec<u8> {
    let mut cap = OscCap::default();
    let mut out = Vec::new();
    for chunk in chunks {
        cap.filter(chunk, |part| out.extend_from_slice(part));
    }
    out
}

#[test]
fn an_osc_that_never_ends_reaches_the_parser_only_up_to_the_bound() {
    let body = vec![b'x'; 3 * MAX_OSC_BYTES];
    let out = kept(&[b"ab\x1b]0;", &body, &body, b"\x01\x02", &body]);
    // "0;" counts towards the bound; controls inside the string are passed on.
    assert_eq!(out.len(), 2 + 2 + MAX_OSC_BYTES + 2);
    assert!(out.starts_with(b"ab\x1b]0;xxx"));
}

#[test]
fn every_terminator_ends_the_osc_and_the_next_one_is_bounded_anew() {
    let body = vec![b'y'; MAX_OSC_BYTES + 10];
    for end in [&b"\x07"[..], b"\x1b\\", b"\x18", b"\x1a"] {
        let out = kept(&[b"\x1b]2;", &body, end, b"after", b"\x1b]2;", &body, end]);
        let one = 4 + (MAX_OSC_BYTES - 2) + end.len();
        assert_eq!(out.len(), 2 * one + 5, "terminator {end:?}");
        assert_eq!(&out[one..one + 5], b"after");
    }
}

#[test]
fn only_esc_right_bracket_starts_an_osc() {
    let long = "z".repeat(2 * MAX_OSC_BYTES);
    // A CSI ending in `]`, an escape with an intermediate ending in `]`, a DCS and an APC
    // holding `]`: none starts an OSC, so nothing is dropped.
    for prefix in [
        "\x1b[1]",
        "\x1b(]",
        "\x1bP]",
        "\x1b_]",
        "\u{9d}",
        "\x1b\x1b[m",
    ] {
        let input = format!("{prefix}{long}");
        assert_eq!(kept(&[input.as_bytes()]), input.as_bytes(), "{prefix:?}");
    }
    // ESC ESC ] and ESC with a C0 control in between still start one, as in the parser.
    for prefix in ["\x1b\x1b]", "\x1b\x05]"] {
        let input = format!("{prefix}{long}");
        assert_eq!(
            kept(&[input.as_bytes()]).len(),
            prefix.len() + MAX_OSC_BYTES
        );
    }
}

#[test]
fn an_osc_split_across_feeds_is_still_one_osc() {
    let body = vec![b'w'; MAX_OSC_BYTES];
    let out = kept(&[b"\x1b", b"]", b"1", b";", &body, b"\x07ok"]);
    assert_eq!(out.len(), 2 + MAX_OSC_BYTES + 3);
    assert!(out.ends_with(b"\x07ok"));
}

fn marks_on(emu: &Emulator, row: i32, col: usize) -> usize {
    use alacritty_terminal::index::{Column, Line, Point};
    let cell = &emu.term().grid()[Point::new(Line(row), Column(col))];
    cell.zerowidth().map_or(0, <[char]>::len)
}

#[test]
fn a_cell_keeps_at_most_the_bound_of_zero_width_marks() {
    let mut emu = Emulator::new(3, 6, 10);
    let marks = "\u{301}".repeat(10_000);
    // A narrow character, a wide one (marks go to its first cell) and the last column
    // with a wrap pending.
    emu.feed(format!("a{marks}\u{4e2d}{marks}\x1b[1;6Hz{marks}").as_bytes());
    assert_eq!(marks_on(&emu, 0, 0), MAX_ZEROWIDTH);
    assert_eq!(marks_on(&emu, 0, 1), MAX_ZEROWIDTH);
    assert_eq!(marks_on(&emu, 0, 2), 0);
    assert_eq!(marks_on(&emu, 0, 5), MAX_ZEROWIDTH);
    // The same on the alternate screen, and the marks still show.
    emu.feed(format!("\x1b[?1049h\x1b[Hb{marks}").as_bytes());
    assert_eq!(marks_on(&emu, 0, 0), MAX_ZEROWIDTH);
    assert!(
        emu.screen_text()
            .starts_with(&format!("b{}", "\u{301}".repeat(MAX_ZEROWIDTH)))
    );
}

#[test]
fn titles_and_the_title_stack_are_bounded() {
    let mut emu = Emulator::new(3, 10, 10);
    emu.feed(format!("\x1b]0;{}\x07", "t".repeat(10 * MAX_TITLE_CHARS)).as_bytes());
    assert_eq!(emu.title().map(str::len), Some(MAX_TITLE_CHARS));
    // Pushes past the bound are dropped: the first pop gives the last title kept.
    for i in 0..MAX_TITLE_STACK + 5 {
        emu.feed(format!("\x1b]0;title {i}\x07\x1b[22t").as_bytes());
    }
    emu.feed(b"\x1b]0;now\x07\x1b[23t");
    let last_kept = format!("title {}", MAX_TITLE_STACK - 1);
    assert_eq!(emu.title(), Some(last_kept.as_str()));
    // A reset empties the stack, so as many pushes are kept again.
    emu.feed(b"\x1bc");
    for i in 0..MAX_TITLE_STACK {
        emu.feed(format!("\x1b]0;again {i}\x07\x1b[22t").as_bytes());
    }
    emu.feed(b"\x1b[23t\x1b[23t");
    let last = format!("again {}", MAX_TITLE_STACK - 2);
    assert_eq!(emu.title(), Some(last.as_str()));
}

#[test]
fn the_pixel_size_reply_does_not_overflow() {
    // 5000 rows of 16 pixels is past u16.
    let mut emu = Emulator::new(5000, 3, 0);
    emu.feed(b"\x1b[14t");
    assert_eq!(emu.take_replies(), b"\x1b[4;80000;24t");
    let mut emu = Emulator::new(24, 80, 0);
    emu.feed(b"\x1b[14t");
    assert_eq!(emu.take_replies(), b"\x1b[4;384;640t");
}
