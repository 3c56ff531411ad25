//! What a tab's program shows beyond its screen: the bell.

use super::*;

#[test]
fn a_bell_marks_a_hidden_tab_until_it_is_shown() {
    let mut app = app();
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    let b = open_shell(&mut app, "execmux-2");
    assert_eq!(app.active, 1);
    // The shown tab rings: no mark.
    feed(&mut app, b, b"\x07");
    assert!(!app.tabs[1].bell);
    // The hidden one rings: marked, once however many bells.
    feed(&mut app, a, b"done\x07\x07");
    assert!(app.tabs[0].bell);
    assert_eq!(app.tab_titles()[0], "1:●🔔 web: /bin/sh");
    assert_eq!(app.tab_titles()[1], "2:● web: /bin/sh");
    // Output without a bell keeps the mark; showing the tab clears it.
    feed(&mut app, a, b"more");
    assert!(app.tabs[0].bell);
    detach(&mut app);
    app.update(key(KeyCode::Char('[')));
    assert_eq!(app.active, 0);
    assert!(!app.tabs[0].bell);
    assert_eq!(app.tab_titles()[0], "1:● web: /bin/sh");
}

#[test]
fn the_host_cursor_takes_the_shape_of_the_focused_tabs() {
    use crate::session::modes::CursorShape;
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    assert_eq!(app.cursor_shape(), Some(CursorShape::SteadyBlock));
    feed(&mut app, tab, b"\x1b[5 q");
    assert_eq!(app.cursor_shape(), Some(CursorShape::BlinkingBar));
    feed(&mut app, tab, b"\x1b[4 q");
    assert_eq!(app.cursor_shape(), Some(CursorShape::SteadyUnderline));
    feed(&mut app, tab, b"\x1b[?25l");
    assert_eq!(app.cursor_shape(), None, "hidden by the program");
    feed(&mut app, tab, b"\x1b[?25h");
    detach(&mut app);
    assert_eq!(app.cursor_shape(), None, "navigation mode shows no cursor");
}

#[test]
fn focus_changes_reach_a_focused_program_that_asked() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    assert!(app.update(Msg::Focus(false)).is_empty(), "not asked for");
    feed(&mut app, tab, b"\x1b[?1004h");
    assert_eq!(
        app.update(Msg::Focus(false)),
        vec![Effect::Input {
            tab,
            bytes: b"\x1b[O".to_vec()
        }]
    );
    assert_eq!(
        app.update(Msg::Focus(true)),
        vec![Effect::Input {
            tab,
            bytes: b"\x1b[I".to_vec()
        }]
    );
    // In navigation mode the tab does not have the keys: nothing is reported.
    detach(&mut app);
    assert!(app.update(Msg::Focus(false)).is_empty());
    app.update(key(KeyCode::Char('i')));
    feed(&mut app, tab, b"\x1b[?1004l");
    assert!(app.update(Msg::Focus(true)).is_empty(), "turned off again");
}

#[test]
fn the_programs_title_shows_bounded_on_its_tab() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    feed(&mut app, tab, b"\x1b]0;vim notes.txt\x07");
    assert_eq!(app.tab_titles()[0], "1:● web: /bin/sh  [vim notes.txt]");
    feed(
        &mut app,
        tab,
        b"\x1b]2;a title far longer than any tab bar wants\x1b\\",
    );
    assert_eq!(
        app.tab_titles()[0],
        "1:● web: /bin/sh  [a title far longer than …]"
    );
    // Escape sequences inside a title never reach the tab bar.
    feed(&mut app, tab, b"\x1b]0;x\x1b[31my\x07");
    assert!(
        !app.tab_titles()[0].contains('\x1b'),
        "{:?}",
        app.tab_titles()
    );
}
