//! Replays real busybox terminal output (recorded by tests/fixtures/record.py at 24x80,
//! TERM=xterm) and a hostile escape-sequence sample through the exec emulator.

use execmux::session::emulator::Emulator;
use execmux::session::scrollback::{Attrs, Color as SbColor, Line, Scrollback};
use execmux::session::view::TerminalView;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::widgets::Widget;

const VI: &[u8] = include_bytes!("fixtures/vi.bin");
const TOP: &[u8] = include_bytes!("fixtures/top.bin");
const LESS: &[u8] = include_bytes!("fixtures/less.bin");
const GNU_LESS: &[u8] = include_bytes!("fixtures/gnu-less.bin");
const SGR: &[u8] = include_bytes!("fixtures/sgr.bin");
const SEQ: &[u8] = include_bytes!("fixtures/seq.bin");
const INJECT: &[u8] = include_bytes!("fixtures/inject.bin");

fn emulator() -> Emulator {
    Emulator::new(24, 80, 1000)
}

/// Index just past the first occurrence of `needle`.
fn after(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + needle.len())
        .expect("marker in fixture")
}

fn rows(emu: &Emulator) -> Vec<String> {
    let mut rows: Vec<String> = emu.screen_text().split('\n').map(str::to_owned).collect();
    rows.resize(24, String::new());
    rows
}

fn render(view: TerminalView<'_>) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    view.render(buf.area, &mut buf);
    buf
}

/// Column of the first cell of row `y` whose symbol starts `text`.
fn find(buf: &Buffer, y: u16, text: &str) -> u16 {
    let row: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
    let byte = row.find(text).expect("text on row");
    u16::try_from(row[..byte].chars().count()).expect("column")
}

#[test]
fn vi_edits_on_the_alternate_screen_and_restores_the_shell_screen() {
    let mut emu = emulator();
    emu.feed(b"$ busybox vi notes.txt\r\n");
    // Just after Escape ended the insert: the status line shows the modified file.
    let quit = after(VI, b"- notes.txt [Modified] 1/4 25%\x1b[1;13H");
    emu.feed(&VI[..quit]);
    assert!(emu.alternate_screen());
    let screen = rows(&emu);
    assert_eq!(
        screen[..4],
        [
            "hello from vi",
            "first line of notes",
            "second line",
            "third line"
        ]
    );
    assert!(screen[4..23].iter().all(|r| r == "~"));
    assert_eq!(screen[23], "- notes.txt [Modified] 1/4 25%");
    assert_eq!(emu.cursor(), Some((0, 12)));
    // busybox vi reads arrow keys in either form and never sets DECCKM.
    assert!(!emu.application_cursor() && !emu.bracketed_paste());

    emu.feed(&VI[quit..]);
    assert!(!emu.alternate_screen());
    assert_eq!(rows(&emu)[..2], ["$ busybox vi notes.txt", ""]);
    assert_eq!(emu.cursor(), Some((1, 0)));
    assert_eq!(
        emu.scrolled_off(),
        0,
        "alternate-screen rows never reach the ring"
    );
}

#[test]
fn top_draws_a_reversed_header_on_the_main_screen() {
    let mut emu = emulator();
    emu.feed(TOP);
    assert!(!emu.alternate_screen());
    let screen = rows(&emu);
    assert!(screen[0].starts_with("Mem: ") && screen[1].starts_with("CPU: "));
    assert!(screen[2].starts_with("Load average: "));
    assert_eq!(
        screen[3],
        "  PID  PPID USER     STAT   VSZ %VSZ %CPU COMMAND"
    );
    assert!(screen[4].ends_with("/usr/bin/busybox top -d 1"));
    assert_eq!(emu.cursor(), Some((5, 0)));
    let buf = render(TerminalView::new(&emu));
    assert!((0..49).all(|x| buf[(x, 3)].modifier == Modifier::REVERSED));
    assert_eq!(buf[(0, 4)].modifier, Modifier::empty());
}

#[test]
fn less_pages_by_repainting_without_scrolling() {
    let mut emu = emulator();
    let first_page = after(LESS, b"\x1b[7mlong.txt\x1b[m");
    emu.feed(&LESS[..first_page]);
    let screen = rows(&emu);
    assert_eq!(screen[0], "line 001 of the long file");
    assert_eq!(screen[22], "line 023 of the long file");
    assert_eq!(screen[23], "long.txt");
    assert_eq!(
        render(TerminalView::new(&emu))[(0, 23)].modifier,
        Modifier::REVERSED
    );
    assert!(!emu.alternate_screen() && !emu.application_cursor());

    emu.feed(&LESS[first_page..]);
    let screen = rows(&emu);
    assert_eq!(screen[0], "line 025 of the long file");
    assert_eq!(screen[22], "line 047 of the long file");
    assert_eq!(screen[23], "");
    assert_eq!(emu.cursor(), Some((23, 0)));
    assert_eq!(emu.scrolled_off(), 0);
}

