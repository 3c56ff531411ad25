//! The exec list: sort cycle, filter, node-wide listing, times and GC states.

use std::cell::Cell;
use std::time::{Duration, SystemTime};

use crossterm::event::KeyCode;

use super::{app, container, exec_key, fixed_clock, key};
use crate::app::App;
use crate::app::execlist::{Age, ExecSort, ExitClass, GcState, exit_label};
use crate::app::msg::{Effect, Msg};
use crate::app::{Mode, Pane};
use crate::domain::{ContainerKey, ExitInfo, FeedItem, RuntimeEvent, Scope};
use crate::registry::sync::Snapshot;

thread_local! {
    /// Seconds past the fixed clock; each test runs on its own thread.
    static OFFSET: Cell<u64> = const { Cell::new(0) };
}

fn moving_clock() -> SystemTime {
    fixed_clock() + Duration::from_secs(OFFSET.with(Cell::get))
}

/// Moves the clock on and lets the app see it.
pub(crate) fn advance(app: &mut App, secs: u64) {
    OFFSET.with(|o| o.set(o.get() + secs));
    app.update(Msg::Tick);
}

fn event(app: &mut App, event: RuntimeEvent) {
    app.update(Msg::Feed(FeedItem::Event { at: None, event }));
}

/// A foreign exec that starts now.
pub(crate) fn start(app: &mut App, container: &str, exec: &str, command: &str) {
    let k = exec_key(container, exec);
    event(app, RuntimeEvent::ExecAdded { exec: k.clone() });
    event(
        app,
        RuntimeEvent::ExecStarted {
            exec: k.clone(),
            pid: 300,
        },
    );
    let command = command.split(' ').map(str::to_owned).collect();
    app.update(Msg::Described {
        key: k,
        facts: crate::registry::Facts::command(command),
    });
}

/// The exec ends now with `code`.
pub(crate) fn end(app: &mut App, container: &str, exec: &str, code: u32) {
    event(
        app,
        RuntimeEvent::TaskExit {
            container: ContainerKey {
                namespace: "demo".into(),
                container: container.into(),
            },
            id: exec.into(),
            pid: 300,
            exit: ExitInfo { code, at: None },
        },
    );
}

/// web: `run` running since 0s; `ok` exited 0, `bad` exited 2, `gone` 127, `kill` 137;
/// worker: `other` running. The clock stands 40 s after the last exit.
pub(crate) fn populated() -> App {
    OFFSET.with(|o| o.set(0));
    let mut app = app();
    app.clock = moving_clock;
    start(&mut app, "web", "run", "sleep 600");
    for (i, (id, code)) in [("ok", 0), ("bad", 2), ("gone", 127), ("kill", 137)]
        .into_iter()
        .enumerate()
    {
        advance(&mut app, 10);
        start(&mut app, "web", id, &format!("job {i}"));
        advance(&mut app, 5);
        end(&mut app, "web", id, code);
    }
    start(&mut app, "worker", "other", "tail -f /log");
    advance(&mut app, 40);
    app
}

fn ids(app: &App) -> Vec<String> {
    app.visible_execs()
        .iter()
        .map(|r| r.key.exec.to_string())
        .collect()
}

#[test]
fn the_sort_key_cycles_start_time_state_and_exit_code() {
    let mut app = populated();
    assert_eq!(app.execlist.sort, ExecSort::Started);
    assert_eq!(
        ids(&app),
        ["kill", "gone", "bad", "ok", "run"],
        "newest first"
    );
    app.update(key(KeyCode::Char('o')));
    assert_eq!(app.execlist.sort, ExecSort::State);
    assert_eq!(
        ids(&app),
        ["run", "kill", "gone", "bad", "ok"],
        "running first"
    );
    app.update(key(KeyCode::Char('o')));
    assert_eq!(app.execlist.sort, ExecSort::ExitCode);
    assert_eq!(ids(&app), ["kill", "gone", "bad", "ok", "run"]);
    // Same codes as by time here: a later exec with a lower code shows the difference.
    advance(&mut app, 1);
    start(&mut app, "web", "late", "true");
    end(&mut app, "web", "late", 0);
    assert_eq!(ids(&app), ["kill", "gone", "bad", "late", "ok", "run"]);
    assert_eq!(app.status.as_deref(), Some("execs sorted by exit code"));
    app.update(key(KeyCode::Char('o')));
    assert_eq!(app.execlist.sort, ExecSort::Started);
    assert_eq!(ids(&app)[0], "late");
}

