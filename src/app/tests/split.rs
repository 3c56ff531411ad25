//! Split view: the arrangements cycle and resize the shown tabs only, the focus moves
//! between panes (keys, the terminal-mode chord, clicks), closing a pane refills the split.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::*;
use crate::app::split::Split;

fn alt(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::ALT))
}

fn bar() -> Msg {
    key(KeyCode::Char('|'))
}

fn resize(tab: TabId, rows: u16, cols: u16) -> Effect {
    Effect::Resize {
        tab,
        size: ConsoleSize { rows, cols },
    }
}

/// The size tab `i` was given (its task applies it to its terminal).
fn size(app: &App, i: usize) -> (u16, u16) {
    app.tabs[i].size
}

/// Three detached shell tabs (at 120x40 a single tab's console is 36x66); the last is
/// current.
fn three() -> (App, [TabId; 3]) {
    let mut app = app();
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    let b = open_shell(&mut app, "execmux-2");
    detach(&mut app);
    let c = open_shell(&mut app, "execmux-3");
    detach(&mut app);
    (app, [a, b, c])
}

#[test]
fn cycling_the_layouts_resizes_the_shown_tabs_to_their_panes_only() {
    let (mut app, [a, b, c]) = three();
    assert_eq!(app.split.split, Split::Single);
    // Side by side: the current tab and the one before it, 34 columns each with borders.
    assert_eq!(
        app.update(bar()),
        vec![resize(b, 36, 32), resize(c, 36, 32)]
    );
    assert_eq!(app.split.split, Split::SideBySide);
    assert_eq!(size(&app, 0), (36, 66), "the hidden tab keeps its size");
    assert_eq!(
        app.update(bar()),
        vec![resize(b, 17, 66), resize(c, 17, 66)]
    );
    assert_eq!(app.split.split, Split::Stacked);
    // The grid: the first two share the top row, the third has the bottom one.
    assert_eq!(
        app.update(bar()),
        vec![resize(a, 17, 32), resize(b, 17, 32)],
        "c keeps the width and height it had"
    );
    assert_eq!(size(&app, 2), (17, 66));
    assert_eq!(app.split.split, Split::Grid);
    assert_eq!(app.panes().len(), 3);
    // Back to one: the current tab alone; the others are hidden and left as they are.
    assert_eq!(app.update(bar()), vec![resize(c, 36, 66)]);
    assert_eq!(app.split.split, Split::Single);
    assert_eq!((size(&app, 0), size(&app, 1)), ((17, 32), (17, 32)));
    // Shown again, a tab takes its pane's size.
    assert_eq!(app.update(key(KeyCode::Char('['))), vec![resize(b, 36, 66)]);
    assert!(app.update(bar()).contains(&resize(b, 36, 32)));
}

#[test]
fn with_two_tabs_the_cycle_skips_the_grid_and_one_tab_takes_every_pane() {
    let mut app = app();
    assert!(app.update(bar()).is_empty());
    assert!(app.status.as_deref().is_some_and(|s| s.contains("no tab")));
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    assert!(app.update(bar()).is_empty(), "one tab fills the split");
    assert_eq!(app.panes().len(), 1);
    app.update(bar());
    app.update(bar());
    assert_eq!(app.split.split, Split::Single);
    app.focus = Pane::Containers;
    let b = open_shell_split(&mut app, "execmux-2");
    detach(&mut app);
    let _ = (a, b);
    for want in [Split::SideBySide, Split::Stacked, Split::Single] {
        app.update(bar());
        assert_eq!(app.split.split, want);
    }
}

#[test]
fn a_tab_opened_in_a_split_gets_its_panes_size_and_slides_the_window() {
    let mut app = app();
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    let b = open_shell(&mut app, "execmux-2");
    detach(&mut app);
    assert_eq!(
        app.update(bar()),
        vec![resize(a, 36, 32), resize(b, 36, 32)]
    );
    let (c, console, effects) = open_in(&mut app, "execmux-3");
    assert_eq!(console, ConsoleSize { rows: 36, cols: 32 });
    assert!(
        effects.iter().all(|e| matches!(e, Effect::Launch { .. })),
        "b stays in its pane and size, a leaves the split untouched: {effects:?}"
    );
    assert_eq!(app.active, 2);
    assert!(!app.is_shown(0) && app.shows(b) && app.shows(c));
    assert!(app.update(Msg::Started { tab: c, pid: 7 }).is_empty());
}