#[test]
fn gnu_less_sets_application_cursor_and_scrolls_on_the_alternate_screen() {
    let mut emu = emulator();
    emu.feed(b"$ less long.txt\r\n");
    let quit = after(GNU_LESS, b":\x1b[K");
    emu.feed(&GNU_LESS[..quit]);
    assert!(emu.alternate_screen() && emu.application_cursor());
    let screen = rows(&emu);
    assert_eq!(screen[0], "line 024 of the long file");
    assert_eq!(screen[22], "line 046 of the long file");
    assert_eq!(screen[23], ":");
    assert_eq!(emu.cursor(), Some((23, 1)));
    assert_eq!(
        emu.scrolled_off(),
        0,
        "rows scrolled on the alternate screen are not kept"
    );

    emu.feed(&GNU_LESS[quit..]);
    assert!(!emu.alternate_screen() && !emu.application_cursor());
    assert_eq!(rows(&emu)[0], "$ less long.txt");
    assert!(emu.scrollback().is_empty());
}

#[test]
fn sgr_sample_renders_and_survives_the_ring() {
    let mut emu = emulator();
    emu.feed(SGR);
    let check = |buf: &Buffer, y0: u16| {
        let cell = |x: u16, y: u16| &buf[(x, y0 + y)];
        let at = |y: u16, text: &str| cell(find(buf, y0 + y, text), y);
        assert_eq!(at(0, "bold").modifier, Modifier::BOLD);
        assert_eq!(at(0, "dim").modifier, Modifier::DIM);
        assert_eq!(at(0, "italic").modifier, Modifier::ITALIC);
        assert_eq!(at(0, "under").modifier, Modifier::UNDERLINED);
        assert_eq!(at(0, "inverse").modifier, Modifier::REVERSED);
        assert_eq!(
            (at(1, "fg1").fg, at(1, "fg1").bg),
            (Color::Red, Color::Reset)
        );
        assert_eq!(
            (at(1, "bg6").fg, at(1, "bg6").bg),
            (Color::Cyan, Color::Cyan)
        );
        assert_eq!(at(2, "bright").fg, Color::LightRed);
        assert_eq!(at(2, "pal208").fg, Color::Indexed(208));
        let rgb = at(2, "rgb");
        assert_eq!(
            (rgb.fg, rgb.bg),
            (Color::Rgb(10, 20, 30), Color::Rgb(200, 100, 50))
        );
        assert_eq!(
            (cell(6, 3).symbol(), cell(8, 3).symbol()),
            ("\u{4e2d}", "\u{6587}")
        );
        assert_eq!((cell(7, 3).symbol(), cell(10, 3).symbol()), (" ", " "));
        assert_eq!(cell(11, 3).symbol(), "e");
    };
    check(&render(TerminalView::new(&emu)), 0);

    // Scroll the sample off the screen; the ring keeps text and styles.
    emu.feed(&b"\n".repeat(23));
    assert_eq!(emu.scrolled_off(), 4);
    let ring = emu.scrollback();
    assert_eq!(
        ring.line(3).map(Line::text),
        Some("wide: \u{4e2d}\u{6587} end")
    );
    let rgb = ring.line(2).map(|l| l.style_at(15)).expect("line");
    assert_eq!(
        (rgb.fg, rgb.bg),
        (SbColor::Rgb(10, 20, 30), SbColor::Rgb(200, 100, 50))
    );
    assert!(
        ring.line(0)
            .is_some_and(|l| l.style_at(0).attrs.contains(Attrs::BOLD))
    );
    check(&render(TerminalView::new(&emu).scroll(4)), 0);
}

#[test]
fn seq_lines_that_scroll_off_are_kept_in_the_ring() {
    let mut emu = emulator();
    emu.feed(SEQ);
    assert_eq!(emu.scrolled_off(), 77);
    let ring: Vec<&str> = emu.scrollback().lines().map(Line::text).collect();
    let expected: Vec<String> = (1..=77).map(|i| i.to_string()).collect();
    assert_eq!(ring, expected);
    let screen = rows(&emu);
    assert_eq!(
        (screen[0].as_str(), screen[22].as_str(), screen[23].as_str()),
        ("78", "100", "")
    );
    assert_eq!(emu.cursor(), Some((23, 0)));

    let mut small = Emulator::new(24, 80, 10);
    small.feed(SEQ);
    let ring: Vec<&str> = small.scrollback().lines().map(Line::text).collect();
    assert_eq!(
        (ring.len(), ring[0], ring[9], small.scrolled_off()),
        (10, "68", "77", 77)
    );
}

