//! vttest 2.7's menu 1 output, recorded at 80x24 (`script` inside tmux, TERM=xterm, one
//! Return per screen; tests/fixtures/vttest/menu1.bin), replayed into the emulator and
//! checked against what vttest's screens ask for.

use execmux::session::emulator::Emulator;

const MENU1: &[u8] = include_bytes!("fixtures/vttest/menu1.bin");
/// Bytes written up to each screen's "Push <RETURN>": the first border screen, the
/// 132-column border screen, the autowrap screen.
const SCREENS: [usize; 3] = [5914, 13344, 14119];

fn screen_at(end: usize) -> Vec<String> {
    let mut emu = Emulator::new(24, 80, 100);
    emu.feed(&MENU1[..end]);
    let mut rows: Vec<String> = emu.screen_text().split('\n').map(str::to_owned).collect();
    rows.resize(24, String::new());
    rows
}

#[test]
fn the_first_border_screen_is_an_unbroken_frame() {
    let want = include_str!("fixtures/vttest/menu1-border.txt");
    let want: Vec<&str> = want.lines().map(str::trim_end).collect();
    assert_eq!(screen_at(SCREENS[0]), want);
}

#[test]
fn autowrap_mixing_controls_keeps_every_margin_letter_in_order() {
    // "The left/right margins should have letters in order": the 26 letters went through
    // the 19-row region, so I..Z remain, each with its lowercase at column 80.
    let rows = screen_at(SCREENS[2]);
    assert_eq!(
        rows[0],
        "Test of autowrap, mixing control and print characters."
    );
    for (i, letter) in ('I'..='Z').enumerate() {
        let want = format!("{letter}{}{}", " ".repeat(78), letter.to_ascii_lowercase());
        assert_eq!(rows[2 + i], want, "row {}", 3 + i);
    }
    assert_eq!(rows[20], "");
    assert!(rows[21].starts_with("Push <RETURN>"));
}

/// vttest's soft and jump scroll screens in a two-line region, as it sends them: origin
/// mode on, the region 12..13, CUD and CUU far past its margins, then text, CRLF and RI.
/// CUU and CUD stop at the margins of the region the cursor is in (VT100 User Guide, CUU:
/// "the cursor stops at the top margin"), so everything stays in rows 12 and 13.
#[test]
fn scrolling_in_a_two_line_region_stays_in_the_region() {
    let mut emu = Emulator::new(24, 80, 100);
    emu.feed(b"\x1b[?6h\x1b[?4h\x1b[12;13r\x1b[2J\x1b[24B");
    for i in 1..=5 {
        emu.feed(format!("up {i}\r\n").as_bytes());
    }
    emu.feed(b"\x1b[24Adown 1\r\n\x1bM\x1bMdown 2\r\n\x1bM\x1bMdown 3\r\n");
    let rows: Vec<String> = emu.screen_text().split('\n').map(str::to_owned).collect();
    let text = rows.join("\n");
    assert!(
        rows.iter().take(11).all(String::is_empty),
        "above the region:\n{text}"
    );
    assert_eq!(rows[11], "down 3", "{text}");
    assert_eq!(rows[12], "down 2", "{text}");
    assert!(
        rows.iter().skip(13).all(String::is_empty),
        "below the region:\n{text}"
    );
}

/// Relative moves in origin mode count from the cursor, not from the region's top again.
#[test]
fn cursor_moves_in_origin_mode_are_relative_to_the_cursor() {
    let mut emu = Emulator::new(24, 80, 100);
    // Region 5..20, origin mode: row 2 of the region is screen row 6; one down is row 7.
    emu.feed(b"\x1b[5;20r\x1b[?6h\x1b[2;1H\x1b[Bdown\x1b[3Eline\x1b[2Fup");
    let rows: Vec<String> = emu.screen_text().split('\n').map(str::to_owned).collect();
    let text = rows.join("\n");
    assert_eq!(rows[6], "down", "{text}");
    assert_eq!(rows[7], "up", "{text}");
    assert_eq!(rows[9], "line", "{text}");
}
