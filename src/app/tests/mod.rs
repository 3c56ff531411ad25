//! Unit tests of `update`: state + message -> state + effects, no I/O.

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::{Effect, Msg, PendingExec, TabId};
use super::tab::TabState;
use super::{App, Confirm, Mode, Pane};
use crate::config::Config;
use crate::domain::FeedItem;
use crate::domain::Scope;
use crate::domain::{
    ConsoleSize, ContainerId, ContainerInfo, ContainerKey, ExecKey, ExitInfo, Namespace,
    ProcessDefaults, RuntimeEvent, TaskInfo, TaskState,
};
use crate::registry::sync::Snapshot;
use crate::registry::{ExecState, Origin};

fn fixed_clock() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000)
}

pub(crate) fn container(id: &str) -> ContainerInfo {
    ContainerInfo {
        namespace: Namespace::from("demo"),
        id: ContainerId::from(id),
        image: "busybox".into(),
        runtime: "io.containerd.runc.v2".into(),
        labels: std::collections::BTreeMap::new(),
        created_at: None,
        task: Some(TaskInfo {
            state: TaskState::Running,
            pid: 100,
        }),
    }
}

pub(crate) fn app() -> App {
    let mut app = App::new(
        &Config::default(),
        "/run/test.sock".into(),
        Scope::One("demo".into()),
        (120, 40),
    );
    app.clock = fixed_clock;
    app.update(Msg::Snapshot(Snapshot {
        containers: vec![container("web"), container("worker")],
        ..Snapshot::default()
    }));
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}
fn mouse(kind: crossterm::event::MouseEventKind, column: u16, row: u16) -> Msg {
    Msg::Mouse(crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}
fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}
/// Types the default detach keys.
fn detach(app: &mut App) {
    app.update(ctrl('p'));
    app.update(ctrl('q'));
}
fn exec_key(c: &str, e: &str) -> ExecKey {
    ExecKey {
        namespace: "demo".into(),
        container: c.into(),
        exec: e.into(),
    }
}

/// Opens web's shell in a tab and starts it; returns the tab id.
pub(crate) fn open_shell(app: &mut App, exec: &str) -> TabId {
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::Prepare(pending)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        pending.shell.as_deref(),
        Some(&["/bin/bash".to_owned(), "/bin/sh".to_owned()][..])
    );
    let defaults = ProcessDefaults {
        env: vec!["PATH=/bin".into()],
        cwd: "/".into(),
        user: "0:0".into(),
    };
    let result = Ok((defaults, exec_key("web", exec), vec!["/bin/sh".to_owned()]));
    let effects = app.update(Msg::Prepared(Box::new(super::msg::Prepared {
        pending: pending.clone(),
        result,
    })));
    let [Effect::Launch { tab, plan, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(plan.args, vec!["/bin/sh"]);
    assert!(plan.tty && plan.stdin);
    assert_eq!(
        plan.console,
        Some(ConsoleSize { rows: 36, cols: 66 }),
        "the tab's inner size"
    );
    assert!(plan.env.contains(&"TERM=xterm".to_owned()));
    let tab = *tab;
    assert!(app.update(Msg::Started { tab, pid: 4242 }).is_empty());
    settle(app);
    tab
}

#[test]
fn enter_on_a_container_opens_a_focused_shell_tab() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    assert!(matches!(app.mode, Mode::Terminal));
    assert_eq!(app.tabs.len(), 1);
    assert_eq!(app.tabs[0].state, TabState::Running { pid: 4242 });
    assert_eq!(app.tabs[0].title, "web: /bin/sh");
    let rec = app
        .registry
        .get(&exec_key("web", "execmux-1"))
        .expect("registered");
    assert_eq!(
        (rec.state, rec.origin, rec.pid),
        (ExecState::Running, Origin::Own, 4242)
    );
    assert_eq!(
        app.exec_count(&ContainerKey {
            namespace: "demo".into(),
            container: "web".into()
        }),
        1
    );
    feed(&mut app, tab, b"hello\r\n$ ");
    assert!(
        app.tabs[0]
            .terminal
            .read()
            .screen_text()
            .starts_with("hello")
    );
}

