//! Which characters a container may never put on the host terminal: the one test that
//! every path from the engine, the scrollback and the CLI to a screen applies.

/// Characters that must never reach the host terminal: C0/C1 controls and DEL, bidi
/// overrides and isolates, and line/paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}'
        )
        || matches!(c, '\u{2066}'..='\u{2069}')
}
