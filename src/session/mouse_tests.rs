use super::*;

use MouseEventKind::{Down, Drag, Moved, ScrollDown, ScrollLeft, ScrollUp, Up};

fn modes(mouse_tracking: MouseTracking, mouse_encoding: MouseEncoding) -> Modes {
    Modes {
        mouse_tracking,
        mouse_encoding,
        ..Modes::default()
    }
}

fn enc(kind: MouseEventKind, held: KeyModifiers, at: (u16, u16), m: Modes) -> Option<Vec<u8>> {
    encode(kind, held, at.0, at.1, m)
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const LEFT: MouseButton = MouseButton::Left;
const RIGHT: MouseButton = MouseButton::Right;

#[test]
fn nothing_is_reported_without_tracking_or_for_unasked_motion() {
    let off = modes(MouseTracking::None, MouseEncoding::Sgr);
    for kind in [Down(LEFT), Up(LEFT), Drag(LEFT), Moved, ScrollUp] {
        assert_eq!(enc(kind, NONE, (1, 1), off), None, "{kind:?}");
    }
    let click = modes(MouseTracking::Click, MouseEncoding::Sgr);
    assert_eq!(enc(Drag(LEFT), NONE, (1, 1), click), None);
    assert_eq!(enc(Moved, NONE, (1, 1), click), None);
    let drag = modes(MouseTracking::Drag, MouseEncoding::Sgr);
    assert_eq!(enc(Moved, NONE, (1, 1), drag), None);
}

/// Tracking, event, modifiers, (col, row) and the report expected.
type Row = (
    MouseTracking,
    MouseEventKind,
    KeyModifiers,
    (u16, u16),
    &'static [u8],
);

#[test]
fn sgr_reports_presses_releases_wheel_drag_and_motion() {
    let table: [Row; 9] = [
        (
            MouseTracking::Click,
            Down(LEFT),
            NONE,
            (0, 0),
            b"\x1b[<0;1;1M",
        ),
        (
            MouseTracking::Click,
            Up(LEFT),
            NONE,
            (0, 0),
            b"\x1b[<0;1;1m",
        ),
        (
            MouseTracking::Click,
            Down(RIGHT),
            KeyModifiers::CONTROL,
            (9, 4),
            b"\x1b[<18;10;5M",
        ),
        (
            MouseTracking::Click,
            Down(MouseButton::Middle),
            KeyModifiers::SHIFT | KeyModifiers::ALT,
            (2, 3),
            b"\x1b[<13;3;4M",
        ),
        (
            MouseTracking::Click,
            ScrollUp,
            NONE,
            (4, 2),
            b"\x1b[<64;5;3M",
        ),
        (
            MouseTracking::Click,
            ScrollDown,
            NONE,
            (4, 2),
            b"\x1b[<65;5;3M",
        ),
        (
            MouseTracking::Drag,
            Drag(LEFT),
            NONE,
            (300, 400),
            b"\x1b[<32;301;401M",
        ),
        (MouseTracking::Motion, Moved, NONE, (7, 8), b"\x1b[<35;8;9M"),
        (
            MouseTracking::Motion,
            ScrollLeft,
            NONE,
            (0, 0),
            b"\x1b[<66;1;1M",
        ),
    ];
    for (tracking, kind, held, at, want) in table {
        let got = enc(kind, held, at, modes(tracking, MouseEncoding::Sgr));
        assert_eq!(got.as_deref(), Some(want), "{kind:?} {held:?}");
    }
}

#[test]
fn legacy_encodings_report_release_as_button_three() {
    let x10 = modes(MouseTracking::Drag, MouseEncoding::X10);
    assert_eq!(
        enc(Down(LEFT), NONE, (0, 0), x10),
        Some(b"\x1b[M !!".to_vec())
    );
    assert_eq!(
        enc(Up(RIGHT), NONE, (1, 2), x10),
        Some(b"\x1b[M#\"#".to_vec())
    );
    assert_eq!(
        enc(Drag(LEFT), NONE, (2, 0), x10),
        Some(b"\x1b[M@#!".to_vec())
    );
    assert_eq!(
        enc(ScrollDown, KeyModifiers::CONTROL, (0, 0), x10),
        Some(b"\x1b[Mq!!".to_vec())
    );
    let urxvt = modes(MouseTracking::Motion, MouseEncoding::Urxvt);
    assert_eq!(
        enc(Down(LEFT), NONE, (299, 0), urxvt),
        Some(b"\x1b[32;300;1M".to_vec())
    );
    assert_eq!(
        enc(Up(LEFT), NONE, (0, 0), urxvt),
        Some(b"\x1b[35;1;1M".to_vec())
    );
    assert_eq!(
        enc(Moved, NONE, (1, 1), urxvt),
        Some(b"\x1b[67;2;2M".to_vec())
    );
}

#[test]
fn coordinates_past_what_x10_and_utf8_carry() {
    let x10 = modes(MouseTracking::Click, MouseEncoding::X10);
    assert_eq!(
        enc(Down(LEFT), NONE, (222, 222), x10),
        Some(vec![0x1b, b'[', b'M', 32, 255, 255])
    );
    assert_eq!(enc(Down(LEFT), NONE, (223, 0), x10), None);
    assert_eq!(enc(Down(LEFT), NONE, (0, 223), x10), None);
    let utf8 = modes(MouseTracking::Click, MouseEncoding::Utf8);
    // Column 224 is 256 + 1: two UTF-8 bytes.
    assert_eq!(
        enc(Down(LEFT), NONE, (223, 0), utf8),
        Some(b"\x1b[M \xc4\x80!".to_vec())
    );
    assert_eq!(
        enc(Down(LEFT), NONE, (10, 0), utf8),
        Some(b"\x1b[M +!".to_vec())
    );
    assert!(enc(Down(LEFT), NONE, (2014, 2014), utf8).is_some());
    assert_eq!(enc(Down(LEFT), NONE, (2015, 0), utf8), None);
}
