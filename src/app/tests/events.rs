//! containerd's events and resyncs: coalesced, applied in order, scoped.

use super::*;

fn event(event: RuntimeEvent) -> Msg {
    Msg::Feed(FeedItem::Event { at: None, event })
}

fn created(ns: &str, id: &str) -> Msg {
    event(RuntimeEvent::ContainerCreate {
        container: ContainerKey {
            namespace: ns.into(),
            container: id.into(),
        },
        image: "busybox".into(),
    })
}

fn resyncs(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Resync { generation, .. } => Some(*generation),
            _ => None,
        })
        .collect()
}

fn snapshot(generation: u64, ids: &[&str]) -> Msg {
    Msg::Snapshot(Snapshot {
        containers: ids.iter().map(|id| container(id)).collect(),
        generation,
        ..Snapshot::default()
    })
}

fn shown(app: &App) -> Vec<String> {
    app.visible_containers()
        .iter()
        .map(|c| c.id.to_string())
        .collect()
}

#[test]
fn resyncs_are_coalesced_one_out_and_one_more() {
    let mut app = app();
    assert_eq!(
        resyncs(&app.update(Msg::Feed(FeedItem::Subscribed))),
        vec![0]
    );
    assert!(app.resyncs.in_flight());
    // Three containers appear while it is out: none is read at once.
    for id in ["a", "b", "c"] {
        assert!(resyncs(&app.update(created("demo", id))).is_empty(), "{id}");
    }
    // The answer goes in, and one more resync covers all three.
    assert_eq!(resyncs(&app.update(snapshot(0, &["web", "a"]))), vec![1]);
    assert_eq!(shown(&app), vec!["web", "a"]);
    assert!(resyncs(&app.update(snapshot(1, &["web", "a", "b", "c"]))).is_empty());
    assert!(!app.resyncs.in_flight());
    assert_eq!(shown(&app).len(), 4);
    // A failed resync frees the slot too.
    assert_eq!(resyncs(&app.update(created("demo", "d"))), vec![2]);
    assert!(resyncs(&app.update(created("demo", "e"))).is_empty());
    let effects = app.update(Msg::ResyncFailed {
        generation: 2,
        error: "resync: deadline exceeded".into(),
    });
    assert_eq!(resyncs(&effects), vec![3]);
    assert_eq!(app.status.as_deref(), Some("resync: deadline exceeded"));
}

#[test]
fn a_snapshot_of_the_old_scope_is_dropped() {
    let mut app = app();
    app.update(Msg::Namespaces(vec!["default".into(), "demo".into()]));
    assert_eq!(
        resyncs(&app.update(Msg::Feed(FeedItem::Subscribed))),
        vec![0]
    );
    // n while the resync of demo is out: its answer no longer says what is shown.
    assert!(resyncs(&app.update(key(KeyCode::Char('n')))).is_empty());
    assert_eq!(app.scope, Scope::All);
    let effects = app.update(snapshot(0, &["gone"]));
    assert_eq!(resyncs(&effects), vec![1], "the new scope is read");
    assert!(
        !shown(&app).contains(&"gone".to_owned()),
        "{:?}",
        shown(&app)
    );
    app.update(snapshot(1, &["web", "new"]));
    assert_eq!(shown(&app), vec!["web", "new"]);
    // An older answer arriving late changes nothing.
    app.update(snapshot(0, &["gone"]));
    assert_eq!(shown(&app), vec!["web", "new"]);
}

#[test]
fn events_of_other_namespaces_are_neither_shown_nor_read_again() {
    let mut app = app();
    let before = app.events.len();
    assert!(app.update(created("other", "x")).is_empty());
    let foreign = ExecKey {
        namespace: "other".into(),
        container: "x".into(),
        exec: "e1".into(),
    };
    assert!(
        app.update(event(RuntimeEvent::ExecAdded {
            exec: foreign.clone()
        }))
        .is_empty()
    );
    assert_eq!(app.events.len(), before, "nothing in the events pane");
    assert!(app.registry.get(&foreign).is_none());
    // In scope, the same event is shown and the list read again.
    assert_eq!(resyncs(&app.update(created("demo", "x"))), vec![0]);
    assert_eq!(app.events.len(), before + 1);
}

