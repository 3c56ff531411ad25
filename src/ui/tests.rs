//! Snapshots of every pane and popup, rendered into a fixed-size `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::msg::Msg;
use crate::app::tests::feed;
use crate::app::tests::{app, open_shell};
use crate::domain::FeedItem;
use crate::domain::{ExecKey, RuntimeEvent};

fn draw(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| super::render(app, f)).expect("draw");
    t.backend().to_string()
}

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.update(Msg::Key(KeyEvent::new(code, mods)));
}

#[test]
fn empty_console() {
    insta::assert_snapshot!(draw(&app()));
}

#[test]
fn a_shell_tab_with_output_and_a_foreign_exec() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    feed(
        &mut a,
        tab,
        b"\x1b[1;32mweb\x1b[0m:/# ls\r\nbin  etc  tmp\r\n\x1b[1;32mweb\x1b[0m:/# ",
    );
    let foreign = ExecKey {
        namespace: "demo".into(),
        container: "web".into(),
        exec: "ctr-7".into(),
    };
    a.update(Msg::Feed(FeedItem::Event {
        at: None,
        event: RuntimeEvent::ExecAdded {
            exec: foreign.clone(),
        },
    }));
    a.update(Msg::Feed(FeedItem::Event {
        at: None,
        event: RuntimeEvent::ExecStarted {
            exec: foreign,
            pid: 99,
        },
    }));
    insta::assert_snapshot!(draw(&a));
}

#[test]
fn navigation_with_a_detached_tab_focused_on_execs() {
    let mut a = app();
    open_shell(&mut a, "execmux-0123456789abcdef");
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&a));
}

#[test]
fn help_overlay() {
    let mut a = app();
    key(&mut a, KeyCode::Char('?'), KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&a));
}

#[test]
fn confirm_close() {
    let mut a = app();
    open_shell(&mut a, "execmux-0123456789abcdef");
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('x'), KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&a));
}

#[test]
fn form_with_an_error() {
    let mut a = app();
    key(&mut a, KeyCode::Char('e'), KeyModifiers::NONE);
    key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&a));
}

#[test]
fn failed_start_and_filter() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    a.update(Msg::StartFailed {
        tab,
        message: "exec: \"/bin/sh\": stat /bin/sh: no such file or directory: unknown".into(),
    });
    key(&mut a, KeyCode::Char('/'), KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('w'), KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('e'), KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&a));
}

#[test]
fn container_text_cannot_reach_the_terminal() {
    let mut a = app();
    let evil = ExecKey {
        namespace: "demo".into(),
        container: "web".into(),
        exec: "x\u{1b}]0;pwned\u{7}".into(),
    };
    a.update(Msg::Feed(FeedItem::Event {
        at: None,
        event: RuntimeEvent::ExecAdded { exec: evil },
    }));
    a.update(Msg::Error("bad \u{1b}[2J\u{202e}text".into()));
    let screen = draw(&a);
    assert!(
        !screen.contains('\u{1b}') && !screen.contains('\u{7}') && !screen.contains('\u{202e}')
    );
    assert!(screen.contains("x�]0;pwned�"), "{screen}");
}

#[test]
fn zoomed_tab_in_terminal_mode() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('z'), KeyModifiers::NONE);
    feed(&mut a, tab, b"web:/# top\r\nMem: 1024K used\r\nweb:/# ");
    a.update(Msg::Error("resync: deadline exceeded".into()));
    insta::assert_snapshot!(draw(&a));
}

/// Where the host cursor is after a frame (None: hidden).
fn host_cursor(app: &App) -> Option<(u16, u16)> {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| super::render(app, f)).expect("draw");
    let b = t.backend();
    b.cursor_visible()
        .then(|| (b.cursor_position().x, b.cursor_position().y))
}

