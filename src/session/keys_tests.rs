//! The key encoder's table of keys, modes and the bytes they send, and paste encoding.

use super::*;
use crossterm::event::{KeyEventState, MediaKeyCode, ModifierKeyCode};

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const ALT: KeyModifiers = KeyModifiers::ALT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const CTRL_ALT: KeyModifiers = KeyModifiers::CONTROL.union(KeyModifiers::ALT);
const CTRL_SHIFT: KeyModifiers = KeyModifiers::CONTROL.union(KeyModifiers::SHIFT);
const ALT_SHIFT: KeyModifiers = KeyModifiers::ALT.union(KeyModifiers::SHIFT);
const ALL: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SHIFT);

const NORMAL: KeyModes = KeyModes {
    application_cursor: false,
    bracketed_paste: false,
    application_keypad: false,
};
const APP: KeyModes = KeyModes {
    application_cursor: true,
    bracketed_paste: false,
    application_keypad: false,
};
const BRACKETED: KeyModes = KeyModes {
    application_cursor: false,
    bracketed_paste: true,
    application_keypad: false,
};

fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn ch(c: char, mods: KeyModifiers) -> KeyEvent {
    press(KeyCode::Char(c), mods)
}

fn kind(code: KeyCode, mods: KeyModifiers, kind: KeyEventKind) -> KeyEvent {
    KeyEvent::new_with_kind(code, mods, kind)
}

