//! Re-attach in `update`: Enter on a live exec of ours with no tab opens a taking-over tab,
//! a refusal removes it, a take-over makes the exec ours; foreign execs are refused at once.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::msg::{Effect, Msg, TabId};
use super::super::tab::TabState;
use super::super::tests::app;
use super::super::{App, Confirm, Mode, Pane};
use crate::domain::{ConsoleSize, ExecKey, FeedItem, RuntimeEvent};
use crate::registry::Origin;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn exec(e: &str) -> ExecKey {
    ExecKey {
        namespace: "demo".into(),
        container: "web".into(),
        exec: e.into(),
    }
}

/// A running exec of web that another client made, as the event stream shows it, selected
/// in the execs pane.
fn seen_running(app: &mut App, k: &ExecKey) {
    for event in [
        RuntimeEvent::ExecAdded { exec: k.clone() },
        RuntimeEvent::ExecStarted {
            exec: k.clone(),
            pid: 77,
        },
    ] {
        app.update(Msg::Feed(FeedItem::Event { at: None, event }));
    }
    app.update(Msg::Described {
        key: k.clone(),
        facts: crate::registry::Facts::command(vec!["/bin/sh".into()]),
    });
    app.focus = Pane::Execs;
    app.selected_exec = 0;
}

/// Enter on the selected exec; returns the new tab's id.
fn enter_attach(app: &mut App, k: &ExecKey) -> TabId {
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Attach { tab, key: got, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(got, k);
    *tab
}

#[test]
fn enter_on_a_left_exec_of_ours_takes_it_over_into_a_focused_tab() {
    let mut app = app();
    let k = exec("execmux-0123456789abcdef");
    seen_running(&mut app, &k);
    let tab = enter_attach(&mut app, &k);
    assert_eq!(app.tabs.len(), 1);
    assert_eq!(app.tabs[0].title, "web: /bin/sh");
    assert_eq!(app.tabs[0].state, TabState::Starting);
    assert!(matches!(app.mode, Mode::Terminal));
    assert_eq!(
        app.registry.get(&k).map(|r| r.origin),
        Some(Origin::Foreign)
    );
    // The host terminal grew while the take-over ran: the exec follows once it is ours.
    let (rows, cols) = app.layout.console();
    let given = ConsoleSize { rows, cols };
    app.update(Msg::Resize(140, 40));
    let effects = app.update(Msg::Attached {
        tab,
        pid: 77,
        tty: true,
        stdin: true,
        size: given,
    });
    let (rows, cols) = app.layout.console();
    assert_eq!(
        effects,
        vec![Effect::Resize {
            tab,
            size: ConsoleSize { rows, cols }
        }]
    );
    assert_eq!(app.tabs[0].state, TabState::Running { pid: 77 });
    let rec = app.registry.get(&k).expect("record");
    assert_eq!(
        (rec.origin, rec.tty, rec.detach_keys.as_slice()),
        (Origin::Own, true, &[0x10, 0x11][..])
    );
    assert!(
        app.events
            .iter()
            .any(|e| e.text.starts_with("exec_attach web/execmux-"))
    );
    // Enter again only re-opens the tab; K on it asks to close the tab (kill as ours).
    app.mode = Mode::Navigate;
    assert_eq!(app.update(key(KeyCode::Enter)), Vec::<Effect>::new());
    assert!(matches!(app.mode, Mode::Terminal));
    app.mode = Mode::Navigate;
    app.update(key(KeyCode::Char('K')));
    assert!(matches!(app.mode, Mode::Confirm(Confirm::CloseTab(t)) if t == tab));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Close { tab }]
    );
    assert_eq!(app.tabs[0].state, TabState::Closing);
}

#[test]
fn a_refused_attach_removes_its_tab_and_says_why() {
    let mut app = app();
    let k = exec("execmux-00000000000000aa");
    seen_running(&mut app, &k);
    let tab = enter_attach(&mut app, &k);
    let why = "exec execmux-00000000000000aa is owned by execmux pid 42; detach it there first";
    app.update(Msg::AttachRefused {
        tab,
        message: why.into(),
    });
    assert!(app.tabs.is_empty());
    assert!(matches!(app.mode, Mode::Navigate));
    assert_eq!(app.status.as_deref(), Some(why));
    assert_eq!(
        app.registry.get(&k).map(|r| r.origin),
        Some(Origin::Foreign)
    );
}

#[test]
fn a_foreign_exec_is_refused_without_touching_it() {
    let mut app = app();
    let k = exec("ctr-exec-1");
    seen_running(&mut app, &k);
    assert_eq!(app.update(key(KeyCode::Enter)), Vec::<Effect>::new());
    assert!(app.tabs.is_empty());
    let status = app.status.clone().unwrap_or_default();
    assert!(
        status.contains("its output cannot be read without stealing it"),
        "{status}"
    );
}

#[test]
fn an_attach_without_stdin_marks_the_tab_and_closing_first_keeps_it_closing() {
    let mut app = app();
    let k = exec("execmux-00000000000000bb");
    seen_running(&mut app, &k);
    let tab = enter_attach(&mut app, &k);
    // Closed before the take-over answered: the close goes out once it runs.
    app.mode = Mode::Navigate;
    app.update(key(KeyCode::Char('x')));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Close { tab }]
    );
    let effects = app.update(Msg::Attached {
        tab,
        pid: 9,
        tty: false,
        stdin: false,
        size: ConsoleSize { rows: 24, cols: 80 },
    });
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.tabs[0].state, TabState::Closing);
    assert!(app.tabs[0].input_closed);
}