#[test]
fn the_host_cursor_follows_the_focused_live_tab_only() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    feed(&mut a, tab, b"web:/# ls");
    // The tab's screen starts inside its border, right of the 52 columns of panes.
    let screen = a.layout.screen();
    assert_eq!(host_cursor(&a), Some((screen.x + 9, screen.y)));
    // No reversed cell stands in for it.
    {
        let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        t.draw(|f| super::render(&a, f)).expect("draw");
        let cell = &t.backend().buffer()[(screen.x + 9, screen.y)];
        assert!(!cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    }
    // The program hides it: hidden.
    feed(&mut a, tab, b"\x1b[?25l");
    assert_eq!(host_cursor(&a), None);
    feed(&mut a, tab, b"\x1b[?25h\r\n");
    assert_eq!(host_cursor(&a), Some((screen.x, screen.y + 1)));
    // Scrolled back: hidden.
    let lines: Vec<u8> = (1..=60)
        .flat_map(|i| format!("{i}\r\n").into_bytes())
        .collect();
    feed(&mut a, tab, &lines);
    a.tabs[0].scroll = 5;
    assert_eq!(host_cursor(&a), None);
    a.tabs[0].scroll = 0;
    assert!(host_cursor(&a).is_some());
    // Navigation mode: hidden.
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(host_cursor(&a), None);
}

#[test]
fn a_held_up_kill_and_a_lost_containerd_show_on_the_tab_and_the_status_bar() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    a.update(Msg::Feed(FeedItem::Lost("connection refused".into())));
    let screen = draw(&a);
    assert!(screen.contains("· running · reconnecting"), "{screen}");
    assert!(screen.contains("○ reconnecting"), "{screen}");
    a.update(Msg::Feed(FeedItem::Subscribed));
    assert!(!draw(&a).contains("reconnecting"));
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('x'), KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('y'), KeyModifiers::NONE);
    a.update(Msg::Notice {
        tab,
        notice: crate::domain::Notice::KillPending("container paused".into()),
    });
    // A key in navigation mode clears the last message, not the pending kill.
    key(&mut a, KeyCode::Down, KeyModifiers::NONE);
    let screen = draw(&a);
    assert!(
        screen.contains("killing · kill pending (container paused)"),
        "{screen}"
    );
    let status_bar = |s: &str| s.lines().last().unwrap_or_default().to_owned();
    assert!(
        status_bar(&screen).contains("kill pending (container paused): execmux-0123456789abcdef"),
        "{screen}"
    );
    a.update(Msg::Ended {
        tab,
        exit: Ok(crate::domain::ExitInfo {
            code: 137,
            at: None,
        }),
    });
    let screen = draw(&a);
    assert!(!status_bar(&screen).contains("kill pending"), "{screen}");
    assert!(screen.contains("killed, 137"), "{screen}");
}

#[test]
fn a_hidden_tab_with_a_bell_mark() {
    let mut a = app();
    let first = open_shell(&mut a, "execmux-0123456789abcdef");
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    open_shell(&mut a, "execmux-fedcba9876543210");
    feed(&mut a, first, b"build finished\x07");
    insta::assert_snapshot!(draw(&a));
}

#[test]
fn a_small_screen_gives_the_tab_most_of_the_width() {
    let mut a = app();
    a.update(Msg::Resize(80, 24));
    let tab = open_shell_sized(&mut a);
    feed(&mut a, tab, b"web:/# stty size\r\n20 52\r\nweb:/# ");
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| super::render(&a, f)).expect("draw");
    insta::assert_snapshot!(t.backend().to_string());
}

