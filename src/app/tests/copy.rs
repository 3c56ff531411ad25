//! Copy mode: search older/newer with wrap, keyboard and mouse selection, the yank's one
//! clipboard effect, saving a selection, transcripts with the record's header.

use crossterm::event::{KeyCode, MouseButton, MouseEventKind};

use super::{app, ctrl, detach, feed, key, mouse, open_shell};
use crate::app::msg::{Effect, Msg};
use crate::app::{App, Mode};
use crate::domain::ExitInfo;

fn typed(app: &mut App, s: &str) -> Vec<Effect> {
    s.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

/// The document row of copy mode's cursor, and the scroll of the active tab.
fn cursor(app: &App) -> (usize, usize) {
    let Mode::Copy(c) = &app.mode else {
        panic!("not in copy mode: {:?}", app.mode)
    };
    let tab = &app.tabs[app.active];
    (c.cursor.point(&tab.terminal.read()).row, tab.scroll)
}

fn hundred_lines(app: &mut App) -> crate::app::msg::TabId {
    let tab = open_shell(app, "execmux-00000000000000aa");
    let lines: Vec<String> = (1..=100).map(|n| format!("line {n}")).collect();
    feed(app, tab, lines.join("\r\n").as_bytes());
    tab
}

#[test]
fn search_goes_older_and_newer_scrolls_to_each_match_and_wraps() {
    let mut a = app();
    hundred_lines(&mut a);
    // The detach prefix then `/` opens the prompt; nothing reaches the exec.
    assert!(a.update(ctrl('p')).is_empty());
    assert!(a.update(key(KeyCode::Char('/'))).is_empty());
    assert!(typed(&mut a, "^line 1\\d$").is_empty());
    a.update(key(KeyCode::Enter));
    // Line N is row N-1; from the bottom, the first match up is line 19.
    let (row, scroll) = cursor(&a);
    assert_eq!(row, 18);
    let len = a.tabs[0].terminal.read().scrollback().len();
    assert!(len - scroll <= row && row < len - scroll + 36, "in view");
    assert_eq!(a.status.as_deref(), Some("match 10/10 for /^line 1\\d$/"));
    a.update(key(KeyCode::Char('n')));
    assert_eq!(cursor(&a).0, 17);
    a.update(key(KeyCode::Char('N')));
    a.update(key(KeyCode::Char('N')));
    assert_eq!(cursor(&a).0, 9, "past the newest it wraps to the oldest");
    assert!(
        a.status
            .as_deref()
            .is_some_and(|s| s.ends_with("(wrapped)"))
    );
    // A bad regex says so and keeps copy mode.
    typed(&mut a, "/(");
    a.update(key(KeyCode::Enter));
    assert!(
        a.status
            .as_deref()
            .is_some_and(|s| s.starts_with("bad regex"))
    );
    assert!(matches!(a.mode, Mode::Copy(_)));
    a.update(key(KeyCode::Esc));
    assert!(matches!(a.mode, Mode::Terminal));
    assert_eq!(a.tabs[0].scroll, 0, "back to the live screen");
}

#[test]
fn a_keyboard_selection_yanks_once_to_the_clipboard() {
    let mut a = app();
    hundred_lines(&mut a);
    a.update(ctrl('p'));
    a.update(key(KeyCode::Char('[')));
    assert!(matches!(a.mode, Mode::Copy(_)));
    // The cursor starts where the shell's is: after "line 100". Up two rows, to its start.
    typed(&mut a, "kk0");
    assert_eq!(cursor(&a).0, 97);
    assert!(
        a.update(key(KeyCode::Char('y'))).is_empty(),
        "nothing selected"
    );
    typed(&mut a, "vj$");
    let saved = a.update(key(KeyCode::Char('s')));
    let [Effect::SaveText { stem, text }] = saved.as_slice() else {
        panic!("{saved:?}")
    };
    assert_eq!(
        (stem.as_str(), text.as_str()),
        ("selection-execmux-00000000000000aa", "line 98\nline 99")
    );
    // Saved, copy mode is left: what is typed next goes to the exec.
    assert!(matches!(a.mode, Mode::Terminal));
    assert!(matches!(
        a.update(key(KeyCode::Char('k'))).as_slice(),
        [Effect::Input { .. }]
    ));
    a.update(ctrl('p'));
    a.update(key(KeyCode::Char('[')));
    typed(&mut a, "kk0vj$");
    let effects = a.update(key(KeyCode::Enter));
    assert_eq!(effects, [Effect::Clipboard("line 98\nline 99".into())]);
    assert!(matches!(a.mode, Mode::Terminal));
    let osc = String::from_utf8(crate::app::copy::osc52("line 98\nline 99")).expect("utf8");
    assert_eq!(osc, "\x1b]52;c;bGluZSA5OApsaW5lIDk5\x07");
}

#[test]
fn the_detach_keys_leave_copy_mode_and_detach_in_one_press() {
    let mut a = app();
    hundred_lines(&mut a);
    a.update(ctrl('p'));
    a.update(key(KeyCode::Char('[')));
    // A held prefix, then a key of copy mode: the key still moves the cursor.
    assert!(a.update(ctrl('p')).is_empty());
    assert!(a.update(key(KeyCode::Char('k'))).is_empty());
    assert_eq!(cursor(&a).0, 98);
    assert!(a.update(ctrl('p')).is_empty());
    assert!(a.update(ctrl('q')).is_empty(), "nothing reaches the exec");
    assert!(matches!(a.mode, Mode::Navigate), "{:?}", a.mode);
    assert!(
        a.status
            .as_deref()
            .is_some_and(|s| s.starts_with("detached from execmux-00000000000000aa")),
        "{:?}",
        a.status
    );
    assert_eq!(a.tabs[0].scroll, 0);
    assert!(a.tabs[0].state.is_running(), "the exec keeps running");
    // Focused again, keys go to the exec; nothing of the prefix was kept.
    a.update(key(KeyCode::Char('i')));
    assert!(matches!(a.mode, Mode::Terminal));
    assert_eq!(
        a.update(key(KeyCode::Char('x'))),
        [Effect::Input {
            tab: a.tabs[0].id,
            bytes: b"x".to_vec()
        }]
    );
}

#[test]
fn leaving_copy_mode_takes_the_search_message_away() {
    let mut a = app();
    hundred_lines(&mut a);
    a.update(ctrl('p'));
    a.update(key(KeyCode::Char('/')));
    typed(&mut a, "^line 1\\d$");
    a.update(key(KeyCode::Enter));
    assert_eq!(a.status.as_deref(), Some("match 10/10 for /^line 1\\d$/"));
    a.update(key(KeyCode::Esc));
    assert!(matches!(a.mode, Mode::Terminal));
    assert_eq!(a.status, None, "the match count went with copy mode");
    // What leaving itself did stays: a yank's count.
    a.update(ctrl('p'));
    a.update(key(KeyCode::Char('[')));
    typed(&mut a, "v0");
    a.update(key(KeyCode::Char('y')));
    assert!(matches!(a.mode, Mode::Terminal));
    assert_eq!(
        a.status.as_deref(),
        Some("copied 8 characters to the clipboard")
    );
}

#[test]
fn a_mouse_drag_selects_and_its_release_yanks() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-00000000000000bb");
    feed(&mut a, tab, b"hello world\r\nsecond");
    let s = a.layout.screen();
    assert!(
        a.update(mouse(MouseEventKind::Down(MouseButton::Left), s.x + 6, s.y))
            .is_empty()
    );
    assert!(
        a.update(mouse(MouseEventKind::Drag(MouseButton::Left), s.x + 8, s.y))
            .is_empty()
    );
    assert!(matches!(a.mode, Mode::Copy(_)));
    a.update(mouse(
        MouseEventKind::Drag(MouseButton::Left),
        s.x + 2,
        s.y + 1,
    ));
    let effects = a.update(mouse(
        MouseEventKind::Up(MouseButton::Left),
        s.x + 2,
        s.y + 1,
    ));
    assert_eq!(effects, [Effect::Clipboard("world\nsec".into())]);
    assert!(matches!(a.mode, Mode::Terminal));
    // A program that takes the mouse gets the drag instead.
    feed(&mut a, tab, b"\x1b[?1002h");
    a.update(mouse(MouseEventKind::Down(MouseButton::Left), s.x, s.y));
    let drag = a.update(mouse(MouseEventKind::Drag(MouseButton::Left), s.x + 3, s.y));
    assert!(
        matches!(drag.as_slice(), [Effect::Input { .. }]),
        "{drag:?}"
    );
    assert!(matches!(a.mode, Mode::Terminal));
}