type Row = (KeyEvent, KeyModes, Option<&'static [u8]>);

#[allow(clippy::too_many_lines)]
fn table() -> Vec<Row> {
    use KeyCode as K;
    vec![
        // Printable characters.
        (ch('a', NONE), NORMAL, Some(b"a")),
        (ch('z', NONE), NORMAL, Some(b"z")),
        (ch('1', NONE), NORMAL, Some(b"1")),
        (ch(' ', NONE), NORMAL, Some(b" ")),
        (ch('~', NONE), NORMAL, Some(b"~")),
        (ch('A', SHIFT), NORMAL, Some(b"A")),
        (ch('!', SHIFT), NORMAL, Some(b"!")),
        (ch('é', NONE), NORMAL, Some("é".as_bytes())),
        (ch('€', NONE), NORMAL, Some("€".as_bytes())),
        (ch('😀', NONE), NORMAL, Some("😀".as_bytes())),
        (ch('a', NONE), APP, Some(b"a")),
        // Editing keys.
        (press(K::Enter, NONE), NORMAL, Some(b"\r")),
        (press(K::Enter, SHIFT), NORMAL, Some(b"\r")),
        (press(K::Enter, CTRL), NORMAL, Some(b"\r")),
        (press(K::Tab, NONE), NORMAL, Some(b"\t")),
        (press(K::Tab, SHIFT), NORMAL, Some(b"\x1b[Z")),
        (press(K::BackTab, SHIFT), NORMAL, Some(b"\x1b[Z")),
        (press(K::BackTab, NONE), NORMAL, Some(b"\x1b[Z")),
        (press(K::Backspace, NONE), NORMAL, Some(b"\x7f")),
        (press(K::Backspace, CTRL), NORMAL, Some(b"\x08")),
        (press(K::Esc, NONE), NORMAL, Some(b"\x1b")),
        (press(K::Null, NONE), NORMAL, Some(b"\x00")),
        // Ctrl + letter.
        (ch('a', CTRL), NORMAL, Some(b"\x01")),
        (ch('c', CTRL), NORMAL, Some(b"\x03")),
        (ch('d', CTRL), NORMAL, Some(b"\x04")),
        (ch('z', CTRL), NORMAL, Some(b"\x1a")),
        (ch('A', CTRL_SHIFT), NORMAL, Some(b"\x01")),
        (ch('Z', CTRL), NORMAL, Some(b"\x1a")),
        // Ctrl + symbols.
        (ch('@', CTRL), NORMAL, Some(b"\x00")),
        (ch(' ', CTRL), NORMAL, Some(b"\x00")),
        (ch('[', CTRL), NORMAL, Some(b"\x1b")),
        (ch('\\', CTRL), NORMAL, Some(b"\x1c")),
        (ch(']', CTRL), NORMAL, Some(b"\x1d")),
        (ch('^', CTRL), NORMAL, Some(b"\x1e")),
        (ch('_', CTRL), NORMAL, Some(b"\x1f")),
        (ch('/', CTRL), NORMAL, Some(b"\x1f")),
        (ch('?', CTRL), NORMAL, Some(b"\x7f")),
        // Ctrl + digits.
        (ch('2', CTRL), NORMAL, Some(b"\x00")),
        (ch('3', CTRL), NORMAL, Some(b"\x1b")),
        (ch('4', CTRL), NORMAL, Some(b"\x1c")),
        (ch('5', CTRL), NORMAL, Some(b"\x1d")),
        (ch('6', CTRL), NORMAL, Some(b"\x1e")),
        (ch('7', CTRL), NORMAL, Some(b"\x1f")),
        (ch('8', CTRL), NORMAL, Some(b"\x7f")),
        (ch('1', CTRL), NORMAL, Some(b"1")),
        (ch('9', CTRL), NORMAL, Some(b"9")),
        (ch('é', CTRL), NORMAL, Some("é".as_bytes())),
        // Alt as an ESC prefix.
        (ch('a', ALT), NORMAL, Some(b"\x1ba")),
        (ch('A', ALT_SHIFT), NORMAL, Some(b"\x1bA")),
        (ch('.', ALT), NORMAL, Some(b"\x1b.")),
        (ch('é', ALT), NORMAL, Some("\x1bé".as_bytes())),
        (ch('a', CTRL_ALT), NORMAL, Some(b"\x1b\x01")),
        (ch(' ', CTRL_ALT), NORMAL, Some(b"\x1b\x00")),
        (press(K::Enter, ALT), NORMAL, Some(b"\x1b\r")),
        (press(K::Tab, ALT), NORMAL, Some(b"\x1b\t")),
        (press(K::Backspace, ALT), NORMAL, Some(b"\x1b\x7f")),
        (press(K::Backspace, CTRL_ALT), NORMAL, Some(b"\x1b\x08")),
        (press(K::Esc, ALT), NORMAL, Some(b"\x1b\x1b")),
        // Arrows, normal and application cursor mode.
        (press(K::Up, NONE), NORMAL, Some(b"\x1b[A")),
        (press(K::Down, NONE), NORMAL, Some(b"\x1b[B")),
        (press(K::Right, NONE), NORMAL, Some(b"\x1b[C")),
        (press(K::Left, NONE), NORMAL, Some(b"\x1b[D")),
        (press(K::Up, NONE), APP, Some(b"\x1bOA")),
        (press(K::Down, NONE), APP, Some(b"\x1bOB")),
        (press(K::Right, NONE), APP, Some(b"\x1bOC")),
        (press(K::Left, NONE), APP, Some(b"\x1bOD")),
        (press(K::Home, NONE), NORMAL, Some(b"\x1b[H")),
        (press(K::End, NONE), NORMAL, Some(b"\x1b[F")),
        (press(K::Home, NONE), APP, Some(b"\x1bOH")),
        (press(K::End, NONE), APP, Some(b"\x1bOF")),
        // Modified cursor keys: always CSI 1;m, no ESC prefix for Alt.
        (press(K::Up, SHIFT), NORMAL, Some(b"\x1b[1;2A")),
        (press(K::Down, ALT), NORMAL, Some(b"\x1b[1;3B")),
        (press(K::Right, ALT_SHIFT), NORMAL, Some(b"\x1b[1;4C")),
        (press(K::Left, CTRL), NORMAL, Some(b"\x1b[1;5D")),
        (press(K::Left, CTRL), APP, Some(b"\x1b[1;5D")),
        (press(K::Up, CTRL_SHIFT), NORMAL, Some(b"\x1b[1;6A")),
        (press(K::Right, CTRL_ALT), APP, Some(b"\x1b[1;7C")),
        (press(K::Down, ALL), NORMAL, Some(b"\x1b[1;8B")),
        (press(K::Home, SHIFT), NORMAL, Some(b"\x1b[1;2H")),
        (press(K::End, CTRL), APP, Some(b"\x1b[1;5F")),
        // Insert, Delete, PageUp, PageDown.
        (press(K::Insert, NONE), NORMAL, Some(b"\x1b[2~")),
        (press(K::Delete, NONE), NORMAL, Some(b"\x1b[3~")),
        (press(K::PageUp, NONE), NORMAL, Some(b"\x1b[5~")),
        (press(K::PageDown, NONE), NORMAL, Some(b"\x1b[6~")),
        (press(K::Delete, NONE), APP, Some(b"\x1b[3~")),
        (press(K::Insert, SHIFT), NORMAL, Some(b"\x1b[2;2~")),
        (press(K::Delete, CTRL), NORMAL, Some(b"\x1b[3;5~")),
        (press(K::PageUp, ALT), NORMAL, Some(b"\x1b[5;3~")),
        (press(K::PageDown, ALL), NORMAL, Some(b"\x1b[6;8~")),
        // Function keys.
        (press(K::F(1), NONE), NORMAL, Some(b"\x1bOP")),
        (press(K::F(2), NONE), NORMAL, Some(b"\x1bOQ")),
        (press(K::F(3), NONE), NORMAL, Some(b"\x1bOR")),
        (press(K::F(4), NONE), NORMAL, Some(b"\x1bOS")),
        (press(K::F(1), NONE), APP, Some(b"\x1bOP")),
        (press(K::F(1), SHIFT), NORMAL, Some(b"\x1b[1;2P")),
        (press(K::F(2), CTRL), NORMAL, Some(b"\x1b[1;5Q")),
        (press(K::F(3), ALT), NORMAL, Some(b"\x1b[1;3R")),
        (press(K::F(4), CTRL_SHIFT), NORMAL, Some(b"\x1b[1;6S")),
        (press(K::F(5), NONE), NORMAL, Some(b"\x1b[15~")),
        (press(K::F(6), NONE), NORMAL, Some(b"\x1b[17~")),
        (press(K::F(7), NONE), NORMAL, Some(b"\x1b[18~")),
        (press(K::F(8), NONE), NORMAL, Some(b"\x1b[19~")),
        (press(K::F(9), NONE), NORMAL, Some(b"\x1b[20~")),
        (press(K::F(10), NONE), NORMAL, Some(b"\x1b[21~")),
        (press(K::F(11), NONE), NORMAL, Some(b"\x1b[23~")),
        (press(K::F(12), NONE), NORMAL, Some(b"\x1b[24~")),
        (press(K::F(5), SHIFT), NORMAL, Some(b"\x1b[15;2~")),
        (press(K::F(10), ALT), NORMAL, Some(b"\x1b[21;3~")),
        (press(K::F(12), CTRL), NORMAL, Some(b"\x1b[24;5~")),
        (press(K::F(0), NONE), NORMAL, None),
        (press(K::F(13), NONE), NORMAL, None),
        (press(K::F(24), SHIFT), NORMAL, None),
        // Event kinds: presses and repeats send, releases do not.
        (
            kind(K::Char('a'), NONE, KeyEventKind::Repeat),
            NORMAL,
            Some(b"a"),
        ),
        (
            kind(K::Up, NONE, KeyEventKind::Repeat),
            APP,
            Some(b"\x1bOA"),
        ),
        (
            kind(K::Char('a'), NONE, KeyEventKind::Release),
            NORMAL,
            None,
        ),
        (kind(K::Enter, NONE, KeyEventKind::Release), NORMAL, None),
        (kind(K::Up, SHIFT, KeyEventKind::Release), NORMAL, None),
        // Keys that send nothing.
        (
            press(K::Modifier(ModifierKeyCode::LeftShift), SHIFT),
            NORMAL,
            None,
        ),
        (
            press(K::Modifier(ModifierKeyCode::LeftControl), CTRL),
            NORMAL,
            None,
        ),
        (press(K::Media(MediaKeyCode::Play), NONE), NORMAL, None),
        (press(K::CapsLock, NONE), NORMAL, None),
        (press(K::NumLock, NONE), NORMAL, None),
        (press(K::ScrollLock, NONE), NORMAL, None),
        (press(K::PrintScreen, NONE), NORMAL, None),
        (press(K::Pause, NONE), NORMAL, None),
        (press(K::Menu, NONE), NORMAL, None),
        (press(K::KeypadBegin, NONE), NORMAL, None),
        // Bracketed paste does not change what keys send.
        (press(K::Up, NONE), BRACKETED, Some(b"\x1b[A")),
        (ch('v', CTRL), BRACKETED, Some(b"\x16")),
    ]
}

#[test]
fn key_table() {
    let rows = table();
    assert!(rows.len() >= 50, "table has only {} rows", rows.len());
    let mut failures = Vec::new();
    for (i, (key, modes, expected)) in rows.iter().enumerate() {
        let got = encode(key, *modes);
        if got.as_deref() != *expected {
            failures.push(format!(
                "row {i}: {key:?} {modes:?}: expected {:?}, got {:?}",
                expected.map(<[u8]>::escape_ascii).map(|e| e.to_string()),
                got.as_deref()
                    .map(<[u8]>::escape_ascii)
                    .map(|e| e.to_string()),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn key_state_is_ignored() {
    let key = KeyEvent::new_with_kind_and_state(
        KeyCode::Char('x'),
        NONE,
        KeyEventKind::Press,
        KeyEventState::CAPS_LOCK,
    );
    assert_eq!(encode(&key, NORMAL).as_deref(), Some(&b"x"[..]));
}

const KEYPAD_APP: KeyModes = KeyModes {
    application_cursor: false,
    bracketed_paste: false,
    application_keypad: true,
};

fn keypad(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new_with_kind_and_state(code, mods, KeyEventKind::Press, KeyEventState::KEYPAD)
}

#[test]
fn keypad_keys_in_application_keypad_mode() {
    use KeyCode as K;
    let rows: &[(KeyEvent, KeyModes, &[u8])] = &[
        // DECKPAM: SS3 with xterm's final bytes.
        (keypad(K::Char('0'), NONE), KEYPAD_APP, b"\x1bOp"),
        (keypad(K::Char('5'), NONE), KEYPAD_APP, b"\x1bOu"),
        (keypad(K::Char('9'), NONE), KEYPAD_APP, b"\x1bOy"),
        (keypad(K::Char('*'), NONE), KEYPAD_APP, b"\x1bOj"),
        (keypad(K::Char('+'), NONE), KEYPAD_APP, b"\x1bOk"),
        (keypad(K::Char(','), NONE), KEYPAD_APP, b"\x1bOl"),
        (keypad(K::Char('-'), NONE), KEYPAD_APP, b"\x1bOm"),
        (keypad(K::Char('.'), NONE), KEYPAD_APP, b"\x1bOn"),
        (keypad(K::Char('/'), NONE), KEYPAD_APP, b"\x1bOo"),
        (keypad(K::Char('='), NONE), KEYPAD_APP, b"\x1bOX"),
        (keypad(K::Enter, NONE), KEYPAD_APP, b"\x1bOM"),
        // Keypad arrows (Num Lock off) stay cursor keys.
        (keypad(K::Up, NONE), KEYPAD_APP, b"\x1b[A"),
        (keypad(K::Home, NONE), KEYPAD_APP, b"\x1b[H"),
        // With a modifier, or in numeric mode, the keypad sends what the main keys send.
        (keypad(K::Char('7'), CTRL), KEYPAD_APP, b"\x1f"),
        (keypad(K::Enter, ALT), KEYPAD_APP, b"\x1b\r"),
        (keypad(K::Char('1'), NONE), NORMAL, b"1"),
        (keypad(K::Char('+'), NONE), NORMAL, b"+"),
        (keypad(K::Enter, NONE), NORMAL, b"\r"),
        // Main-keyboard keys never change with the keypad mode.
        (ch('1', NONE), KEYPAD_APP, b"1"),
        (press(K::Enter, NONE), KEYPAD_APP, b"\r"),
    ];
    for (key, modes, expected) in rows {
        assert_eq!(
            encode(key, *modes).as_deref(),
            Some(*expected),
            "{key:?} {modes:?}"
        );
    }
}

#[test]
fn default_modes_are_all_off() {
    assert_eq!(KeyModes::default(), NORMAL);
}

#[test]
fn paste_plain() {
    assert_eq!(encode_paste("hello world", NORMAL), b"hello world");
    assert_eq!(encode_paste("", NORMAL), b"");
    assert_eq!(encode_paste("héllo €", NORMAL), "héllo €".as_bytes());
}

#[test]
fn paste_bracketed() {
    assert_eq!(encode_paste("ls -l", BRACKETED), b"\x1b[200~ls -l\x1b[201~");
    assert_eq!(encode_paste("", BRACKETED), b"\x1b[200~\x1b[201~");
}

#[test]
fn paste_newlines_become_carriage_returns() {
    assert_eq!(encode_paste("a\nb\r\nc\rd\n", NORMAL), b"a\rb\rc\rd\r");
    assert_eq!(encode_paste("\n\n\r\n", NORMAL), b"\r\r\r");
    assert_eq!(
        encode_paste("echo 1\necho 2\r\n", BRACKETED),
        b"\x1b[200~echo 1\recho 2\r\x1b[201~"
    );
    // "\n\r" is a newline followed by a carriage return, not one line break.
    assert_eq!(encode_paste("a\n\rb", NORMAL), b"a\r\rb");
}

#[test]
fn paste_cannot_end_the_bracket_early() {
    assert_eq!(
        encode_paste("evil\x1b[201~rm -rf /\n", BRACKETED),
        b"\x1b[200~evilrm -rf /\r\x1b[201~"
    );
    assert_eq!(
        encode_paste("a\x1b[200~b\x1b[201~c", BRACKETED),
        b"\x1b[200~abc\x1b[201~"
    );
    // A marker that only forms once an inner one is removed is removed too.
    assert_eq!(
        encode_paste("x\x1b[20\x1b[201~1~y", BRACKETED),
        b"\x1b[200~xy\x1b[201~"
    );
    // The text right at the start of the body never merges with the opening marker.
    assert_eq!(
        encode_paste("\x1b[201~\x1b[201~", BRACKETED),
        b"\x1b[200~\x1b[201~"
    );
    // Other escape sequences pass through untouched.
    assert_eq!(
        encode_paste("\x1b[31mred\x1b[0m", BRACKETED),
        b"\x1b[200~\x1b[31mred\x1b[0m\x1b[201~"
    );
}

#[test]
fn paste_markers_are_removed_without_brackets_too() {
    assert_eq!(encode_paste("a\x1b[201~b\x1b[200~c", NORMAL), b"abc");
}
