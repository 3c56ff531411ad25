//! Zoom: the current tab gets the whole window and back; the exec's console follows.

use super::*;

fn resize_to(effects: &[Effect]) -> Option<(u16, u16)> {
    match effects {
        [Effect::Resize { size, .. }] => Some((size.rows, size.cols)),
        _ => None,
    }
}

#[test]
fn z_zooms_the_tab_and_back_and_the_exec_is_resized() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    let before = app.layout.console();
    assert_eq!(before, (36, 66));
    let effects = app.update(key(KeyCode::Char('z')));
    assert!(app.layout.zoomed);
    assert_eq!(app.layout.console(), (39, 120), "all but the tab bar");
    assert_eq!(
        effects,
        vec![Effect::Resize {
            tab,
            size: ConsoleSize {
                rows: 39,
                cols: 120
            }
        }]
    );
    assert_eq!(app.tabs[0].size, (39, 120));
    // A new size keeps the zoom.
    assert_eq!(
        resize_to(&app.update(Msg::Resize(100, 30))),
        Some((29, 100))
    );
    assert_eq!(
        resize_to(&app.update(key(KeyCode::Char('z')))),
        Some((26, 65))
    );
    assert!(!app.layout.zoomed);
}

#[test]
fn the_detach_prefix_then_z_zooms_in_terminal_mode_and_reaches_no_exec() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    assert!(app.update(ctrl('p')).is_empty(), "prefix held");
    assert_eq!(
        resize_to(&app.update(key(KeyCode::Char('z')))),
        Some((39, 120))
    );
    assert!(
        matches!(app.mode, Mode::Terminal),
        "still typing into the tab"
    );
    // The held prefix was the chord's: the next key goes alone.
    assert_eq!(
        app.update(key(KeyCode::Char('a'))),
        vec![Effect::Input {
            tab,
            bytes: b"a".to_vec()
        }]
    );
    // z alone is the exec's, and ctrl-p then another key is sent on as typed.
    assert_eq!(
        app.update(key(KeyCode::Char('z'))),
        vec![Effect::Input {
            tab,
            bytes: b"z".to_vec()
        }]
    );
    app.update(ctrl('p'));
    assert_eq!(
        app.update(key(KeyCode::Char('x'))),
        vec![Effect::Input {
            tab,
            bytes: vec![16, b'x']
        }]
    );
    assert!(app.layout.zoomed);
    app.update(ctrl('p'));
    assert_eq!(
        resize_to(&app.update(key(KeyCode::Char('z')))),
        Some((36, 66))
    );
    // Detaching still works after chords.
    detach(&mut app);
    assert!(matches!(app.mode, Mode::Navigate));
}

#[test]
fn zoom_needs_a_tab_and_ends_with_the_last_one() {
    let mut app = app();
    assert!(app.update(key(KeyCode::Char('z'))).is_empty());
    assert!(!app.layout.zoomed);
    assert!(app.status.as_deref().is_some_and(|s| s.contains("no tab")));
    let tab = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    app.update(key(KeyCode::Char('z')));
    app.update(Msg::Ended {
        tab,
        exit: Ok(ExitInfo { code: 0, at: None }),
    });
    assert!(
        app.layout.zoomed,
        "an ended tab stays zoomed until dismissed"
    );
    app.update(key(KeyCode::Char('x')));
    assert!(app.tabs.is_empty());
    assert!(!app.layout.zoomed);
}
