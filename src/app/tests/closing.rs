//! Closing and quitting around slow starts, late answers and slow kills.

use super::*;
use crate::domain::Notice;

/// Enter on web: a tab that is starting (prepared and launched, not started yet).
fn starting_tab(app: &mut App, exec: &str) -> TabId {
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Prepare(pending)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let pending = pending.clone();
    let effects = prepared(app, pending, exec);
    let [Effect::Launch { tab, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    *tab
}

fn prepared(app: &mut App, pending: PendingExec, exec: &str) -> Vec<Effect> {
    let defaults = ProcessDefaults {
        env: vec![],
        cwd: "/".into(),
        user: "0:0".into(),
    };
    app.update(Msg::Prepared(Box::new(super::super::msg::Prepared {
        pending,
        result: Ok((defaults, exec_key("web", exec), vec!["/bin/sh".into()])),
    })))
}

fn killed(app: &mut App, tab: TabId) -> Vec<Effect> {
    app.update(Msg::Ended {
        tab,
        exit: Ok(ExitInfo {
            code: 137,
            at: None,
        }),
    })
}

#[test]
fn a_tab_closed_while_starting_shows_killed() {
    let mut app = app();
    let tab = starting_tab(&mut app, "execmux-1");
    assert_eq!(app.tabs[0].state, TabState::Starting);
    detach(&mut app);
    app.update(key(KeyCode::Char('x')));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Close { tab }]
    );
    // The start completes before the kill lands: the tab is still closing, not resized.
    assert!(app.update(Msg::Started { tab, pid: 9 }).is_empty());
    assert_eq!(app.tabs[0].state, TabState::Closing);
    killed(&mut app, tab);
    assert_eq!(app.tabs[0].state.label(), "killed, 137");
}

#[test]
fn a_late_prepare_opens_its_tab_under_an_open_dialog() {
    let mut app = app();
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Prepare(pending)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let pending = pending.clone();
    app.update(key(KeyCode::Char('?')));
    assert!(matches!(app.mode, Mode::Help));
    prepared(&mut app, pending.clone(), "execmux-1");
    assert_eq!(app.tabs.len(), 1);
    assert!(matches!(app.mode, Mode::Help), "the help stays open");
    // Keys still go to the dialog, not to the exec.
    assert!(app.update(key(KeyCode::Char('l'))).is_empty());
    assert!(matches!(app.mode, Mode::Navigate));
    app.update(key(KeyCode::Char('e')));
    prepared(&mut app, pending, "execmux-2");
    assert!(matches!(app.mode, Mode::Form(_)), "the form stays open");
}

#[test]
fn q_while_quitting_forces_without_asking_again() {
    let mut app = app();
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    let b = open_shell(&mut app, "execmux-2");
    detach(&mut app);
    app.update(key(KeyCode::Char('q')));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Close { tab: a }, Effect::Close { tab: b }]
    );
    // a ends; b's kill is held up (a paused container).
    killed(&mut app, a);
    app.update(Msg::Notice {
        tab: b,
        notice: Notice::KillPending("container paused".into()),
    });
    assert_eq!(
        app.update(key(KeyCode::Char('q'))),
        vec![Effect::Force { tab: b }]
    );
    assert!(matches!(app.mode, Mode::Navigate), "no second question");
    assert_eq!(killed(&mut app, b), vec![Effect::Exit]);
}
