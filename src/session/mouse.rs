//! The pure mouse encoder: turns a crossterm mouse event, with coordinates already relative
//! to the tab (0-based), into the report a program asked for with modes 1000/1002/1003 and
//! encodings X10, UTF-8 (1005), SGR (1006) and urxvt (1015). No I/O, no state.

use crossterm::event::{KeyModifiers, MouseButton, MouseEventKind};

use crate::session::modes::{Modes, MouseEncoding, MouseTracking};

/// Largest 1-based coordinate X10 can carry in one byte (255 - 32).
const X10_MAX: u32 = 223;
/// Largest 1-based coordinate UTF-8 mode can carry in two bytes (2047 - 32).
const UTF8_MAX: u32 = 2015;

/// The report for one mouse event, or None when the program did not ask for it (tracking
/// off, motion it did not ask for, horizontal wheel) or the position cannot be encoded.
pub fn encode(
    kind: MouseEventKind,
    modifiers: KeyModifiers,
    col: u16,
    row: u16,
    modes: Modes,
) -> Option<Vec<u8>> {
    let tracking = modes.mouse_tracking;
    let (code, release) = match kind {
        MouseEventKind::Down(b) => (button(b), false),
        MouseEventKind::Up(b) => (button(b), true),
        MouseEventKind::Drag(b) if tracking != MouseTracking::Click => (button(b) + 32, false),
        MouseEventKind::Moved if tracking == MouseTracking::Motion => (3 + 32, false),
        MouseEventKind::ScrollUp => (64, false),
        MouseEventKind::ScrollDown => (65, false),
        MouseEventKind::ScrollLeft => (66, false),
        MouseEventKind::ScrollRight => (67, false),
        _ => return None,
    };
    if tracking == MouseTracking::None {
        return None;
    }
    let mut code = code;
    for (m, bit) in [
        (KeyModifiers::SHIFT, 4),
        (KeyModifiers::ALT, 8),
        (KeyModifiers::CONTROL, 16),
    ] {
        if modifiers.contains(m) {
            code += bit;
        }
    }
    let (x, y) = (u32::from(col) + 1, u32::from(row) + 1);
    // Release in the legacy encodings says only "a button went up".
    let legacy = if release { 3 + (code & !3) } else { code };
    match modes.mouse_encoding {
        MouseEncoding::Sgr => {
            let end = if release { 'm' } else { 'M' };
            Some(format!("\x1b[<{code};{x};{y}{end}").into_bytes())
        }
        MouseEncoding::Urxvt => Some(format!("\x1b[{};{x};{y}M", legacy + 32).into_bytes()),
        MouseEncoding::X10 => {
            if x > X10_MAX || y > X10_MAX {
                return None;
            }
            let byte = |n: u32| u8::try_from(n + 32).unwrap_or(u8::MAX);
            Some(vec![0x1b, b'[', b'M', byte(legacy), byte(x), byte(y)])
        }
        MouseEncoding::Utf8 => {
            if x > UTF8_MAX || y > UTF8_MAX {
                return None;
            }
            let mut out = b"\x1b[M".to_vec();
            for n in [legacy, x, y] {
                let c = char::from_u32(n + 32)?;
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            Some(out)
        }
    }
}

fn button(b: MouseButton) -> u32 {
    match b {
        MouseButton::Left => 0,
        MouseButton::Middle => 1,
        MouseButton::Right => 2,
    }
}

#[cfg(test)]
#[path = "mouse_tests.rs"]
mod tests;
