//! Snapshots of the console at the sizes a user meets: seven tabs on 160 columns (the bar
//! keeps the current one in view, zoomed too), the status line with a long message, an
//! 80-column screen with long names and quoted commands, the help at 45 rows.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::msg::{Effect, Msg, Prepared, TabId};
use crate::app::tests::feed;
use crate::app::tests::{app, container};
use crate::domain::{ExecKey, ProcessDefaults};
use crate::registry::sync::Snapshot;

fn draw(app: &App) -> Vec<String> {
    let (w, h) = (app.layout.area.width, app.layout.area.height);
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| super::render(app, f)).expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| {
            let mut row = String::new();
            let mut skip = 0;
            for x in 0..w {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let s = buf[(x, y)].symbol();
                skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
                row.push_str(s);
            }
            row
        })
        .collect()
}

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.update(Msg::Key(KeyEvent::new(code, mods)));
}

fn detach(app: &mut App) {
    key(app, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(app, KeyCode::Char('q'), KeyModifiers::CONTROL);
}

/// Enter on the selected container: a started tab running `args`, at the app's size.
fn open(app: &mut App, exec: &str, args: &[&str]) -> TabId {
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let [Effect::Prepare(pending)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let defaults = ProcessDefaults {
        env: vec![],
        cwd: "/".into(),
        user: "0:0".into(),
    };
    let container = pending.container.container.to_string();
    let key = ExecKey {
        namespace: "demo".into(),
        container: container.as_str().into(),
        exec: exec.into(),
    };
    let args = args.iter().map(|s| (*s).to_owned()).collect();
    let effects = app.update(Msg::Prepared(Box::new(Prepared {
        pending: pending.clone(),
        result: Ok((defaults, key, args)),
    })));
    let [Effect::Launch { tab, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let tab = *tab;
    app.update(Msg::Started { tab, pid: 4242 });
    tab
}

/// Seven tabs at 160x45, the second one rang its bell while hidden; the first is current.
fn seven_tabs() -> App {
    let mut a = app();
    a.update(Msg::Resize(160, 45));
    let mut tabs = Vec::new();
    for i in 1..=7 {
        if i > 1 {
            detach(&mut a);
        }
        tabs.push(open(
            &mut a,
            &format!("execmux-00000000000000{i:02}"),
            &["/bin/sh"],
        ));
    }
    feed(&mut a, tabs[1], b"done\x07");
    detach(&mut a);
    key(&mut a, KeyCode::Char('1'), KeyModifiers::ALT);
    a
}

#[test]
fn seven_tabs_at_160_columns_keep_the_current_one_in_view() {
    let mut a = seven_tabs();
    let first = draw(&a)[0].clone();
    assert!(first.contains("1:● web") && first.contains('›'), "{first}");
    key(&mut a, KeyCode::Char('7'), KeyModifiers::ALT);
    let screen = draw(&a);
    let bar = &screen[0];
    assert!(bar.contains("7:● web: /bin/sh"), "{bar}");
    assert!(bar.contains("🔔1"), "tab 2's bell is counted: {bar}");
    insta::assert_snapshot!(screen.join("\n"));
}

#[test]
fn zoomed_the_bar_keeps_the_current_tab_and_the_way_back() {
    let mut a = seven_tabs();
    key(&mut a, KeyCode::Char('7'), KeyModifiers::ALT);
    key(&mut a, KeyCode::Char('z'), KeyModifiers::NONE);
    a.update(Msg::Resize(100, 30));
    assert!(a.layout.zoomed);
    let bar = draw(&a)[0].clone();
    assert!(bar.contains("7:● web: /bin/sh"), "{bar}");
    assert!(bar.contains("z unzoom"), "{bar}");
    assert!(bar.contains("‹") && bar.contains("🔔1"), "{bar}");
    insta::assert_snapshot!(bar);
}

#[test]
fn a_long_message_is_shortened_and_the_hints_are_whole() {
    let mut a = seven_tabs();
    a.update(Msg::Saved {
        what: "transcript",
        result: Ok(format!(
            "/root/.local/state/execmux/{}/web-1.txt",
            "x".repeat(120)
        )),
    });
    let status = draw(&a)[44].clone();
    assert!(status.contains('…'), "{status}");
    assert!(
        status.contains("web-1.txt"),
        "the file name stays: {status}"
    );
    assert!(status.trim_end().ends_with("? help"), "{status}");
    insta::assert_snapshot!(status);
    // Without a message the hints fill the line, each one whole, `?` last.
    a.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    let status = draw(&a)[44].clone();
    assert!(status.trim_end().ends_with("? help"), "{status}");
    insta::assert_snapshot!(status);
}

#[test]
fn eighty_columns_cut_names_and_commands_with_an_ellipsis() {
    let mut a = app();
    a.update(Msg::Snapshot(Snapshot {
        containers: vec![container("box"), container("uxbars2182-with-a-long-name")],
        ..Snapshot::default()
    }));
    a.update(Msg::Resize(80, 24));
    open(
        &mut a,
        "execmux-0000000000000001",
        &["/bin/sh", "-c", "echo out; exit 3"],
    );
    detach(&mut a);
    let screen = draw(&a);
    let all = screen.join("\n");
    assert!(
        all.contains("/bin/sh -c 'echo out; …"),
        "quoted title: {all}"
    );
    assert!(
        all.contains("000000 /bin/sh … running"),
        "the command cut with …: {all}"
    );
    assert!(all.contains("uxbars21…"), "the name is cut with …: {all}");
    insta::assert_snapshot!(all);
}

#[test]
fn the_help_fits_above_the_status_row_and_says_where_it_is() {
    let mut a = app();
    a.update(Msg::Resize(160, 45));
    key(&mut a, KeyCode::Char('?'), KeyModifiers::NONE);
    let screen = draw(&a);
    assert!(screen[44].contains("close help"), "{}", screen[44]);
    assert!(
        screen[43].contains('┛') && screen[43].contains("more"),
        "{}",
        screen[43]
    );
    for _ in 0..100 {
        key(&mut a, KeyCode::Down, KeyModifiers::NONE);
    }
    let screen = draw(&a);
    assert!(screen[43].contains("end"), "{}", screen[43]);
    insta::assert_snapshot!(screen.join("\n"));
}
