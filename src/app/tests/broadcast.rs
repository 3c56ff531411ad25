//! Broadcast: marks, one command opened in every container shown, typing into every marked
//! running tab (each with its own key modes), paste, and the detach keys ending it.

use super::*;

/// Answers a `Prepare` as the effects runner does; returns the new tab, started.
fn prepared(app: &mut App, pending: &PendingExec, exec: &str, pid: u32) -> TabId {
    let defaults = ProcessDefaults {
        env: vec![],
        cwd: "/".into(),
        user: "0:0".into(),
    };
    let key = exec_key(pending.container.container.as_str(), exec);
    let effects = app.update(Msg::Prepared(Box::new(super::super::msg::Prepared {
        pending: pending.clone(),
        result: Ok((defaults, key, pending.config.args.clone())),
    })));
    let [Effect::Launch { tab, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let tab = *tab;
    app.update(Msg::Started { tab, pid });
    tab
}

/// Three shell tabs, detached; the first and the last marked.
fn three_tabs_two_marked(app: &mut App) -> [TabId; 3] {
    let tabs = ["execmux-1", "execmux-2", "execmux-3"].map(|exec| {
        let tab = open_shell(app, exec);
        detach(app);
        tab
    });
    for i in [0, 2] {
        app.active = i;
        app.update(key(KeyCode::Char('m')));
    }
    tabs
}

fn inputs(effects: &[Effect]) -> Vec<(TabId, Vec<u8>)> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Input { tab, bytes } => (*tab, bytes.clone()),
            other => panic!("not an input: {other:?}"),
        })
        .collect()
}

#[test]
fn m_marks_and_unmarks_the_current_tab_and_the_tab_bar_shows_it() {
    let mut app = app();
    open_shell(&mut app, "execmux-1");
    detach(&mut app);
    assert_eq!(app.tab_titles(), vec!["1:● web: /bin/sh"]);
    app.update(key(KeyCode::Char('m')));
    assert!(app.is_marked(app.tabs[0].id));
    assert_eq!(app.tab_titles(), vec!["1:●◆ web: /bin/sh"]);
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.starts_with("1 tab(s) marked"))
    );
    app.update(key(KeyCode::Char('m')));
    assert!(!app.is_marked(app.tabs[0].id));
    assert_eq!(app.tab_titles(), vec!["1:● web: /bin/sh"]);
}

#[test]
fn b_without_a_marked_running_tab_says_how_to_mark_one() {
    let mut app = app();
    app.update(key(KeyCode::Char('b')));
    assert!(matches!(app.mode, Mode::Navigate));
    open_shell(&mut app, "execmux-1");
    detach(&mut app);
    app.update(key(KeyCode::Char('b')));
    assert!(matches!(app.mode, Mode::Navigate));
    assert_eq!(
        app.status.as_deref(),
        Some("no marked tab runs: m marks the current tab")
    );
}

#[test]
fn a_key_reaches_each_marked_running_tab_once_in_its_own_encoding() {
    let mut app = app();
    let [a, b, c] = three_tabs_two_marked(&mut app);
    // The last tab's program asked for application cursor keys.
    feed(&mut app, c, b"\x1b[?1h");
    app.active = 1;
    app.update(key(KeyCode::Char('b')));
    assert!(matches!(app.mode, Mode::Broadcast));
    assert_eq!(app.active, 0, "the view moves to a tab that takes the keys");
    assert_eq!(app.broadcast_targets(), vec![0, 2]);
    assert_eq!(
        app.tab_titles(),
        vec!["1:●» web: /bin/sh", "2:● web: /bin/sh", "3:●» web: /bin/sh"]
    );
    assert_eq!(
        inputs(&app.update(key(KeyCode::Char('l')))),
        vec![(a, b"l".to_vec()), (c, b"l".to_vec())]
    );
    assert_eq!(
        inputs(&app.update(key(KeyCode::Up))),
        vec![(a, b"\x1b[A".to_vec()), (c, b"\x1bOA".to_vec())]
    );
    assert_eq!(
        inputs(&app.update(key(KeyCode::Char('q')))),
        vec![(a, b"q".to_vec()), (c, b"q".to_vec())],
        "q is typed, not quit"
    );
    // A marked tab whose exec ended is left out; the unmarked one never gets anything.
    app.update(Msg::Ended {
        tab: a,
        exit: Ok(ExitInfo { code: 0, at: None }),
    });
    assert!(matches!(app.mode, Mode::Broadcast));
    assert_eq!(
        inputs(&app.update(key(KeyCode::Enter))),
        vec![(c, b"\r".to_vec())]
    );
    let _ = b;
}

#[test]
fn the_detach_keys_end_the_broadcast_and_a_broken_prefix_is_typed_into_each() {
    let mut app = app();
    let [a, _, c] = three_tabs_two_marked(&mut app);
    app.update(key(KeyCode::Char('b')));
    assert!(app.update(ctrl('p')).is_empty(), "prefix held");
    assert_eq!(
        inputs(&app.update(key(KeyCode::Char('x')))),
        vec![(a, vec![16, b'x']), (c, vec![16, b'x'])]
    );
    assert!(app.update(ctrl('p')).is_empty());
    assert!(app.update(ctrl('q')).is_empty(), "nothing typed");
    assert!(matches!(app.mode, Mode::Navigate));
    assert!(app.tabs.iter().all(|t| t.state.is_running()));
    assert_eq!(
        app.tab_titles()[0],
        "1:●◆ web: /bin/sh",
        "still marked, no longer broadcasting"
    );
    // Navigation keys work again: from the third tab, ] wraps to the first.
    assert_eq!(app.active, 2);
    app.update(key(KeyCode::Char(']')));
    assert_eq!(app.active, 0);
}