#[test]
fn keys_in_terminal_mode_go_to_the_exec_and_detach_keys_leave_it_running() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    assert_eq!(
        app.update(key(KeyCode::Char('l'))),
        vec![Effect::Input {
            tab,
            bytes: b"l".to_vec()
        }]
    );
    assert_eq!(
        app.update(key(KeyCode::Up)),
        vec![Effect::Input {
            tab,
            bytes: b"\x1b[A".to_vec()
        }]
    );
    assert_eq!(
        app.update(key(KeyCode::Char('q'))),
        vec![Effect::Input {
            tab,
            bytes: b"q".to_vec()
        }],
        "q is not quit here"
    );
    // ctrl-p alone is held, then sent as typed when the sequence does not complete.
    assert!(app.update(ctrl('p')).is_empty());
    assert_eq!(
        app.update(key(KeyCode::Char('x'))),
        vec![Effect::Input {
            tab,
            bytes: vec![16, b'x']
        }]
    );
    assert!(app.update(ctrl('p')).is_empty());
    assert!(app.update(ctrl('q')).is_empty());
    assert!(matches!(app.mode, Mode::Navigate));
    assert_eq!(
        app.tabs[0].state,
        TabState::Running { pid: 4242 },
        "still running"
    );
    assert!(
        app.events
            .iter()
            .any(|e| e.text.starts_with("exec_detach web/execmux-1"))
    );
    // i focuses it again.
    app.update(key(KeyCode::Char('i')));
    assert!(matches!(app.mode, Mode::Terminal));
}

#[test]
fn resizes_reach_running_tty_tabs_and_their_emulators() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    let effects = app.update(Msg::Resize(200, 50));
    assert_eq!(
        effects,
        vec![Effect::Resize {
            tab,
            size: ConsoleSize {
                rows: 46,
                cols: 114
            }
        }]
    );
    assert_eq!(app.tabs[0].size, (46, 114));
    // The tab's task applies it to the terminal.
    settle(&mut app);
    assert_eq!(app.tabs[0].terminal.read().size(), (46, 114));
    assert!(
        app.update(Msg::Resize(200, 50)).is_empty(),
        "no change, no resize"
    );
}

#[test]
fn closing_a_running_tab_asks_then_kills_and_shows_the_outcome() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    assert!(app.update(key(KeyCode::Char('x'))).is_empty());
    assert!(matches!(app.mode, Mode::Confirm(Confirm::CloseTab(t)) if t == tab));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Close { tab }]
    );
    assert_eq!(app.tabs[0].state, TabState::Closing);
    app.update(Msg::Ended {
        tab,
        exit: Ok(ExitInfo {
            code: 137,
            at: None,
        }),
    });
    assert_eq!(app.tabs[0].state.label(), "killed, 137");
    assert_eq!(
        app.registry
            .get(&exec_key("web", "execmux-1"))
            .map(|r| r.state),
        Some(ExecState::Killed)
    );
    // A second x dismisses the ended tab without asking; its terminal's task ends.
    assert_eq!(
        app.update(key(KeyCode::Char('x'))),
        vec![Effect::Dismiss { tab }]
    );
    assert!(app.tabs.is_empty());
}

#[test]
fn answering_no_keeps_the_exec() {
    let mut app = app();
    open_shell(&mut app, "execmux-1");
    detach(&mut app);
    app.update(key(KeyCode::Char('x')));
    assert!(app.update(key(KeyCode::Char('n'))).is_empty());
    assert!(app.tabs[0].state.is_running());
}

#[test]
fn quitting_kills_every_running_exec_then_exits() {
    let mut app = app();
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    app.focus = Pane::Containers;
    let b = open_shell(&mut app, "execmux-2");
    detach(&mut app);
    app.update(key(KeyCode::Char('q')));
    assert!(matches!(app.mode, Mode::Confirm(Confirm::Quit)));
    let effects = app.update(key(KeyCode::Char('y')));
    assert_eq!(
        effects,
        vec![Effect::Close { tab: a }, Effect::Close { tab: b }]
    );
    assert!(
        app.update(Msg::Ended {
            tab: a,
            exit: Ok(ExitInfo {
                code: 137,
                at: None
            })
        })
        .is_empty()
    );
    assert_eq!(
        app.update(Msg::Ended {
            tab: b,
            exit: Ok(ExitInfo {
                code: 137,
                at: None
            })
        }),
        vec![Effect::Exit]
    );
}

