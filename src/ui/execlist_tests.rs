//! Snapshots of the exec list (times, GC states, exit codes with their colours) and of a
//! frame drawn under `NO_COLOR`.

use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

use crate::app::App;
use crate::app::msg::Msg;
use crate::app::tests::execlist::{advance, end, populated, start};

fn frame(app: &mut App, w: u16, h: u16) -> Buffer {
    app.update(Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| super::render(app, f)).expect("draw");
    t.backend().buffer().clone()
}

/// The rows of `area`, each followed by its styled runs: `12..23 fg=Magenta +BOLD`.
fn styled(buf: &Buffer, area: Rect) -> String {
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let text: String = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        let _ = writeln!(out, "{text}");
        let mut runs = Vec::new();
        let mut x = area.left();
        while x < area.right() {
            let c = &buf[(x, y)];
            let key = (c.fg, c.bg, c.modifier);
            let start = x;
            while x < area.right() && {
                let d = &buf[(x, y)];
                (d.fg, d.bg, d.modifier) == key
            } {
                x += 1;
            }
            if key != (Color::Reset, Color::Reset, Modifier::empty()) {
                let mut run = format!("{}..{}", start - area.left(), x - area.left());
                if key.0 != Color::Reset {
                    let _ = write!(run, " fg={:?}", key.0);
                }
                if key.1 != Color::Reset {
                    let _ = write!(run, " bg={:?}", key.1);
                }
                if !key.2.is_empty() {
                    let _ = write!(run, " +{:?}", key.2);
                }
                runs.push(run);
            }
        }
        if !runs.is_empty() {
            let _ = writeln!(out, "    {}", runs.join(", "));
        }
    }
    out
}

/// One exec running, one ended (pending GC), one marked, four collected.
fn every_gc_state() -> App {
    let mut a = populated();
    advance(&mut a, 200);
    a.update(Msg::GcTick);
    start(&mut a, "web", "fresh", "false");
    advance(&mut a, 3);
    end(&mut a, "web", "fresh", 1);
    advance(&mut a, 20);
    a.update(Msg::GcTick);
    start(&mut a, "web", "newer", "sleep 9");
    advance(&mut a, 2);
    end(&mut a, "web", "newer", 130);
    advance(&mut a, 12);
    // Focus the execs pane.
    a.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    a
}

#[test]
fn exec_list_with_gc_states_and_coloured_codes() {
    let mut a = every_gc_state();
    let buf = frame(&mut a, 140, 40);
    insta::assert_snapshot!(styled(&buf, a.layout.execs));
}

#[test]
fn wide_exec_list_node_wide_sorted_by_exit_code() {
    let mut a = every_gc_state();
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('A'),
        KeyModifiers::SHIFT,
    )));
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('o'),
        KeyModifiers::NONE,
    )));
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('o'),
        KeyModifiers::NONE,
    )));
    let buf = frame(&mut a, 200, 40);
    insta::assert_snapshot!(styled(&buf, a.layout.execs));
}

#[test]
fn no_color_keeps_modifiers_and_drops_every_colour() {
    let mut a = every_gc_state();
    let coloured = frame(&mut a, 140, 40);
    let has_colour = |b: &Buffer| {
        b.content
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
    };
    assert!(has_colour(&coloured), "the default theme has colours");
    a.theme.no_color = true;
    let plain = frame(&mut a, 140, 40);
    assert!(
        plain.content.iter().all(|c| c.fg == Color::Reset
            && c.bg == Color::Reset
            && c.underline_color == Color::Reset),
        "a colour is left under NO_COLOR"
    );
    let has = |m: Modifier| plain.content.iter().any(|c| c.modifier.contains(m));
    assert!(has(Modifier::BOLD), "bold titles stay");
    assert!(
        has(Modifier::REVERSED),
        "the selected row is shown in reverse video"
    );
    insta::assert_snapshot!(styled(&plain, a.layout.execs));
}
