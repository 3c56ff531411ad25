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
