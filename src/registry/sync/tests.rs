//! A resync snapshot racing the exit of an exec: read before the exit, applied after it, or
//! finding the exec already deleted before its exit code came.

use std::time::{Duration, SystemTime};

use super::{Snapshot, apply, apply_snapshot};
use crate::domain::{ContainerKey, ExecKey, ExitInfo, RuntimeEvent, TaskState};
use crate::registry::{ExecConfig, ExecState, LifecycleKind, Registry};

fn ck() -> ContainerKey {
    ContainerKey {
        namespace: "ns".into(),
        container: "c".into(),
    }
}

fn key(e: &str) -> ExecKey {
    ExecKey::test("c", e)
}

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + s)
}

fn exit_event(e: &str, code: u32) -> RuntimeEvent {
    RuntimeEvent::TaskExit {
        container: ck(),
        id: e.into(),
        pid: 7,
        exit: ExitInfo {
            code,
            at: Some(t(5)),
        },
    }
}

/// A registry with one exec of ours running (pid 7).
fn one_running(e: &str) -> Registry {
    let mut r = Registry::new(10);
    r.set_container(ck(), Some(TaskState::Running));
    let config = ExecConfig {
        args: vec!["sh".into()],
        ..Default::default()
    };
    r.create(
        key(e),
        &config,
        &crate::domain::ProcessDefaults::default(),
        t(0),
    )
    .expect("create");
    r.start(&key(e), None).expect("start");
    r.started(&key(e), 7, t(1));
    r.take_log();
    r
}

/// What a snapshot read while the exec still ran says.
fn shows_running(e: &str) -> Snapshot {
    Snapshot {
        running: vec![(key(e), 7, vec!["sh".into()])],
        ..Snapshot::default()
    }
}

fn state(r: &Registry, e: &str) -> Option<(ExecState, Option<u32>)> {
    r.get(&key(e)).map(|rec| (rec.state, rec.exit_code))
}

#[test]
fn an_exit_from_the_event_outlives_an_older_snapshot_that_shows_the_exec_running() {
    let mut r = one_running("e");
    // Read before the exit, applied after the exit event.
    let stale = shows_running("e");
    apply(&mut r, &exit_event("e", 42), t(5));
    apply_snapshot(&mut r, &stale, t(6));
    assert_eq!(state(&r, "e"), Some((ExecState::Exited, Some(42))));
    assert_eq!(r.live_execs(&ck()).count(), 0, "not listed as live again");
    let log = r.take_log();
    assert_eq!(
        log.iter().map(|l| &l.kind).collect::<Vec<_>>(),
        vec![&LifecycleKind::Exited { code: Some(42) }],
        "the stale snapshot adds nothing"
    );
}

#[test]
fn a_foreign_exit_outlives_an_older_snapshot_too() {
    let mut r = Registry::new(10);
    r.set_container(ck(), Some(TaskState::Running));
    apply_snapshot(&mut r, &shows_running("ctr1"), t(1));
    let stale = shows_running("ctr1");
    apply(&mut r, &exit_event("ctr1", 9), t(5));
    apply_snapshot(&mut r, &stale, t(6));
    assert_eq!(state(&r, "ctr1"), Some((ExecState::Exited, Some(9))));
}

#[test]
fn an_exit_code_that_comes_after_a_snapshot_found_the_exec_deleted_is_kept() {
    let mut r = one_running("e");
    // Our waiter saw the exit and deleted the exec; a resync then found it gone (NotFound)
    // before the exit event, or the tab's own report, reached the registry.
    let gone = Snapshot {
        ended: vec![(key("e"), None)],
        ..Snapshot::default()
    };
    apply_snapshot(&mut r, &gone, t(5));
    assert_eq!(state(&r, "e"), Some((ExecState::Exited, None)));
    apply(&mut r, &exit_event("e", 42), t(6));
    assert_eq!(state(&r, "e"), Some((ExecState::Exited, Some(42))));
    let kinds: Vec<_> = r.take_log().into_iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        vec![
            LifecycleKind::Exited { code: None },
            LifecycleKind::Exited { code: Some(42) }
        ]
    );
    // A known code is never replaced, by an unknown one or another report.
    r.exited(&key("e"), None, t(7));
    r.exited(&key("e"), Some(ExitInfo { code: 1, at: None }), t(8));
    assert_eq!(state(&r, "e"), Some((ExecState::Exited, Some(42))));
    assert!(r.take_log().is_empty());
}

#[test]
fn a_killed_exec_keeps_its_code_when_the_snapshot_won_the_race() {
    let mut r = one_running("e");
    r.kill_requested(&key("e"));
    let gone = Snapshot {
        ended: vec![(key("e"), None)],
        ..Snapshot::default()
    };
    apply_snapshot(&mut r, &gone, t(5));
    // The tab's own report of the kill comes last.
    r.exited(
        &key("e"),
        Some(ExitInfo {
            code: 137,
            at: None,
        }),
        t(6),
    );
    assert_eq!(state(&r, "e"), Some((ExecState::Killed, Some(137))));
}

#[test]
fn a_snapshot_read_before_an_exec_was_collected_does_not_bring_it_back() {
    let mut r = one_running("e");
    // Read while the exec ran; applied only after its exit and both GC sweeps (a slow
    // resync against a short GC interval).
    let stale = shows_running("e");
    apply(&mut r, &exit_event("e", 42), t(5));
    r.gc_sweep(t(10));
    r.gc_sweep(t(20));
    assert!(r.get(&key("e")).is_none(), "collected");
    r.take_log();
    apply_snapshot(&mut r, &stale, t(21));
    assert!(r.get(&key("e")).is_none(), "the collected exec came back");
    assert_eq!(r.live_execs(&ck()).count(), 0);
    assert!(r.take_log().is_empty(), "the stale snapshot adds nothing");
    // The same id running under another pid is a new exec (ctr reuses ids it is given).
    let reused = Snapshot {
        running: vec![(key("e"), 8, vec!["sh".into()])],
        ..Snapshot::default()
    };
    apply_snapshot(&mut r, &reused, t(22));
    assert_eq!(state(&r, "e"), Some((ExecState::Running, None)));
}