#[test]
fn focus_moves_between_panes_without_resizing_and_the_window_follows_the_tab() {
    let (mut app, [a, b, c]) = three();
    app.update(bar());
    assert_eq!(app.active, 2);
    assert!(app.update(alt(KeyCode::Left)).is_empty());
    assert_eq!(app.active, 1);
    assert!(
        app.update(alt(KeyCode::Left)).is_empty(),
        "no pane further left"
    );
    assert_eq!(app.active, 1, "tab a is hidden: no pane there");
    assert!(app.update(alt(KeyCode::Up)).is_empty());
    assert_eq!(app.active, 1);
    app.update(alt(KeyCode::Right));
    assert_eq!(app.active, 2);
    // Past the window's edge the window slides: a comes in, c goes out untouched.
    app.update(key(KeyCode::Char('[')));
    assert_eq!(app.update(key(KeyCode::Char('['))), vec![resize(a, 36, 32)]);
    assert!(app.shows(a) && app.shows(b) && !app.shows(c));
    // Stacked, up and down move it.
    app.update(bar());
    assert_eq!(app.active, 0);
    app.update(alt(KeyCode::Down));
    assert_eq!(app.active, 1);
    app.update(alt(KeyCode::Up));
    assert_eq!(app.active, 0);
}

#[test]
fn in_terminal_mode_the_prefix_then_an_arrow_moves_the_focus_and_reaches_no_exec() {
    let (mut app, [_, b, c]) = three();
    app.update(bar());
    app.update(key(KeyCode::Char('i')));
    assert!(matches!(app.mode, Mode::Terminal));
    assert!(app.update(ctrl('p')).is_empty(), "prefix held");
    assert!(app.update(key(KeyCode::Left)).is_empty());
    assert_eq!(app.active, 1);
    assert!(
        matches!(app.mode, Mode::Terminal),
        "keys go to the new pane"
    );
    assert_eq!(
        app.update(key(KeyCode::Char('l'))),
        vec![Effect::Input {
            tab: b,
            bytes: b"l".to_vec()
        }]
    );
    // An arrow alone is the exec's.
    assert_eq!(
        app.update(key(KeyCode::Right)),
        vec![Effect::Input {
            tab: b,
            bytes: b"\x1b[C".to_vec()
        }]
    );
    app.update(ctrl('p'));
    app.update(key(KeyCode::Right));
    assert_eq!(app.active, 2);
    // The prefix then the split key cycles the layout, still typing into the tab.
    app.update(ctrl('p'));
    assert_eq!(
        app.update(bar()),
        vec![resize(b, 17, 66), resize(c, 17, 66)]
    );
    assert!(matches!(app.mode, Mode::Terminal));
    // Into a pane whose exec has ended, keys stop: navigation mode.
    app.update(Msg::Ended {
        tab: b,
        exit: Ok(ExitInfo { code: 0, at: None }),
    });
    app.update(ctrl('p'));
    app.update(key(KeyCode::Up));
    assert_eq!(app.active, 1);
    assert!(matches!(app.mode, Mode::Navigate));
}

#[test]
fn closing_the_focused_pane_refills_the_split_and_resizes_the_tab_that_comes_in() {
    let (mut app, [a, b, c]) = three();
    app.update(bar());
    assert_eq!(app.active, 2);
    app.update(key(KeyCode::Char('x')));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Close { tab: c }]
    );
    app.update(Msg::Ended {
        tab: c,
        exit: Ok(ExitInfo {
            code: 137,
            at: None,
        }),
    });
    assert!(
        app.shows(c),
        "the outcome stays in its pane until dismissed"
    );
    // Dismissed: b takes the focus, a comes back into the split at its pane's size.
    assert_eq!(
        app.update(key(KeyCode::Char('x'))),
        vec![Effect::Dismiss { tab: c }, resize(a, 36, 32)]
    );
    assert_eq!(app.tabs.len(), 2);
    assert_eq!(app.active, 1);
    assert!(app.shows(a) && app.shows(b));
    assert_eq!(size(&app, 1), (36, 32));
}