#[test]
fn the_exec_filter_matches_id_command_state_and_signal_and_esc_clears_it() {
    let mut app = populated();
    app.update(key(KeyCode::Char('F')));
    assert!(matches!(app.mode, Mode::ExecFilter));
    assert_eq!(app.focus, Pane::Execs);
    for c in "SIGK".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    assert_eq!(ids(&app), ["kill"], "the signal's name");
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    for c in "running".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    assert_eq!(ids(&app), ["run"], "the state");
    app.update(key(KeyCode::Enter));
    assert!(matches!(app.mode, Mode::Navigate));
    assert_eq!(app.execlist.filter, "running", "Enter keeps it");
    app.update(key(KeyCode::Char('F')));
    app.update(key(KeyCode::Esc));
    assert!(app.execlist.filter.is_empty());
    assert_eq!(ids(&app).len(), 5);
    app.execlist.filter = "job 2".into();
    assert_eq!(ids(&app), ["gone"], "the command");
}

#[test]
fn the_node_wide_list_takes_every_namespace_and_goes_back() {
    let mut app = populated();
    assert!(
        !ids(&app).contains(&"other".to_owned()),
        "worker's is not web's"
    );
    let effects = app.update(key(KeyCode::Char('A')));
    assert!(app.execlist.node_wide);
    assert_eq!(app.scope, Scope::All);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Resync { scope, .. } if *scope == Scope::All)),
        "{effects:?}"
    );
    let Some(Effect::Resync { generation, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    app.update(Msg::Snapshot(Snapshot {
        containers: vec![container("web"), container("worker")],
        generation: *generation,
        ..Snapshot::default()
    }));
    assert_eq!(ids(&app), ["other", "kill", "gone", "bad", "ok", "run"]);
    app.execlist.filter = "worker".into();
    assert_eq!(
        ids(&app),
        ["other"],
        "the container is searchable node-wide"
    );
    app.execlist.filter.clear();
    let effects = app.update(key(KeyCode::Char('A')));
    assert!(!app.execlist.node_wide);
    assert_eq!(app.scope, Scope::One("demo".into()), "the scope it had");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Resync { scope, .. } if *scope == app.scope)),
        "{effects:?}"
    );
    assert_eq!(ids(&app).len(), 5);
}

#[test]
fn ages_and_gc_states_follow_the_clock_and_the_sweeps() {
    let mut app = populated();
    let rec = |app: &App, id: &str| {
        app.registry
            .get(&exec_key("web", id))
            .cloned()
            .or_else(|| {
                app.registry
                    .history()
                    .find(|r| r.key.exec.as_str() == id)
                    .cloned()
            })
            .expect("listed")
    };
    // Started at 0 s, now at 100 s; `kill` ended 40 s ago.
    assert_eq!(
        app.exec_age(&rec(&app, "run")),
        Age::Running(Duration::from_secs(100))
    );
    assert_eq!(
        app.exec_age(&rec(&app, "kill")),
        Age::Ended(Duration::from_secs(40))
    );
    assert_eq!(app.gc_state(&rec(&app, "run")), GcState::Kept);
    // The sweep timer started with the console: next sweep at 300 s, the one after at 600.
    assert_eq!(
        app.gc_state(&rec(&app, "kill")),
        GcState::Pending {
            collected_in: Duration::from_secs(500)
        }
    );
    advance(&mut app, 200);
    app.update(Msg::GcTick);
    assert_eq!(
        app.gc_state(&rec(&app, "kill")),
        GcState::Marked {
            collected_in: Duration::from_secs(300)
        }
    );
    advance(&mut app, 120);
    assert_eq!(
        app.gc_state(&rec(&app, "kill")),
        GcState::Marked {
            collected_in: Duration::from_secs(180)
        },
        "the countdown moves with the tick"
    );
    app.update(Msg::GcTick);
    assert_eq!(app.gc_state(&rec(&app, "kill")), GcState::Collected);
    assert_eq!(app.gc_state(&rec(&app, "run")), GcState::Kept);
    assert!(app.shows_clock());
}

#[test]
fn exit_codes_by_meaning() {
    for (code, class, label) in [
        (0, ExitClass::Ok, "exit 0"),
        (1, ExitClass::Error, "exit 1"),
        (125, ExitClass::Error, "exit 125"),
        (126, ExitClass::CannotRun, "126 noexec"),
        (127, ExitClass::CannotRun, "127 notfound"),
        (128, ExitClass::Error, "exit 128"),
        (130, ExitClass::Signal, "130 SIGINT"),
        (137, ExitClass::Signal, "137 SIGKILL"),
        (143, ExitClass::Signal, "143 SIGTERM"),
        (160, ExitClass::Signal, "160 signal 32"),
        (255, ExitClass::Error, "exit 255"),
    ] {
        assert_eq!(exit_label(code), (class, label.to_owned()), "{code}");
    }
}
