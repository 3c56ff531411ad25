//! The terminal modes a program set that change what we send it (keys, mouse, focus,
//! pastes) or how its cursor is shown.

/// Which mouse events the program asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MouseTracking {
    /// No reports: the wheel is ours.
    #[default]
    None,
    /// 1000: presses and releases (and the wheel).
    Click,
    /// 1002: also motion while a button is held.
    Drag,
    /// 1003: all motion.
    Motion,
}

/// How mouse reports are encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MouseEncoding {
    /// `ESC [ M` and three bytes, coordinates up to 223.
    #[default]
    X10,
    /// 1005: as X10 with coordinates as UTF-8 (up to 2015).
    Utf8,
    /// 1006: `ESC [ < b ; x ; y M/m`.
    Sgr,
    /// 1015: `ESC [ b ; x ; y M`.
    Urxvt,
}

/// Terminal modes set by the program (see [`Emulator::modes`](super::emulator::Emulator::modes)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct Modes {
    /// DECCKM: cursor keys send SS3 sequences.
    pub application_cursor: bool,
    /// DECKPAM: the keypad sends application sequences.
    pub application_keypad: bool,
    /// 2004: pastes are bracketed.
    pub bracketed_paste: bool,
    /// 1049: the alternate screen is shown.
    pub alternate_screen: bool,
    /// 1007: on the alternate screen, the wheel sends cursor keys.
    pub alternate_scroll: bool,
    /// 1004: focus in and out are reported.
    pub focus_reports: bool,
    pub mouse_tracking: MouseTracking,
    pub mouse_encoding: MouseEncoding,
}

/// Shape of the program's cursor (DECSCUSR), for the host cursor; the same choices as
/// crossterm's `SetCursorStyle`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CursorShape {
    #[default]
    SteadyBlock,
    BlinkingBlock,
    SteadyUnderline,
    BlinkingUnderline,
    SteadyBar,
    BlinkingBar,
}