#[test]
fn a_paste_reaches_each_marked_tab_bracketed_where_its_program_asked() {
    let mut app = app();
    let [a, _, c] = three_tabs_two_marked(&mut app);
    feed(&mut app, a, b"\x1b[?2004h");
    app.update(key(KeyCode::Char('b')));
    assert_eq!(
        inputs(&app.update(Msg::Paste("ls\n".into()))),
        vec![
            (a, b"\x1b[200~ls\r\x1b[201~".to_vec()),
            (c, b"ls\r".to_vec())
        ]
    );
}

#[test]
fn the_broadcast_ends_when_no_marked_tab_runs() {
    let mut app = app();
    let [a, _, c] = three_tabs_two_marked(&mut app);
    app.update(key(KeyCode::Char('b')));
    for tab in [a, c] {
        app.update(Msg::Ended {
            tab,
            exit: Ok(ExitInfo { code: 0, at: None }),
        });
    }
    assert!(matches!(app.mode, Mode::Navigate));
    assert_eq!(
        app.status.as_deref(),
        Some("broadcast ended: no marked tab runs")
    );
}

#[test]
fn a_label_filter_picks_containers_and_the_command_opens_marked_in_each() {
    let mut app = app();
    let mut db = container("db");
    db.labels.insert("role".into(), "store".into());
    let mut cache = container("cache");
    cache.labels.insert("role".into(), "store".into());
    let mut stopped = container("old");
    stopped.labels.insert("role".into(), "store".into());
    stopped.task = None;
    app.update(Msg::Snapshot(Snapshot {
        containers: vec![container("web"), db, cache, stopped],
        ..Snapshot::default()
    }));
    app.update(key(KeyCode::Char('/')));
    for ch in "role=Store".chars() {
        app.update(key(KeyCode::Char(ch)));
    }
    app.update(key(KeyCode::Enter));
    let shown: Vec<String> = app
        .visible_containers()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(shown, vec!["db", "cache", "old"]);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('E'),
        KeyModifiers::SHIFT,
    )));
    let Mode::Form(form) = &app.mode else {
        panic!("no form: {:?}", app.mode)
    };
    let targets: Vec<&str> = form.targets.iter().map(|c| c.container.as_str()).collect();
    assert_eq!(targets, vec!["db", "cache"], "the stopped one is left out");
    assert_eq!(
        app.status.as_deref(),
        Some("1 container(s) shown are not running")
    );
    for ch in "/bin/sh".chars() {
        app.update(key(KeyCode::Char(ch)));
    }
    let effects = app.update(key(KeyCode::Enter));
    let pendings: Vec<PendingExec> = effects
        .iter()
        .map(|e| match e {
            Effect::Prepare(p) => p.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let to: Vec<&str> = pendings
        .iter()
        .map(|p| p.container.container.as_str())
        .collect();
    assert_eq!(to, vec!["db", "cache"]);
    assert!(pendings.iter().all(|p| p.config.args == ["/bin/sh"]));
    // Each tab opens marked, and keys go to the group as soon as its first tab is in.
    let first = prepared(&mut app, &pendings[0], "execmux-1", 11);
    assert!(matches!(app.mode, Mode::Broadcast));
    assert_eq!(app.broadcast_targets().len(), 1);
    let second = prepared(&mut app, &pendings[1], "execmux-2", 12);
    assert!(app.tabs.iter().all(|t| app.is_marked(t.id)));
    assert_eq!(
        inputs(&app.update(key(KeyCode::Char('x')))),
        vec![(first, b"x".to_vec()), (second, b"x".to_vec())]
    );
    // An exec opened alone afterwards is not marked.
    detach(&mut app);
    app.filter.clear();
    app.selected_container = 0;
    open_shell(&mut app, "execmux-3");
    assert!(!app.is_marked(app.tabs[2].id));
    assert!(matches!(app.mode, Mode::Terminal));
}

#[test]
fn open_in_all_with_no_running_container_shown_opens_nothing() {
    let mut app = app();
    app.update(key(KeyCode::Char('/')));
    app.update(key(KeyCode::Char('#')));
    app.update(key(KeyCode::Enter));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('E'),
        KeyModifiers::SHIFT,
    )));
    assert!(matches!(app.mode, Mode::Navigate));
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.starts_with("no container shown"))
    );
}

#[test]
fn the_zoom_chord_and_scrolling_stay_in_the_console_while_broadcasting() {
    let mut app = app();
    let [a, _, c] = three_tabs_two_marked(&mut app);
    app.update(key(KeyCode::Char('b')));
    assert!(app.update(ctrl('p')).is_empty());
    let effects = app.update(key(KeyCode::Char('z')));
    assert!(app.layout.zoomed);
    assert!(
        effects.iter().all(|e| matches!(e, Effect::Resize { .. })),
        "no key reaches a tab: {effects:?}"
    );
    assert!(matches!(app.mode, Mode::Broadcast));
    for n in 0..50 {
        feed(&mut app, c, format!("line {n}\r\n").as_bytes());
    }
    assert!(
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::PageUp,
            KeyModifiers::SHIFT
        )))
        .is_empty()
    );
    assert!(app.tabs[2].scroll > 0, "the shown tab scrolled back");
    // The next key goes to both, and brings the shown tab back to its live screen.
    assert_eq!(
        inputs(&app.update(key(KeyCode::Char('z')))),
        vec![(a, b"z".to_vec()), (c, b"z".to_vec())]
    );
    assert_eq!(app.tabs[2].scroll, 0);
}