#[test]
fn zoom_shows_the_focused_pane_alone_and_gives_the_split_back() {
    let (mut app, [a, b, _]) = three();
    app.update(key(KeyCode::Char('[')));
    app.update(key(KeyCode::Char('[')));
    app.update(bar());
    app.update(alt(KeyCode::Right));
    assert!(app.shows(a) && app.shows(b));
    assert_eq!(app.active, 1);
    assert_eq!(
        app.update(key(KeyCode::Char('z'))),
        vec![resize(b, 39, 120)]
    );
    assert!(!app.shows(a), "zoomed, the other pane is hidden");
    assert_eq!(app.update(key(KeyCode::Char('z'))), vec![resize(b, 36, 32)]);
    assert!(
        app.shows(a),
        "a kept its size while hidden: nothing to send"
    );
    // Cycling while zoomed ends the zoom.
    app.update(key(KeyCode::Char('z')));
    app.update(bar());
    assert!(!app.layout.zoomed);
    assert_eq!(app.split.split, Split::Stacked);
}

#[test]
fn a_new_screen_size_resizes_shown_tabs_only_and_hidden_output_costs_no_frame() {
    let (mut app, [a, b, c]) = three();
    app.update(bar());
    assert_eq!(
        app.update(Msg::Resize(200, 50)),
        vec![resize(b, 46, 56), resize(c, 46, 56)]
    );
    assert_eq!(size(&app, 0), (36, 66));
    assert!(!app.shows(a));
    // A bell in a pane in sight marks nothing; in a hidden tab it does.
    feed(&mut app, b, b"\x07");
    feed(&mut app, a, b"\x07");
    assert!(!app.tabs[1].bell && app.tabs[0].bell);
}

#[test]
fn a_click_focuses_the_pane_under_it_and_the_wheel_scrolls_that_pane() {
    let (mut app, [_, b, _]) = three();
    app.update(bar());
    let m = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Side by side at 120x40: b's pane is columns 52..86, c's 86..120.
    feed(&mut app, b, "line\r\n".repeat(60).as_bytes());
    app.update(m(MouseEventKind::ScrollUp, 60, 10));
    assert_eq!(app.tabs[1].scroll, 3, "the pane under the wheel scrolls");
    assert_eq!(app.active, 2, "and the focus stays");
    app.update(m(MouseEventKind::Down(MouseButton::Left), 60, 10));
    assert_eq!(app.active, 1);
    assert!(
        matches!(app.mode, Mode::Terminal),
        "a click focuses the tab"
    );
    assert_eq!(
        app.focused_screen(),
        ratatui::layout::Rect::new(53, 2, 32, 36)
    );
}

/// Opens web's shell without assuming the single-tab size; returns the tab, the console it
/// is created with and every effect of its opening.
fn open_in(app: &mut App, exec: &str) -> (TabId, ConsoleSize, Vec<Effect>) {
    app.focus = Pane::Containers;
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Prepare(pending)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let defaults = ProcessDefaults {
        env: vec![],
        cwd: "/".into(),
        user: "0:0".into(),
    };
    let result = Ok((defaults, exec_key("web", exec), vec!["/bin/sh".to_owned()]));
    let effects = app.update(Msg::Prepared(Box::new(super::super::msg::Prepared {
        pending: pending.clone(),
        result,
    })));
    let Some(Effect::Launch { tab, plan, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let (tab, console) = (*tab, plan.console.expect("a tty"));
    (tab, console, effects)
}

fn open_shell_split(app: &mut App, exec: &str) -> TabId {
    let (tab, _, _) = open_in(app, exec);
    app.update(Msg::Started { tab, pid: 1 });
    tab
}

#[test]
fn no_default_key_is_bound_to_two_actions() {
    use crate::keymap::{Action, Keymap};
    let m = Keymap::default();
    let mut seen = std::collections::BTreeMap::new();
    for a in Action::ALL {
        for k in m.keys(a) {
            if let Some(other) = seen.insert(k.clone(), a) {
                panic!("{k} is bound to {other:?} and {a:?}");
            }
        }
    }
    assert_eq!(seen.get("|"), Some(&Action::Split));
    assert_eq!(seen.get("alt-left"), Some(&Action::PaneLeft));
}
