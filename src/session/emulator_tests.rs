use super::*;
use crate::session::scrollback::{Attrs, CellStyle, Color, Line};

fn ring_texts(emu: &Emulator) -> Vec<String> {
    emu.scrollback()
        .lines()
        .map(|l| Line::text(l).to_owned())
        .collect()
}

#[test]
fn sizes_clamp_and_modes_follow_the_program() {
    let mut emu = Emulator::new(0, 0, 10);
    assert_eq!(emu.size(), (1, 2));
    emu.resize(5, 0);
    assert_eq!(emu.size(), (5, 2));
    emu.resize(4, 20);
    assert_eq!(emu.cursor(), Some((0, 0)));
    emu.feed(b"\x1b[?1h\x1b[?2004h\x1b[?1049h\x1b[?25l\x1b[3;5H\x07");
    assert!(emu.application_cursor() && emu.bracketed_paste() && emu.alternate_screen());
    assert_eq!((emu.cursor(), emu.bells()), (None, 1));
    emu.feed(b"\x1b[?1l\x1b[?2004l\x1b[?1049l\x1b[?25h");
    assert!(!emu.application_cursor() && !emu.bracketed_paste() && !emu.alternate_screen());
    assert_eq!(emu.cursor(), Some((0, 0)));
}

#[test]
fn modes_report_mouse_keypad_focus_and_alternate_scroll() {
    let mut emu = Emulator::new(4, 20, 10);
    assert_eq!(
        emu.modes(),
        Modes {
            alternate_scroll: true,
            ..Modes::default()
        }
    );
    emu.feed(b"\x1b=\x1b[?1004h\x1b[?1000h\x1b[?1006h\x1b[?1007l");
    let m = emu.modes();
    assert!(m.application_keypad && m.focus_reports && !m.alternate_scroll);
    assert_eq!(
        (m.mouse_tracking, m.mouse_encoding),
        (MouseTracking::Click, MouseEncoding::Sgr)
    );
    for (set, tracking, encoding) in [
        (
            "?1002h\x1b[?1006l\x1b[?1005h",
            MouseTracking::Drag,
            MouseEncoding::Utf8,
        ),
        (
            "?1003h\x1b[?1005l\x1b[?1015h",
            MouseTracking::Motion,
            MouseEncoding::Urxvt,
        ),
        ("?1003l\x1b[?1015l", MouseTracking::None, MouseEncoding::X10),
    ] {
        emu.feed(format!("\x1b[{set}").as_bytes());
        let m = emu.modes();
        assert_eq!(
            (m.mouse_tracking, m.mouse_encoding),
            (tracking, encoding),
            "{set}"
        );
    }
    emu.feed(b"\x1b>\x1b[?1004l");
    assert!(!emu.modes().application_keypad && !emu.modes().focus_reports);
}

#[test]
fn cursor_style_follows_decscusr() {
    let mut emu = Emulator::new(2, 10, 0);
    assert_eq!(emu.cursor_style(), Some(CursorShape::SteadyBlock));
    for (n, shape) in [
        (1, CursorShape::BlinkingBlock),
        (3, CursorShape::BlinkingUnderline),
        (4, CursorShape::SteadyUnderline),
        (5, CursorShape::BlinkingBar),
        (6, CursorShape::SteadyBar),
        (2, CursorShape::SteadyBlock),
    ] {
        emu.feed(format!("\x1b[{n} q").as_bytes());
        assert_eq!(emu.cursor_style(), Some(shape), "{n}");
    }
    emu.feed(b"\x1b[?25l");
    assert_eq!(emu.cursor_style(), None);
}

#[test]
fn scrolled_rows_go_to_the_ring_but_not_alternate_ones() {
    let mut emu = Emulator::new(3, 10, 4);
    for i in 1..=8 {
        emu.feed(format!("l{i}\r\n").as_bytes());
    }
    assert_eq!(emu.scrolled_off(), 6);
    assert_eq!(ring_texts(&emu), ["l3", "l4", "l5", "l6"]);
    assert_eq!(emu.screen_text(), "l7\nl8\n");
    emu.feed(b"\x1b[?1049h");
    for i in 0..10 {
        emu.feed(format!("alt{i}\r\n").as_bytes());
    }
    emu.feed(b"\x1b[?1049l");
    assert_eq!(emu.scrolled_off(), 6);
    // Shrinking pushes the rows above the cursor off; growing adds blank rows.
    emu.resize(1, 10);
    assert_eq!((emu.scrolled_off(), emu.screen_text().as_str()), (8, ""));
    assert_eq!(ring_texts(&emu), ["l5", "l6", "l7", "l8"]);
    emu.resize(3, 10);
    assert_eq!(emu.screen_text(), "\n\n");
    emu.clear_scrollback();
    assert!(emu.scrollback().is_empty());
}

#[test]
fn partial_scroll_regions_and_deleted_lines_stay_out_of_the_ring() {
    let mut emu = Emulator::new(4, 10, 10);
    emu.feed(b"top\r\n\x1b[2;4r\x1b[4;1H");
    for i in 0..5 {
        emu.feed(format!("r{i}\n\r").as_bytes());
    }
    assert_eq!(emu.scrolled_off(), 0);
    // A region starting at the top that is not the whole screen keeps nothing either.
    emu.feed(b"\x1b[1;3r\x1b[3;1Hx\n\n");
    emu.feed(b"\x1b[r\x1b[1;1H\x1b[2M");
    assert!(emu.scrollback().is_empty(), "{:?}", ring_texts(&emu));
    // The full region again: a line feed at the bottom keeps the top row.
    emu.feed(b"\x1b[1;1Hkeep\x1b[4;1H\n");
    assert_eq!(ring_texts(&emu), ["keep"]);
}