#[test]
fn quit_without_running_execs_exits_at_once_and_sigterm_closes_tabs() {
    let mut app = app();
    assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Effect::Exit]);
    let mut app = self::app();
    let tab = open_shell(&mut app, "execmux-1");
    assert_eq!(app.update(Msg::Terminate), vec![Effect::Close { tab }]);
}

#[test]
fn a_failed_start_shows_the_runtimes_message_and_code() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    let message = "exec: \"/bin/sh\": stat /bin/sh: no such file or directory: unknown".to_owned();
    app.update(Msg::StartFailed {
        tab,
        message: message.clone(),
    });
    assert_eq!(app.tabs[0].state, TabState::Failed { code: 127, message });
    assert!(matches!(app.mode, Mode::Navigate));
    assert_eq!(app.tabs[0].state.label(), "failed to start (127)");
}

#[test]
fn background_output_reaches_its_own_tab_only() {
    let mut app = app();
    let a = open_shell(&mut app, "execmux-1");
    detach(&mut app);
    let b = open_shell(&mut app, "execmux-2");
    assert_eq!(app.active, 1);
    feed(&mut app, a, b"in a");
    assert!(
        app.tabs[0]
            .terminal
            .read()
            .screen_text()
            .starts_with("in a")
    );
    assert!(!app.tabs[1].terminal.read().screen_text().contains("in a"));
    assert_eq!(app.active, 1);
    let _ = b;
}

#[test]
fn tabs_switch_with_brackets_and_alt_digits() {
    let mut app = app();
    open_shell(&mut app, "execmux-1");
    detach(&mut app);
    open_shell(&mut app, "execmux-2");
    detach(&mut app);
    app.update(key(KeyCode::Char('[')));
    assert_eq!(app.active, 0);
    app.update(key(KeyCode::Char(']')));
    assert_eq!(app.active, 1);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('1'),
        KeyModifiers::ALT,
    )));
    assert_eq!(app.active, 0);
}

#[test]
fn the_form_creates_nothing_until_valid_and_asks_for_privileged() {
    let mut app = app();
    app.update(key(KeyCode::Char('e')));
    assert!(matches!(app.mode, Mode::Form(_)));
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "empty command refused"
    );
    let Mode::Form(form) = &app.mode else {
        panic!("form closed")
    };
    assert_eq!(form.error.as_deref(), Some("command: required"));
    for c in "/bin/top".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let effects = app.update(key(KeyCode::Enter));
    let [
        Effect::Prepare(PendingExec {
            container,
            config,
            shell: None,
        }),
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(container.container.as_str(), "web");
    assert_eq!(config.args, vec!["/bin/top"]);
    assert!(matches!(app.mode, Mode::Navigate));
}

#[test]
fn the_filter_narrows_containers() {
    let mut app = app();
    app.update(key(KeyCode::Char('/')));
    for c in "wor".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    let ids: Vec<_> = app
        .visible_containers()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(ids, vec!["worker"]);
}

/// Output as a tab's task delivers it: the pane's size applied, the bytes parsed into the
/// tab's terminal, then told.
pub(crate) fn feed(app: &mut App, tab: TabId, bytes: &[u8]) {
    settle(app);
    let i = app.tab_index(tab).expect("tab");
    let mut w = app.tabs[i].terminal.test_writer();
    w.feed(bytes);
    let change = Box::new(w.change(bytes.len() as u64));
    app.update(Msg::Changed { tab, change });
}

/// Plays the tabs' tasks for the sizes the panes gave them: each terminal takes its tab's
/// size, and the change is told.
pub(crate) fn settle(app: &mut App) {
    for i in 0..app.tabs.len() {
        let (tab, (rows, cols)) = (app.tabs[i].id, app.tabs[i].size);
        let mut w = app.tabs[i].terminal.test_writer();
        if w.read().size() != (rows, cols) {
            w.resize(rows, cols);
            let change = Box::new(w.change(0));
            app.update(Msg::Changed { tab, change });
        }
    }
}
mod broadcast;
mod closing;
mod copy;
mod display;
mod events;
pub(crate) mod execlist;
mod mouse;
mod plain;
mod split;
mod status;
mod zoom;
