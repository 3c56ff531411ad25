//! The pure key encoder: turns crossterm key presses and pastes into the bytes an xterm-like
//! terminal would send to the program running in an exec (no I/O, no state).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

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
    /// DECKPAM: unmodified keypad digits, operators and Enter send SS3 sequences (`ESC O p`
    /// for keypad 0). Only keys the host reports as keypad keys are affected: a host with
    /// the kitty keyboard protocol does (the console asks for its first level); elsewhere
    /// they arrive as the main keyboard's keys and are sent as such.
    pub application_keypad: bool,
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

    if modes.application_keypad
        && param.is_none()
        && key.state.contains(KeyEventState::KEYPAD)
        && let Some(final_byte) = keypad_final(key.code)
    {
        return Some(vec![ESC, b'O', final_byte]);
    }
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

/// The SS3 final byte xterm sends for a keypad key in application keypad mode.
fn keypad_final(code: KeyCode) -> Option<u8> {
    let b = match code {
        KeyCode::Char(c @ '0'..='9') => b'p' + (u8::try_from(c).ok()? - b'0'),
        KeyCode::Char('*') => b'j',
        KeyCode::Char('+') => b'k',
        KeyCode::Char(',') => b'l',
        KeyCode::Char('-') => b'm',
        KeyCode::Char('.') => b'n',
        KeyCode::Char('/') => b'o',
        KeyCode::Char('=') => b'X',
        KeyCode::Enter => b'M',
        _ => return None,
    };
    Some(b)
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
#[path = "keys_tests.rs"]
mod tests;