#[test]
fn clearing_the_screen_keeps_its_rows_and_3j_clears_the_ring() {
    let mut emu = Emulator::new(4, 10, 10);
    emu.feed(b"a\r\nb\r\n\r\n");
    emu.feed(b"\x1b[2J");
    assert_eq!(ring_texts(&emu), ["a", "b"]);
    assert_eq!(emu.scrolled_off(), 2);
    emu.feed(b"\x1b[3J");
    assert!(emu.scrollback().is_empty());
    assert_eq!(emu.scrollback().len(), 0);
}

#[test]
fn captured_rows_keep_their_styles() {
    let mut emu = Emulator::new(1, 20, 4);
    emu.feed(b"a\x1b[1;31mbc\x1b[22;2;4;44md\x1b[0;3;7;92;104me\x1b[m f");
    emu.feed(b"\x1b[38;5;200;48;2;1;2;3mg\x1b[39;49m\xe4\xb8\xad\x1b[96m\xe2\x9d\xa4\xef\xb8\x8f!\x1b[m\r\n");
    let line = emu.scrollback().line(0).expect("captured row");
    assert_eq!(line.text(), "abcde fg\u{4e2d}\u{2764}\u{fe0f}!");
    let style = |fg, bg, attrs| CellStyle {
        fg,
        bg,
        underline: Color::Default,
        attrs,
    };
    let runs: Vec<(u16, u16, CellStyle)> = line.runs().map(|r| (r.start, r.len, r.style)).collect();
    let (d, i) = (Color::Default, Color::Indexed);
    assert_eq!(
        runs,
        [
            (1, 2, style(i(1), d, Attrs::BOLD)),
            (3, 1, style(i(1), i(4), Attrs::DIM.union(Attrs::UNDERLINE))),
            (
                4,
                1,
                style(i(10), i(12), Attrs::ITALIC.union(Attrs::INVERSE))
            ),
            (7, 1, style(i(200), Color::Rgb(1, 2, 3), Attrs::default())),
            (10, 2, style(i(14), d, Attrs::default())),
        ]
    );
}

#[test]
fn wrapped_rows_join_into_one_logical_line_that_reflows() {
    let mut emu = Emulator::new(2, 4, 100);
    emu.feed(b"abcdefghij\r\nxy\r\n");
    // "abcd" "efgh" "ij" wrapped, then "xy": all off screen but the last two rows.
    assert_eq!(ring_texts(&emu), ["abcdefghij"]);
    assert_eq!(emu.scrollback().len(), 3);
    assert_eq!(emu.scrolled_off(), 3);
    emu.resize(2, 5);
    assert_eq!(emu.scrollback().len(), 2);
    emu.resize(2, 20);
    assert_eq!(emu.scrollback().len(), 1);
}

#[test]
fn replies_come_from_the_terminal_state_only() {
    let mut emu = Emulator::new(24, 80, 10);
    emu.feed(b"\x1b[c\x1b[>c\x1b[5n\x1b[3;7H\x1b[6n");
    assert_eq!(
        emu.take_replies(),
        b"\x1b[?6c\x1b[>0;2600;1c\x1b[0n\x1b[3;7R".to_vec()
    );
    assert!(emu.take_replies().is_empty());
    // Origin mode: the cursor position is relative to the scroll region.
    emu.feed(b"\x1b[5;20r\x1b[?6h\x1b[2;3H\x1b[6n\x1b[?6$p\x1b[?1015$p\x1b[?2026$p\x1b[4$p");
    assert_eq!(
        emu.take_replies(),
        b"\x1b[2;3R\x1b[?6;1$y\x1b[?1015;2$y\x1b[?2026;0$y\x1b[4;2$y".to_vec()
    );
    emu.feed(b"\x1b]10;?\x07\x1b]11;?\x1b\\\x1b]4;1;?\x07\x1b[14t\x1b[18t");
    let replies = String::from_utf8(emu.take_replies()).expect("utf-8");
    assert_eq!(
        replies,
        "\x1b]10;rgb:e5e5/e5e5/e5e5\x07\x1b]11;rgb:0000/0000/0000\x1b\\\
         \x1b]4;1;rgb:cdcd/0000/0000\x07\x1b[4;384;640t\x1b[8;24;80t"
    );
}

#[test]
fn queries_titles_and_clipboard_leave_no_trace() {
    let mut emu = Emulator::new(2, 30, 4);
    emu.feed(
        b"\x1b]0;ti\xe2\x80\xaetle\x07\x1b]52;c;aGk=\x07\x1b]52;c;?\x07\x1b[21t\x1bP$qm\x1b\\",
    );
    emu.feed(b"\x1b[?u\x1b[>1u\x1b[8;0;0tok\xe2\x80\xae!\x9b31m\xff");
    assert_eq!(emu.size(), (2, 30));
    assert!(emu.take_replies().is_empty());
    assert_eq!(emu.title(), Some("title"));
    // Invalid UTF-8 and C1 bytes print nothing; U+202E is dropped.
    assert_eq!(emu.screen_text(), "ok!31m\n");
    emu.feed(b"\x1b]2;\x07");
    assert_eq!(emu.title(), None);
}

#[test]
fn emulator_moves_between_threads() {
    fn send<T: Send + 'static>(_: &T) {}
    send(&Emulator::new(2, 2, 0));
}
