//! Unit tests of the lifecycle rules, conflicts and GC.

use std::time::{Duration, SystemTime};

use super::*;
use crate::domain::{ContainerKey, ExecKey, ExitInfo, ProcessDefaults, TaskState};

fn ck(c: &str) -> ContainerKey {
    ContainerKey {
        namespace: "ns".into(),
        container: c.into(),
    }
}
fn key(c: &str, e: &str) -> ExecKey {
    ExecKey::test(c, e)
}
fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + s)
}
fn defaults() -> ProcessDefaults {
    ProcessDefaults {
        env: vec!["PATH=/bin".into(), "HOME=/root".into()],
        cwd: String::new(),
        user: "0:0".into(),
    }
}
fn config(args: &[&str]) -> ExecConfig {
    ExecConfig {
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    }
}
fn running() -> Registry {
    let mut r = Registry::new(10);
    r.set_container(ck("c"), Some(TaskState::Running));
    r
}

#[test]
fn create_resolves_env_user_cwd_and_logs() {
    let mut r = running();
    let mut cfg = config(&["/bin/sh", "-c", "true"]);
    cfg.env = vec!["HOME=/tmp".into(), "X=1".into()];
    let rec = r
        .create(key("c", "e1"), &cfg, &defaults(), t(0))
        .expect("create");
    assert_eq!(rec.env, vec!["PATH=/bin", "HOME=/tmp", "X=1"]);
    assert_eq!(rec.cwd.as_deref(), Some("/"));
    assert_eq!(rec.user, None, "no user: the container's");
    assert_eq!(rec.detach_keys, vec![16, 17]);
    assert_eq!(rec.state, ExecState::Created);
    assert_eq!(r.live_execs(&ck("c")).count(), 1);
    let log = r.take_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].to_string(), "created (/bin/sh -c true) ns/c/e1");
}

#[test]
fn an_empty_user_is_refused_not_taken_for_the_containers() {
    let mut r = running();
    let mut cfg = config(&["/bin/id"]);
    cfg.user = Some(String::new());
    let e = r
        .create(key("c", "e1"), &cfg, &defaults(), t(0))
        .expect_err("empty user");
    assert_eq!(e, RegistryError::EmptyUser);
    assert!(e.to_string().contains("leave -u out"), "{e}");
    assert_eq!(r.live_execs(&ck("c")).count(), 0, "nothing created");
}

#[test]
fn tty_gets_term_unless_overridden() {
    let mut r = running();
    let mut cfg = config(&["sh"]);
    cfg.tty = true;
    let rec = r
        .create(key("c", "a"), &cfg, &defaults(), t(0))
        .expect("create");
    assert_eq!(rec.env, vec!["PATH=/bin", "HOME=/root", "TERM=xterm"]);
    cfg.env = vec!["TERM=vt100".into()];
    let rec = r
        .create(key("c", "b"), &cfg, &defaults(), t(0))
        .expect("create");
    assert_eq!(rec.env, vec!["PATH=/bin", "HOME=/root", "TERM=vt100"]);
    cfg.tty = false;
    cfg.env.clear();
    let rec = r
        .create(key("c", "c"), &cfg, &defaults(), t(0))
        .expect("create");
    assert_eq!(rec.env, vec!["PATH=/bin", "HOME=/root"]);
}

#[test]
fn create_refuses_bad_input_and_registers_nothing() {
    let mut r = running();
    let mut cfg = config(&["sh"]);
    cfg.detach_keys = Some("ctrl-".into());
    assert!(matches!(
        r.create(key("c", "e"), &cfg, &defaults(), t(0)),
        Err(RegistryError::DetachKeys(_))
    ));
    assert_eq!(
        r.create(key("c", "e"), &config(&[]), &defaults(), t(0))
            .err(),
        Some(RegistryError::NoCommand)
    );
    assert_eq!(r.execs().count(), 0);
    assert_eq!(r.live_execs(&ck("c")).count(), 0);
}

