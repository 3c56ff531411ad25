//! Mouse routing: to the program when it asked for reports, cursor keys for the wheel on
//! its alternate screen, else ours.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::super::mouse::{Route, route};
use super::*;
use crate::session::modes::{Modes, MouseTracking};

#[test]
fn the_routing_table() {
    let up = MouseEventKind::ScrollUp;
    let click = MouseEventKind::Down(MouseButton::Left);
    let modes = |tracking, alternate_screen| Modes {
        mouse_tracking: tracking,
        alternate_screen,
        alternate_scroll: true,
        ..Modes::default()
    };
    let (on, off) = (MouseTracking::Click, MouseTracking::None);
    // (event, focused, scrolled back, reporting, alternate screen) -> route
    let table = [
        (up, true, false, on, false, Route::Report),
        (up, true, false, on, true, Route::Report),
        (up, false, false, on, false, Route::Report),
        (up, true, false, off, true, Route::Arrows { up: true }),
        (up, false, false, off, true, Route::Arrows { up: true }),
        (up, true, false, off, false, Route::Ours),
        (up, true, true, on, false, Route::Ours),
        (up, true, true, off, true, Route::Ours),
        (click, true, false, on, false, Route::Report),
        (click, true, false, on, true, Route::Report),
        (click, false, false, on, false, Route::Ours),
        (click, true, false, off, true, Route::Ours),
        (click, true, false, off, false, Route::Ours),
        (click, true, true, on, false, Route::Report),
    ];
    for (kind, focused, scrolled, tracking, alt, want) in table {
        assert_eq!(
            route(kind, focused, scrolled, modes(tracking, alt)),
            want,
            "{kind:?} focused={focused} scrolled={scrolled} {tracking:?} alt={alt}"
        );
    }
    let no_alt_scroll = Modes {
        alternate_screen: true,
        alternate_scroll: false,
        ..Modes::default()
    };
    assert_eq!(route(up, true, false, no_alt_scroll), Route::Ours);
}

#[test]
fn reports_reach_a_program_that_asked_with_tab_relative_coordinates() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    feed(&mut app, tab, b"\x1b[?1000h\x1b[?1006h");
    let s = app.layout.screen();
    let (x, y) = (s.x + 4, s.y + 2);
    let input = |bytes: &[u8]| {
        vec![Effect::Input {
            tab,
            bytes: bytes.to_vec(),
        }]
    };
    assert_eq!(
        app.update(mouse(MouseEventKind::Down(MouseButton::Left), x, y)),
        input(b"\x1b[<0;5;3M")
    );
    assert_eq!(
        app.update(mouse(MouseEventKind::Up(MouseButton::Left), x, y)),
        input(b"\x1b[<0;5;3m")
    );
    assert_eq!(
        app.update(mouse(MouseEventKind::ScrollUp, s.x, s.y)),
        input(b"\x1b[<64;1;1M")
    );
    // Motion it did not ask for, and the tab's border, reach nothing.
    assert!(app.update(mouse(MouseEventKind::Moved, x, y)).is_empty());
    assert!(
        app.update(mouse(MouseEventKind::Down(MouseButton::Left), s.x - 1, y))
            .is_empty()
    );
    assert!(matches!(app.mode, Mode::Terminal));
    // In navigation mode a click focuses the tab and is not sent; the wheel still is.
    detach(&mut app);
    assert_eq!(
        app.update(mouse(MouseEventKind::ScrollDown, x, y)),
        input(b"\x1b[<65;5;3M")
    );
    assert!(
        app.update(mouse(MouseEventKind::Down(MouseButton::Left), x, y))
            .is_empty()
    );
    assert!(matches!(app.mode, Mode::Terminal));
    // Reporting off: the click is ours again.
    feed(&mut app, tab, b"\x1b[?1000l");
    assert!(
        app.update(mouse(MouseEventKind::Down(MouseButton::Left), x, y))
            .is_empty()
    );
}

#[test]
fn the_wheel_on_the_alternate_screen_sends_cursor_keys() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    let lines: Vec<u8> = (1..=100)
        .flat_map(|i| format!("{i}\r\n").into_bytes())
        .collect();
    feed(&mut app, tab, &lines);
    feed(&mut app, tab, b"\x1b[?1049h");
    let s = app.layout.screen();
    assert_eq!(
        app.update(mouse(MouseEventKind::ScrollUp, s.x + 1, s.y + 1)),
        vec![Effect::Input {
            tab,
            bytes: b"\x1b[A\x1b[A\x1b[A".to_vec()
        }]
    );
    assert_eq!(
        app.tabs[0].scroll, 0,
        "the ring is not shown over the program"
    );
    feed(&mut app, tab, b"\x1b[?1h");
    assert_eq!(
        app.update(mouse(MouseEventKind::ScrollDown, s.x + 1, s.y + 1)),
        vec![Effect::Input {
            tab,
            bytes: b"\x1bOB\x1bOB\x1bOB".to_vec()
        }]
    );
    // Back on the main screen the wheel scrolls the ring.
    feed(&mut app, tab, b"\x1b[?1049l\x1b[?1l");
    assert!(
        app.update(mouse(MouseEventKind::ScrollUp, s.x + 1, s.y + 1))
            .is_empty()
    );
    assert_eq!(app.tabs[0].scroll, 3);
}

#[test]
fn mouse_clicks_tabs_and_the_wheel_scrolls_back_and_paste_goes_to_the_exec() {
    let mut app = app();
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    open_shell(&mut app, "execmux-2");
    let mouse = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // The first tab's title starts where the tab bar does.
    let bar = app.layout.tab_bar;
    app.update(mouse(
        MouseEventKind::Down(MouseButton::Left),
        bar.x + 1,
        bar.y,
    ));
    assert_eq!(app.active, 0);
    let lines: Vec<u8> = (1..=100)
        .flat_map(|i| format!("{i}\r\n").into_bytes())
        .collect();
    feed(&mut app, a, &lines);
    let inside = app.layout.terminal;
    app.update(mouse(MouseEventKind::ScrollUp, inside.x + 2, inside.y + 2));
    assert_eq!(app.tabs[0].scroll, 3);
    app.update(mouse(
        MouseEventKind::ScrollDown,
        inside.x + 2,
        inside.y + 2,
    ));
    assert_eq!(app.tabs[0].scroll, 0);
    // A click in the terminal focuses it; a paste then goes to the exec.
    app.update(mouse(
        MouseEventKind::Down(MouseButton::Left),
        inside.x + 2,
        inside.y + 2,
    ));
    assert!(matches!(app.mode, Mode::Terminal));
    assert_eq!(
        app.update(Msg::Paste("ls\n".into())),
        vec![Effect::Input {
            tab: a,
            bytes: b"ls\r".to_vec()
        }]
    );
}