/// Enter on web at the app's current size; started.
fn open_shell_sized(a: &mut App) -> crate::app::msg::TabId {
    let effects = a.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let [crate::app::msg::Effect::Prepare(pending)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let defaults = crate::domain::ProcessDefaults {
        env: vec![],
        cwd: "/".into(),
        user: "0:0".into(),
    };
    let key = ExecKey {
        namespace: "demo".into(),
        container: "web".into(),
        exec: "execmux-0123456789abcdef".into(),
    };
    let effects = a.update(Msg::Prepared(Box::new(crate::app::msg::Prepared {
        pending: pending.clone(),
        result: Ok((defaults, key, vec!["/bin/sh".into()])),
    })));
    let [crate::app::msg::Effect::Launch { tab, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let tab = *tab;
    a.update(Msg::Started { tab, pid: 4242 });
    tab
}

#[test]
fn broadcast_to_two_marked_tabs_of_three() {
    let mut a = app();
    let mut tabs = Vec::new();
    for exec in ["execmux-1", "execmux-2", "execmux-3"] {
        tabs.push(open_shell(&mut a, exec));
        key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
        key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    }
    for i in [0, 2] {
        a.active = i;
        key(&mut a, KeyCode::Char('m'), KeyModifiers::NONE);
    }
    feed(&mut a, tabs[2], b"/ # echo hi\r\nhi\r\n/ # ");
    key(&mut a, KeyCode::Char('b'), KeyModifiers::NONE);
    let screen = draw(&a);
    assert!(screen.contains("BROADCAST 2"), "{screen}");
    insta::assert_snapshot!(screen);
}

/// Every colour of a drawn frame but black and white (the text on coloured badges).
fn colours_drawn(app: &App) -> std::collections::BTreeSet<String> {
    use ratatui::style::Color;
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| super::render(app, f)).expect("draw");
    t.backend()
        .buffer()
        .content
        .iter()
        .flat_map(|c| [c.fg, c.bg])
        .filter(|c| !matches!(c, Color::Reset | Color::Black | Color::White))
        .map(|c| format!("{c:?}"))
        .collect()
}

#[test]
fn every_part_of_the_console_takes_its_colours_from_the_theme() {
    use ratatui::style::Color;
    let mut a = app();
    let t = &mut a.theme;
    for (i, c) in [
        &mut t.accent,
        &mut t.ok,
        &mut t.warn,
        &mut t.error,
        &mut t.signal,
        &mut t.dim,
        &mut t.selection,
        &mut t.broadcast,
        &mut t.search,
        &mut t.search_current,
    ]
    .into_iter()
    .enumerate()
    {
        *c = Color::Indexed(200 + u8::try_from(i).expect("few"));
    }
    let themed = |c: &String| (200..210).any(|i| *c == format!("{:?}", Color::Indexed(i)));
    let mut seen = std::collections::BTreeSet::new();
    let mut check = |a: &App, what: &str| {
        let drawn = colours_drawn(a);
        let stray: Vec<&String> = drawn.iter().filter(|c| !themed(c)).collect();
        assert!(
            stray.is_empty(),
            "{what}: colours not from the theme: {stray:?}"
        );
        seen.extend(drawn);
    };
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    feed(&mut a, tab, b"/ # seq 3\r\n1\r\n2\r\n3\r\n/ # ");
    check(&a, "terminal mode");
    // Copy mode with a search that matches twice, and a selection.
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('['), KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('/'), KeyModifiers::NONE);
    for c in "[23]".chars() {
        key(&mut a, KeyCode::Char(c), KeyModifiers::NONE);
    }
    key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('v'), KeyModifiers::NONE);
    check(&a, "copy mode");
    key(&mut a, KeyCode::Esc, KeyModifiers::NONE);
    key(&mut a, KeyCode::Esc, KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    check(&a, "navigation");
    key(&mut a, KeyCode::Char('?'), KeyModifiers::NONE);
    check(&a, "help");
    key(&mut a, KeyCode::Esc, KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('x'), KeyModifiers::NONE);
    check(&a, "confirm");
    key(&mut a, KeyCode::Char('n'), KeyModifiers::NONE);
    key(&mut a, KeyCode::Char('m'), KeyModifiers::NONE);
    check(&a, "marked");
    key(&mut a, KeyCode::Char('b'), KeyModifiers::NONE);
    check(&a, "broadcast");
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('q'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('e'), KeyModifiers::NONE);
    key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
    check(&a, "form with an error");
    key(&mut a, KeyCode::Esc, KeyModifiers::NONE);
    let failed = open_shell(&mut a, "execmux-1");
    a.update(Msg::StartFailed {
        tab: failed,
        message: "no such file".into(),
    });
    a.update(Msg::Error("resync: deadline exceeded".into()));
    key(&mut a, KeyCode::Char('z'), KeyModifiers::NONE);
    check(&a, "a failed tab, zoomed, with an error");
    // The check saw most meanings at least once.
    assert!(seen.len() >= 8, "{seen:?}");
}
