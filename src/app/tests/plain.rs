//! Tabs without a tty: detach keys, ctrl-d as end of input.

use super::*;
use crate::registry::ExecConfig;

/// Opens `cat` without a tty in web (as the form does with tty off); returns the tab id.
fn open_plain(app: &mut App, exec: &str) -> TabId {
    let pending = PendingExec {
        container: ContainerKey {
            namespace: "demo".into(),
            container: "web".into(),
        },
        config: ExecConfig {
            args: vec!["/bin/cat".into()],
            stdin: true,
            tty: false,
            ..ExecConfig::default()
        },
        shell: None,
    };
    let defaults = ProcessDefaults {
        env: vec![],
        cwd: "/".into(),
        user: "0:0".into(),
    };
    let effects = app.update(Msg::Prepared(Box::new(super::super::msg::Prepared {
        pending,
        result: Ok((defaults, exec_key("web", exec), vec![])),
    })));
    let [Effect::Launch { tab, plan, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(!plan.tty && plan.stdin);
    let tab = *tab;
    app.update(Msg::Started { tab, pid: 7 });
    assert!(matches!(app.mode, Mode::Terminal));
    tab
}

#[test]
fn detach_keys_work_without_a_tty() {
    let mut app = app();
    let tab = open_plain(&mut app, "execmux-1");
    assert_eq!(
        app.update(key(KeyCode::Char('a'))),
        vec![Effect::Input {
            tab,
            bytes: b"a".to_vec()
        }]
    );
    assert!(app.update(ctrl('p')).is_empty(), "prefix held");
    assert!(app.update(ctrl('q')).is_empty());
    assert!(matches!(app.mode, Mode::Navigate));
    assert!(app.tabs[0].state.is_running());
}

#[test]
fn ctrl_d_without_a_tty_closes_stdin_once() {
    let mut app = app();
    let tab = open_plain(&mut app, "execmux-1");
    assert!(app.update(ctrl('p')).is_empty());
    assert_eq!(
        app.update(ctrl('d')),
        vec![
            Effect::Input {
                tab,
                bytes: vec![16]
            },
            Effect::Eof { tab }
        ],
        "the held prefix first, then the end of input"
    );
    assert!(app.tabs[0].input_closed);
    assert!(
        app.update(key(KeyCode::Char('x'))).is_empty(),
        "stdin is closed"
    );
    assert!(app.update(Msg::Paste("more".into())).is_empty());
    // Still detachable.
    detach(&mut app);
    assert!(matches!(app.mode, Mode::Navigate));
}

#[test]
fn ctrl_d_with_a_tty_is_the_programs() {
    let mut app = app();
    let tab = open_shell(&mut app, "execmux-1");
    assert_eq!(
        app.update(ctrl('d')),
        vec![Effect::Input {
            tab,
            bytes: vec![4]
        }]
    );
}