#[test]
fn foreign_execs_from_events_are_listed_and_killed_after_confirmation() {
    let mut app = app();
    let k = exec_key("web", "ctr1");
    app.update(Msg::Feed(FeedItem::Event {
        at: None,
        event: RuntimeEvent::ExecAdded { exec: k.clone() },
    }));
    app.update(Msg::Feed(FeedItem::Event {
        at: None,
        event: RuntimeEvent::ExecStarted {
            exec: k.clone(),
            pid: 77,
        },
    }));
    let execs = app.visible_execs();
    assert_eq!(execs.len(), 1);
    assert_eq!(
        (execs[0].origin, execs[0].state, execs[0].pid),
        (Origin::Foreign, ExecState::Running, 77)
    );
    assert!(
        app.events
            .iter()
            .any(|e| e.text == "exec_start web/ctr1: pid 77"),
        "{:?}",
        app.events
    );
    app.focus = Pane::Execs;
    app.update(key(KeyCode::Char('K')));
    assert!(matches!(&app.mode, Mode::Confirm(Confirm::Kill(x)) if *x == k));
    assert_eq!(
        app.update(key(KeyCode::Char('y'))),
        vec![Effect::Kill { key: k.clone() }]
    );
    let exit = RuntimeEvent::TaskExit {
        container: ContainerKey {
            namespace: "demo".into(),
            container: "web".into(),
        },
        id: "ctr1".into(),
        pid: 77,
        exit: ExitInfo {
            code: 137,
            at: None,
        },
    };
    app.update(Msg::Feed(FeedItem::Event {
        at: None,
        event: exit,
    }));
    assert_eq!(app.visible_execs()[0].exit_code, Some(137));
    // Two sweeps: marked, then collected into the history (still listed).
    app.update(Msg::GcTick);
    assert!(app.visible_execs()[0].can_remove);
    app.update(Msg::GcTick);
    assert_eq!(app.visible_execs()[0].state, ExecState::Collected);
    assert!(
        app.events
            .iter()
            .any(|e| e.text == "gc sweep: 1 collected, 0 marked")
    );
}

#[test]
fn namespace_key_cycles_scope_and_resyncs() {
    let mut app = app();
    app.update(Msg::Namespaces(vec!["default".into(), "demo".into()]));
    // demo -> all -> default -> demo
    let effects = app.update(key(KeyCode::Char('n')));
    assert_eq!(app.scope, Scope::All);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Resync { scope, .. } if *scope == Scope::All))
    );
    app.update(key(KeyCode::Char('n')));
    assert_eq!(app.scope, Scope::One("default".into()));
    app.update(key(KeyCode::Char('n')));
    assert_eq!(app.scope, Scope::One("demo".into()));
}

#[test]
fn connection_state_follows_the_feed() {
    let mut app = app();
    assert_eq!(app.update(Msg::Feed(FeedItem::Lost("gone".into()))), vec![]);
    assert!(matches!(
        app.connection,
        super::super::Connection::Reconnecting(_)
    ));
    let effects = app.update(Msg::Feed(FeedItem::Subscribed));
    assert!(matches!(
        app.connection,
        super::super::Connection::Connected
    ));
    assert!(matches!(effects.first(), Some(Effect::Resync { .. })));
}

/// One line per step of an exec's start, whoever made it: containerd's events and what
/// the registry did are one line, not two.
#[test]
fn an_exec_start_is_one_line_per_step_in_the_events_pane() {
    let mut app = app();
    open_shell(&mut app, "execmux-1");
    let k = exec_key("web", "execmux-1");
    app.update(event(RuntimeEvent::ExecAdded { exec: k.clone() }));
    app.update(event(RuntimeEvent::ExecStarted {
        exec: k.clone(),
        pid: 4242,
    }));
    let f = exec_key("web", "ctr1");
    app.update(event(RuntimeEvent::ExecAdded { exec: f.clone() }));
    app.update(event(RuntimeEvent::ExecStarted {
        exec: f.clone(),
        pid: 77,
    }));
    for id in ["execmux-1", "ctr1"] {
        let lines: Vec<&str> = app
            .events
            .iter()
            .rev()
            .map(|e| e.text.as_str())
            .filter(|t| t.contains(id))
            .collect();
        assert_eq!(lines.len(), 2, "{id}: {lines:?}");
        assert!(lines[0].starts_with("exec_create"), "{lines:?}");
        assert!(lines[1].starts_with("exec_start"), "{lines:?}");
    }
}