#[test]
fn a_transcript_carries_the_records_header_and_the_exit_code() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-00000000000000cc");
    feed(&mut a, tab, b"out\r\n");
    detach(&mut a);
    let header_of = |effects: Vec<Effect>| match effects.as_slice() {
        [
            Effect::Transcript {
                tab: of,
                header,
                stem,
                sgr,
            },
        ] => {
            assert_eq!(stem, "transcript-web-execmux-00000000000000cc");
            assert!(!sgr);
            assert_eq!(*of, tab);
            header.clone()
        }
        other => panic!("{other:?}"),
    };
    let header = header_of(a.update(key(KeyCode::Char('t'))));
    for want in [
        "# namespace: demo\n",
        "# container: web\n",
        "# exec: execmux-00000000000000cc\n",
        "# command: /bin/sh\n",
        "# tty: true\n",
        "# exit code: running\n",
    ] {
        assert!(header.contains(want), "{want:?} in {header}");
    }
    a.update(Msg::Ended {
        tab,
        exit: Ok(ExitInfo { code: 3, at: None }),
    });
    let header = header_of(a.update(key(KeyCode::Char('t'))));
    assert!(header.contains("# exit code: 3\n"), "{header}");
    a.update(Msg::Saved {
        what: "transcript",
        result: Ok("/tmp/x.txt".into()),
    });
    assert_eq!(a.status.as_deref(), Some("transcript saved to /tmp/x.txt"));
}

#[test]
fn a_search_finds_a_line_twelve_thousand_lines_back_once() {
    let mut a = app();
    a.settings.scrollback_lines = 20_000;
    let tab = open_shell(&mut a, "execmux-00000000000000dd");
    let mut out = b"/ # seq 1 12000\r\n".to_vec();
    for n in 1..=12_000 {
        out.extend(format!("{n}\r\n").as_bytes());
    }
    out.extend(b"/ # ");
    for chunk in out.chunks(16 * 1024) {
        feed(&mut a, tab, chunk);
    }
    a.update(ctrl('p'));
    a.update(key(KeyCode::Char('/')));
    typed(&mut a, "^1000$");
    a.update(key(KeyCode::Enter));
    assert_eq!(a.status.as_deref(), Some("match 1/1 for /^1000$/"));
    let (row, scroll) = cursor(&a);
    assert_eq!(row, 1000);
    let emu = a.tabs[0].terminal.read();
    let top = emu.scrollback().len() - scroll;
    assert!(top <= row && row < top + 36, "{top} {row}");
}