fn is_printable(c: char) -> bool {
    !c.is_control()
        && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn hostile_sequences_leave_only_printable_text() {
    let mut emu = emulator();
    emu.feed(INJECT);
    // Byte by byte too: split sequences must not change anything.
    let mut split = emulator();
    for b in INJECT {
        split.feed(std::slice::from_ref(b));
    }
    assert_eq!(split.screen_text(), emu.screen_text());
    assert_eq!(emu.size(), (24, 80), "resize requests are ignored");
    // Only answers built from the terminal's own state go back; nothing from the stream.
    let replies = String::from_utf8(emu.take_replies()).expect("utf-8 replies");
    assert_eq!(
        replies, "\x1b[2;1R",
        "the sample's only query is a cursor position"
    );
    for secret in ["pwned", "title", "ZWNo", "65535", "]52", "]l", "]L", "P1$r"] {
        assert!(!replies.contains(secret), "{secret} echoed: {replies:?}");
    }
    assert!(!emu.alternate_screen());
    let text = emu.screen_text();
    // Invalid UTF-8 and C1 controls (raw or UTF-8 encoded) print nothing; so do bidi overrides.
    let expect = [
        "bad-utf8:(:end",
        "c1:31mX0;t:end",
        "c1-utf8:31mY0;t:end",
        "bidi:evil:end",
        "safe-end",
    ];
    assert_eq!(rows(&emu)[..5], expect, "{text}");
    assert!(
        text.chars().all(|c| c == '\n' || is_printable(c)),
        "{text:?}"
    );
    let ring_text: String = emu.scrollback().lines().map(Line::text).collect();
    assert!(ring_text.contains("safe-start"));
    for secret in ["pwned", "title", "ZWNo", "65535"] {
        assert!(
            !text.contains(secret) && !ring_text.contains(secret),
            "{secret} leaked"
        );
    }
    assert!(ring_text.chars().all(is_printable), "{ring_text:?}");
    for view in [
        TerminalView::new(&emu).show_cursor(true),
        TerminalView::new(&emu).scroll(30),
    ] {
        let buf = render(view);
        assert!(
            buf.content
                .iter()
                .all(|c| c.symbol().chars().all(is_printable))
        );
    }
}

/// 10k scrolled-off lines of 200 columns, as plain words and with a random palette colour on
/// every one of 200 random characters: the ring's buffers stay within 4 MiB.
#[test]
fn ring_memory_for_10k_lines_of_200_columns() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut below = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for coloured in [false, true] {
        let mut emu = Emulator::new(50, 200, 10_000);
        let mut line = Vec::new();
        for _ in 0..10_050 {
            line.clear();
            for col in 0..200 {
                let c = if !coloured && col % 6 == 5 {
                    b' '
                } else {
                    b'!' + u8::try_from(below(94)).expect("small")
                };
                if coloured {
                    line.extend_from_slice(format!("\x1b[38;5;{}m", below(256)).as_bytes());
                }
                line.push(c);
            }
            line.extend_from_slice(b"\x1b[m\r\n");
            emu.feed(&line);
        }
        let ring: &Scrollback = emu.scrollback();
        assert_eq!((ring.len(), ring.line_count()), (10_000, 10_000));
        assert!(
            ring.lines()
                .all(|l| l.text().len() == 200 && l.width() == 200)
        );
        let runs: usize = ring.lines().map(|l| l.runs().count()).sum();
        // Neighbours that happen to share a colour make one run.
        assert!(
            if coloured {
                runs > 1_990_000
            } else {
                runs == 0
            },
            "{runs}"
        );
        let bytes = ring.memory_bytes();
        let mib = format!("{}.{:02}", bytes >> 20, ((bytes & 0xf_ffff) * 100) >> 20);
        println!("ring buffers, 10k x 200 cols, colour per char={coloured}: {bytes} B = {mib} MiB");
        assert!(bytes < 4 * 1024 * 1024, "{bytes}");
    }
}

/// Byte streams from tests/fixtures/vt/make.py with the screen tmux leaves for each at 30x8
/// (the reference terminal): rows, then the cursor.
#[test]
fn vt_streams_leave_the_screens_tmux_leaves() {
    let cases: [(&str, &[u8], &str); 7] = [
        (
            "scroll_region",
            include_bytes!("fixtures/vt/scroll_region.bin"),
            include_str!("fixtures/vt/scroll_region.txt"),
        ),
        (
            "origin",
            include_bytes!("fixtures/vt/origin.bin"),
            include_str!("fixtures/vt/origin.txt"),
        ),
        (
            "insert_delete",
            include_bytes!("fixtures/vt/insert_delete.bin"),
            include_str!("fixtures/vt/insert_delete.txt"),
        ),
        (
            "wide",
            include_bytes!("fixtures/vt/wide.bin"),
            include_str!("fixtures/vt/wide.txt"),
        ),
        (
            "alternate",
            include_bytes!("fixtures/vt/alternate.bin"),
            include_str!("fixtures/vt/alternate.txt"),
        ),
        (
            "tabs_wrap",
            include_bytes!("fixtures/vt/tabs_wrap.bin"),
            include_str!("fixtures/vt/tabs_wrap.txt"),
        ),
        (
            "sgr_erase",
            include_bytes!("fixtures/vt/sgr_erase.bin"),
            include_str!("fixtures/vt/sgr_erase.txt"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, stream, reference) in cases {
        let mut emu = Emulator::new(8, 30, 100);
        emu.feed(stream);
        let (row, col) = emu.cursor().expect("visible cursor");
        let got = format!("{}\ncursor {row} {col}\n", emu.screen_text());
        if got != reference {
            failures.push(format!("{name}:\n--- ours\n{got}--- tmux\n{reference}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
