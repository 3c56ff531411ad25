//! Snapshots of the split view: two panes side by side with the focus on one, and a grid of
//! three in navigation mode; the host cursor stands in the focused pane only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::msg::{Msg, TabId};
use crate::app::tests::feed;
use crate::app::tests::{app, open_shell};

fn draw(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| super::render(app, f)).expect("draw");
    t.backend().to_string()
}

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.update(Msg::Key(KeyEvent::new(code, mods)));
}

fn detach(app: &mut App) {
    key(app, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(app, KeyCode::Char('q'), KeyModifiers::CONTROL);
}

/// `n` shell tabs, each showing its own size; the last is current, in terminal mode.
fn tabs(n: usize) -> (App, Vec<TabId>) {
    let mut a = app();
    let mut ids = Vec::new();
    for k in 1..=n {
        if k > 1 {
            detach(&mut a);
        }
        ids.push(open_shell(&mut a, &format!("execmux-{k}")));
    }
    (a, ids)
}

fn show_sizes(a: &mut App, ids: &[TabId]) {
    for (k, id) in ids.iter().enumerate() {
        let (rows, cols) = a.tabs[k].size;
        feed(
            a,
            *id,
            format!("\x1b[H\x1b[2J/ # stty size\r\n{rows} {cols}\r\n/ # ").as_bytes(),
        );
    }
}

#[test]
fn side_by_side_in_terminal_mode() {
    let (mut a, ids) = tabs(2);
    key(&mut a, KeyCode::Char('p'), KeyModifiers::CONTROL);
    key(&mut a, KeyCode::Char('|'), KeyModifiers::NONE);
    show_sizes(&mut a, &ids);
    insta::assert_snapshot!(draw(&a));
    // The host cursor is in the focused (right) pane, after its prompt.
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| super::render(&a, f)).expect("draw");
    let screen = a.focused_screen();
    assert_eq!(screen.x, 87);
    assert_eq!(
        t.backend().cursor_position(),
        ratatui::layout::Position::new(screen.x + 4, screen.y + 2)
    );
}

#[test]
fn a_grid_of_three_in_navigation_mode() {
    let (mut a, ids) = tabs(3);
    detach(&mut a);
    for _ in 0..3 {
        key(&mut a, KeyCode::Char('|'), KeyModifiers::NONE);
    }
    key(&mut a, KeyCode::Up, KeyModifiers::ALT);
    show_sizes(&mut a, &ids);
    insta::assert_snapshot!(draw(&a));
}