#[test]
fn create_checks_container_state() {
    let mut r = Registry::new(10);
    let err = |r: &mut Registry| {
        r.create(key("c", "e"), &config(&["sh"]), &defaults(), t(0))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(err(&mut r), Err("no such container: ns/c".into()));
    r.set_container(ck("c"), None);
    assert_eq!(err(&mut r), Err("container c is not running".into()));
    r.set_container(ck("c"), Some(TaskState::Paused));
    assert_eq!(
        err(&mut r),
        Err("container c is paused, unpause the container before exec".into())
    );
    r.set_container(ck("c"), Some(TaskState::Created));
    assert_eq!(
        err(&mut r),
        Err("container c is restarting, wait until the container is running".into())
    );
}

#[test]
fn start_conflicts() {
    let mut r = running();
    r.create(key("c", "e"), &config(&["sh"]), &defaults(), t(0))
        .expect("create");
    r.start(&key("c", "e"), None).expect("first start");
    assert_eq!(
        r.start(&key("c", "e"), None).err(),
        Some(RegistryError::AlreadyRunning("e".into()))
    );
    r.started(&key("c", "e"), 42, t(1));
    r.exited(
        &key("c", "e"),
        Some(ExitInfo {
            code: 3,
            at: Some(t(2)),
        }),
        t(2),
    );
    assert_eq!(
        r.start(&key("c", "e"), None).err(),
        Some(RegistryError::AlreadyRun("e".into()))
    );
    assert_eq!(
        r.start(&key("c", "nope"), None).err(),
        Some(RegistryError::NoSuchExec("nope".into()))
    );
    let rec = r.get(&key("c", "e")).expect("rec");
    assert_eq!(
        (rec.state, rec.exit_code, rec.pid),
        (ExecState::Exited, Some(3), 42)
    );
}

#[test]
fn lookup_order_after_container_changes() {
    let mut r = running();
    r.create(key("c", "e"), &config(&["sh"]), &defaults(), t(0))
        .expect("create");
    r.set_container(ck("c"), Some(TaskState::Paused));
    assert_eq!(
        r.start(&key("c", "e"), None).err(),
        Some(RegistryError::Paused("c".into()))
    );
    r.remove_container(&ck("c"));
    assert_eq!(
        r.start(&key("c", "e"), None).err(),
        Some(RegistryError::NoSuchContainer(ck("c")))
    );
    assert_eq!(
        r.lookup(&key("c", "x")).err(),
        Some(RegistryError::NoSuchExec("x".into()))
    );
}

#[test]
fn start_console_wins_over_create() {
    let mut r = running();
    let mut cfg = config(&["sh"]);
    cfg.tty = true;
    cfg.console = Some(ConsoleSize { rows: 10, cols: 20 });
    r.create(key("c", "a"), &cfg, &defaults(), t(0))
        .expect("create");
    r.create(key("c", "b"), &cfg, &defaults(), t(0))
        .expect("create");
    let a = r
        .start(
            &key("c", "a"),
            Some(ConsoleSize {
                rows: 30,
                cols: 100,
            }),
        )
        .expect("start");
    let b = r.start(&key("c", "b"), None).expect("start");
    assert_eq!(
        a.console,
        Some(ConsoleSize {
            rows: 30,
            cols: 100
        })
    );
    assert_eq!(b.console, Some(ConsoleSize { rows: 10, cols: 20 }));
}

#[test]
fn failed_start_maps_code_and_leaves_container_index() {
    let mut r = running();
    for (id, msg, code) in [
        (
            "a",
            "exec: \"/nope\": stat /nope: no such file or directory: unknown",
            127,
        ),
        ("b", "exec: \"/etc\": permission denied: unknown", 126),
        ("c", "something else", 128),
    ] {
        r.create(key("c", id), &config(&["/nope"]), &defaults(), t(0))
            .expect("create");
        r.start(&key("c", id), None).expect("start");
        assert_eq!(r.start_failed(&key("c", id), msg, t(1)), code);
        let rec = r.get(&key("c", id)).expect("kept for inspection");
        assert_eq!(
            (rec.state, rec.exit_code),
            (ExecState::FailedToStart, Some(code))
        );
        assert_eq!(rec.error.as_deref(), Some(msg));
    }
    assert_eq!(r.live_execs(&ck("c")).count(), 0);
}

#[test]
fn killed_exec_is_recorded_as_killed() {
    let mut r = running();
    r.create(key("c", "e"), &config(&["sh"]), &defaults(), t(0))
        .expect("create");
    r.start(&key("c", "e"), None).expect("start");
    r.started(&key("c", "e"), 7, t(1));
    r.kill_requested(&key("c", "e"));
    r.exited(
        &key("c", "e"),
        Some(ExitInfo {
            code: 137,
            at: None,
        }),
        t(2),
    );
    assert_eq!(
        r.get(&key("c", "e")).map(|r| r.state),
        Some(ExecState::Killed)
    );
    let last = r.take_log().pop().expect("log");
    assert_eq!(last.kind, LifecycleKind::Killed { code: Some(137) });
    // A second exit report (Wait after the event) changes nothing.
    r.exited(&key("c", "e"), Some(ExitInfo { code: 0, at: None }), t(3));
    assert_eq!(r.get(&key("c", "e")).and_then(|r| r.exit_code), Some(137));
}

#[test]
fn foreign_execs_from_events() {
    let mut r = running();
    r.observe(&key("c", "ctr1"), None, t(0));
    assert_eq!(
        r.get(&key("c", "ctr1")).map(|r| (r.origin, r.state)),
        Some((Origin::Foreign, ExecState::Created))
    );
    r.observe(&key("c", "ctr1"), Some(99), t(1));
    assert_eq!(
        r.get(&key("c", "ctr1")).map(|r| (r.state, r.pid)),
        Some((ExecState::Running, 99))
    );
    r.exited(
        &key("c", "ctr1"),
        Some(ExitInfo { code: 9, at: None }),
        t(2),
    );
    assert_eq!(r.get(&key("c", "ctr1")).and_then(|r| r.exit_code), Some(9));
}

#[test]
fn gc_is_two_phase_and_spares_live_execs() {
    let mut r = running();
    r.create(key("c", "done"), &config(&["true"]), &defaults(), t(0))
        .expect("create");
    r.create(key("c", "live"), &config(&["sh"]), &defaults(), t(0))
        .expect("create");
    r.start(&key("c", "done"), None).expect("start");
    r.started(&key("c", "done"), 5, t(1));
    r.exited(
        &key("c", "done"),
        Some(ExitInfo { code: 0, at: None }),
        t(2),
    );
    r.take_log();
    assert_eq!(
        r.gc_sweep(t(3)),
        gc::Sweep {
            collected: 0,
            marked: 1
        }
    );
    let rec = r
        .get(&key("c", "done"))
        .expect("visible for one more sweep");
    assert!(rec.can_remove);
    assert_eq!(
        r.gc_sweep(t(4)),
        gc::Sweep {
            collected: 1,
            marked: 0
        }
    );
    assert!(r.get(&key("c", "done")).is_none());
    assert!(
        r.get(&key("c", "live")).is_some(),
        "created/running execs are never collected"
    );
    let hist: Vec<_> = r
        .history()
        .map(|h| (h.key.exec.to_string(), h.state, h.exit_code))
        .collect();
    assert_eq!(hist, vec![("done".into(), ExecState::Collected, Some(0))]);
    let log: Vec<String> = r.take_log().iter().map(ToString::to_string).collect();
    assert_eq!(
        log,
        vec![
            "gc sweep: 0 collected, 1 marked",
            "collected ns/c/done",
            "gc sweep: 1 collected, 0 marked"
        ]
    );
    assert_eq!(r.gc_sweep(t(5)), gc::Sweep::default());
    assert!(
        r.take_log().is_empty(),
        "a sweep that changes nothing logs nothing"
    );
}

#[test]
fn stopping_a_container_unregisters_its_execs() {
    let mut r = running();
    r.create(key("c", "e"), &config(&["sh"]), &defaults(), t(0))
        .expect("create");
    r.set_container(ck("c"), Some(TaskState::Stopped));
    assert_eq!(r.live_execs(&ck("c")).count(), 0);
    assert_eq!(r.gc_sweep(t(1)).marked, 1);
}

#[test]
fn history_is_bounded() {
    let mut r = Registry::new(2);
    r.set_container(ck("c"), Some(TaskState::Running));
    for i in 0..5 {
        let k = key("c", &format!("e{i}"));
        r.observe(&k, Some(i), t(0));
        r.exited(&k, Some(ExitInfo { code: i, at: None }), t(1));
    }
    r.gc_sweep(t(2));
    r.gc_sweep(t(3));
    let kept: Vec<String> = r.history().map(|h| h.key.exec.to_string()).collect();
    assert_eq!(kept, vec!["e3", "e4"]);
}
