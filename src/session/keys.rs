//! The pure key encoder: turns crossterm key presses and pastes into the bytes an xterm-like
//! terminal would send to the program running in an exec (no I/O, no state).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

const ESC: u8 = 0x1b;
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// Terminal modes that change what keys send (from the emulator of the exec's screen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyModes {
    /// DECCKM: unmodified cursor keys (and Home/End) send SS3 (`ESC O x`) instead of CSI.
    pub application_cursor: bool,
    /// Mode 2004: pastes are wrapped in `ESC[200~` ... `ESC[201~`.
    pub bracketed_paste: bool,
}

/// The bytes for one key press, or None for keys that send nothing (key releases,
/// modifier-only presses, media keys...).
pub fn encode(key: &KeyEvent, modes: KeyModes) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let held = key.modifiers;
    let alt = held.contains(KeyModifiers::ALT);
    let ctrl = held.contains(KeyModifiers::CONTROL);
    let shift = held.contains(KeyModifiers::SHIFT);
    let param = modifier_param(held);

    let bytes = match key.code {
        KeyCode::Char(c) => with_alt(alt, char_bytes(c, ctrl)),
        KeyCode::Enter => with_alt(alt, vec![b'\r']),
        KeyCode::Tab if shift => with_alt(alt, b"\x1b[Z".to_vec()),
        KeyCode::Tab => with_alt(alt, vec![b'\t']),
        KeyCode::BackTab => with_alt(alt, b"\x1b[Z".to_vec()),
        KeyCode::Backspace => with_alt(alt, vec![if ctrl { 0x08 } else { 0x7f }]),
        KeyCode::Esc => with_alt(alt, vec![ESC]),
        KeyCode::Null => with_alt(alt, vec![0]),
        KeyCode::Up => cursor_key(b'A', param, modes),
        KeyCode::Down => cursor_key(b'B', param, modes),
        KeyCode::Right => cursor_key(b'C', param, modes),
        KeyCode::Left => cursor_key(b'D', param, modes),
        KeyCode::Home => cursor_key(b'H', param, modes),
        KeyCode::End => cursor_key(b'F', param, modes),
        KeyCode::Insert => tilde_key(2, param),
        KeyCode::Delete => tilde_key(3, param),
        KeyCode::PageUp => tilde_key(5, param),
        KeyCode::PageDown => tilde_key(6, param),
        KeyCode::F(n) => function_key(n, param)?,
        _ => return None,
    };
    Some(bytes)
}

/// The bytes for pasted text: wrapped in `ESC[200~` ... `ESC[201~` when bracketed paste is on.
///
/// In both modes `"\r\n"` and `"\n"` become `"\r"` (as xterm does), and any `ESC[200~` or
/// `ESC[201~` inside the text is removed, so a paste can never end the bracket early.
pub fn encode_paste(text: &str, modes: KeyModes) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + PASTE_START.len() + PASTE_END.len());
    if modes.bracketed_paste {
        out.extend_from_slice(PASTE_START);
    }
    let body_start = out.len();
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        match b {
            b'\r' => {
                bytes.next_if_eq(&b'\n');
                out.push(b'\r');
            }
            b'\n' => out.push(b'\r'),
            _ => out.push(b),
        }
        // Dropping a marker as soon as it is complete works like a stack: a marker that only
        // appears once an inner one is gone (ESC[20 ESC[201~ 1~) is caught too.
        let body = &out[body_start..];
        if body.ends_with(PASTE_END) || body.ends_with(PASTE_START) {
            out.truncate(out.len() - PASTE_END.len());
        }
    }
    if modes.bracketed_paste {
        out.extend_from_slice(PASTE_END);
    }
    out
}

/// xterm's modifier parameter (1 + shift 1 | alt 2 | ctrl 4), or None when none of them is held.
fn modifier_param(mods: KeyModifiers) -> Option<u8> {
    let mut m = 0;
    if mods.contains(KeyModifiers::SHIFT) {
        m |= 1;
    }
    if mods.contains(KeyModifiers::ALT) {
        m |= 2;
    }
    if mods.contains(KeyModifiers::CONTROL) {
        m |= 4;
    }
    (m != 0).then_some(m + 1)
}

/// Prefixes ESC when Alt is held (xterm's "meta sends escape").
fn with_alt(alt: bool, mut bytes: Vec<u8>) -> Vec<u8> {
    if alt {
        bytes.insert(0, ESC);
    }
    bytes
}

/// A character, turned into its control code when Ctrl is held and it has one.
fn char_bytes(c: char, ctrl: bool) -> Vec<u8> {
    if let Some(code) = control_code(c).filter(|_| ctrl) {
        return vec![code];
    }
    let mut buf = [0; 4];
    c.encode_utf8(&mut buf).as_bytes().to_vec()
}

/// The control code xterm sends for Ctrl plus this character, if there is one.
fn control_code(c: char) -> Option<u8> {
    let code = match c {
        ' ' | '2' => 0,
        '3' => 27,
        '4' => 28,
        '5' => 29,
        '6' => 30,
        '7' | '/' => 31,
        '8' | '?' => 127,
        // '@', 'A'..='Z', '[', '\\', ']', '^', '_' and 'a'..='z' map onto 0..=31.
        '@'..='_' | 'a'..='z' => u8::try_from(c).ok()? & 0x1f,
        _ => return None,
    };
    Some(code)
}

/// Arrows, Home and End: CSI (or SS3 in application cursor mode) plus the final byte; with
/// modifiers always `CSI 1 ; m x`.
fn cursor_key(final_byte: u8, param: Option<u8>, modes: KeyModes) -> Vec<u8> {
    match param {
        Some(m) => format!("\x1b[1;{m}{}", char::from(final_byte)).into_bytes(),
        None if modes.application_cursor => vec![ESC, b'O', final_byte],
        None => vec![ESC, b'[', final_byte],
    }
}

/// Keys of the form `CSI n ~` (with modifiers `CSI n ; m ~`).
fn tilde_key(n: u8, param: Option<u8>) -> Vec<u8> {
    match param {
        Some(m) => format!("\x1b[{n};{m}~").into_bytes(),
        None => format!("\x1b[{n}~").into_bytes(),
    }
}

/// F1-F12 as xterm sends them; None for function keys xterm has no standard sequence for.
fn function_key(n: u8, param: Option<u8>) -> Option<Vec<u8>> {
    let bytes = match n {
        1..=4 => {
            let final_byte = char::from(b'P' + (n - 1));
            match param {
                Some(m) => format!("\x1b[1;{m}{final_byte}").into_bytes(),
                None => format!("\x1bO{final_byte}").into_bytes(),
            }
        }
        5 => tilde_key(15, param),
        6 => tilde_key(17, param),
        7 => tilde_key(18, param),
        8 => tilde_key(19, param),
        9 => tilde_key(20, param),
        10 => tilde_key(21, param),
        11 => tilde_key(23, param),
        12 => tilde_key(24, param),
        _ => return None,
    };
    Some(bytes)
}

#[cfg(test)]
mod tests {
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
    };
    const APP: KeyModes = KeyModes {
        application_cursor: true,
        bracketed_paste: false,
    };
    const BRACKETED: KeyModes = KeyModes {
        application_cursor: false,
        bracketed_paste: true,
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
}
