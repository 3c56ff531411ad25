//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::popup::centered;
use crate::app::App;
use crate::app::keymap::Action;
use crate::app::tab::{zoom_chord, zoom_prefix};

/// One line of the overlay: keys right-aligned, then what they do.
fn row(keys: &str, what: &str) -> Line<'static> {
    let key_style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    Line::from(vec![
        Span::styled(format!("{keys:>22}  "), key_style),
        Span::raw(what.to_owned()),
    ])
}

pub fn render(app: &App, f: &mut Frame<'_>) {
    let mut lines = vec![Line::styled(
        "Navigation mode",
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for a in Action::ALL {
        lines.push(row(&app.keymap.keys(a).join(" "), a.describe()));
    }
    lines.push(row("alt-1..9", "go to tab N"));
    lines.push(row("mouse", "click tabs and rows; wheel scrolls a tab"));
    lines.push(row(
        "",
        "(in a tab whose program asks for the mouse: its own)",
    ));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Terminal mode (a focused tab)",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    lines.push(row(
        &app.settings.detach_keys,
        "detach: back to navigation, the exec keeps running",
    ));
    lines.push(row("shift-pageup/down", "scroll back / forward"));
    let detach = crate::registry::detach_keys::parse(&app.settings.detach_keys).unwrap_or_default();
    if let Some(prefix) = zoom_prefix(&detach) {
        lines.push(row(
            &zoom_chord(prefix),
            "zoom: the tab gets the whole window (and back)",
        ));
    }
    lines.extend(copy_help(&detach));
    lines.push(row(
        "ctrl-d, no tty",
        "end of input: closes the exec's stdin",
    ));
    lines.push(row("anything else", "goes to the exec"));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Keys are set in the config file: execmux --print-config shows them all.",
        Style::new().fg(Color::DarkGray),
    ));
    let area = centered(
        f.area(),
        78,
        u16::try_from(lines.len() + 2).unwrap_or(u16::MAX),
    );
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(super::pane_block(" Help · any key closes ".into(), true)),
        area,
    );
}

/// The copy-mode lines: its chords from terminal mode and its own keys.
fn copy_help(detach: &[u8]) -> Vec<Line<'static>> {
    let mut v = Vec::new();
    if let Some(prefix) = zoom_prefix(detach) {
        let chord = zoom_chord(prefix);
        let key = chord.trim_end_matches('z').trim_end();
        v.push(row(
            &format!("{key} [  {key} /"),
            "copy mode / search (hjkl v y s / n N, esc leaves)",
        ));
    }
    v
}
