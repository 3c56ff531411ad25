//! Snapshots of copy mode: a search with its matches, and a selection.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::msg::Msg;
use crate::app::tests::{app, open_shell};

/// The frame, and the marks of copy mode on the tab's screen (rows with any): `m` a
/// match, `M` the current one, `s` the selection, `@` the cursor.
fn draw(app: &App) -> (String, Vec<String>) {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| super::super::render(app, f)).expect("draw");
    let buf = t.backend().buffer();
    let marks = (0..buf.area.height)
        .filter(|y| *y >= 2)
        .map(|y| {
            (53..buf.area.width)
                .map(|x| {
                    let c = &buf[(x, y)];
                    match (
                        c.bg,
                        c.modifier.contains(ratatui::style::Modifier::REVERSED),
                    ) {
                        (_, true) => '@',
                        (ratatui::style::Color::Yellow, _) => 'm',
                        (ratatui::style::Color::LightRed, _) => 'M',
                        (ratatui::style::Color::Blue, _) => 's',
                        _ => '.',
                    }
                })
                .collect::<String>()
        })
        .filter(|l| l.chars().any(|c| c != '.'))
        .collect();
    (t.backend().to_string(), marks)
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

fn shell_with_lines(a: &mut App) {
    let tab = open_shell(a, "execmux-0123456789abcdef");
    let text: Vec<String> = (1..=60)
        .map(|n| format!("{n:03} {}", if n % 7 == 0 { "seven" } else { "other" }))
        .collect();
    crate::app::tests::feed(a, tab, text.join("\r\n").as_bytes());
}

#[test]
fn a_search_with_matches() {
    let mut a = app();
    shell_with_lines(&mut a);
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('p'),
        KeyModifiers::CONTROL,
    )));
    keys(&mut a, "/sev.n");
    let (prompt, _) = draw(&a);
    assert!(prompt.contains("search (regex): sev.n"), "{prompt}");
    a.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    keys(&mut a, "nn");
    let (screen, marks) = draw(&a);
    insta::assert_snapshot!(format!("{screen}\n{}", marks.join("\n")));
}

#[test]
fn copy_mode_with_a_selection() {
    let mut a = app();
    shell_with_lines(&mut a);
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('p'),
        KeyModifiers::CONTROL,
    )));
    keys(&mut a, "[kkk0vjjll");
    let (screen, marks) = draw(&a);
    insta::assert_snapshot!(format!("{screen}\n{}", marks.join("\n")));
}
