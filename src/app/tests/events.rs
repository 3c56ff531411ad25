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
