//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::popup::centered;
use super::theme;
use crate::app::App;
use crate::app::tab::{prefix_label, zoom_chord, zoom_prefix};
use crate::keymap::Action;

/// One line of the overlay: keys right-aligned, then what they do.
fn row(key_style: Style, keys: &str, what: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{keys:>22}  "), key_style),
        Span::raw(what.to_owned()),
    ])
}

pub fn render(app: &App, f: &mut Frame<'_>) {
    let key = theme::key(&app.theme);
    let mut lines = vec![Line::styled(
        "Navigation mode",
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for a in Action::ALL {
        match a {
            // The four directions take one line.
            Action::PaneLeft => {
                lines.push(row(
                    key,
                    &super::status::pane_keys(app),
                    "split: focus the pane that way",
                ));
            }
            Action::PaneRight | Action::PaneUp | Action::PaneDown => {}
            _ => lines.push(row(key, &app.keymap.keys(a).join(" "), a.describe())),
        }
    }
    lines.push(row(key, "alt-1..9", "go to tab N"));
    lines.push(row(
        key,
        "‹3  2›",
        "tab bar: tabs out of view on that side (🔔1: rang)",
    ));
    lines.push(row(
        key,
        "mouse",
        "click tabs and rows; wheel scrolls a tab",
    ));
    lines.push(row(
        key,
        "",
        "(in a tab whose program asks for the mouse: its own)",
    ));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Terminal mode (a focused tab)",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    lines.push(row(
        key,
        &app.settings.detach_keys,
        "detach: back to navigation, the exec keeps running",
    ));
    lines.push(row(key, "shift-pageup/down", "scroll back / forward"));
    let detach = &app.settings.detach;
    if let Some(prefix) = zoom_prefix(detach) {
        lines.push(row(
            key,
            &zoom_chord(prefix),
            "zoom: the tab gets the whole window (and back)",
        ));
        let p = prefix_label(prefix);
        let split = app.keymap.keys(Action::Split).join("/");
        lines.push(row(
            key,
            &format!("{p} arrows, {p} {split}"),
            "split: focus the pane that way; next arrangement",
        ));
    }
    lines.extend(copy_help(key, detach));
    lines.push(row(
        key,
        "ctrl-d, no tty",
        "end of input: closes the exec's stdin",
    ));
    lines.push(row(key, "anything else", "goes to the exec"));
    lines.push(row(
        key,
        "broadcast mode",
        "keys, pastes: every marked running tab; detach ends",
    ));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Keys are set in the config file: execmux --print-config shows them all.",
        theme::fg(app.theme.dim),
    ));
    draw(app, f, lines);
}

/// The overlay's box: inside the window, scrolled, its position on its borders.
fn draw(app: &App, f: &mut Frame<'_>, lines: Vec<Line<'static>>) {
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    // Inside the window, above the status row (which keeps saying how to leave).
    let mut window = f.area();
    window.height = window.height.saturating_sub(app.layout.status.height);
    let area = centered(window, 78, total.saturating_add(2));
    // Taller than the window: it scrolls (clamped here, so the view never runs past the end).
    let visible = area.height.saturating_sub(2);
    let scroll = app.help_scroll.min(total.saturating_sub(visible));
    let title = if total > visible {
        format!(
            " Help · {}-{} of {total} · up/down scroll · any other key closes ",
            scroll + 1,
            (scroll + visible).min(total)
        )
    } else {
        " Help · any key closes ".into()
    };
    let below = total.saturating_sub(scroll + visible);
    let position = match (scroll, below) {
        (_, 0) if total <= visible => None,
        (_, 0) => Some(" end · up/pageup scroll back ".to_owned()),
        (0, n) => Some(format!(" ↓ {n} more · down/pagedown ")),
        (s, n) => Some(format!(" ↑ {s} above · ↓ {n} more ")),
    };
    let mut block = theme::pane_block(&app.theme, super::fit::title(&title, area.width), true);
    if let Some(p) = position {
        block = block.title_bottom(Line::from(p).right_aligned());
    }
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)).block(block), area);
}

/// The copy-mode lines: its chords from terminal mode and its own keys.
fn copy_help(key_style: Style, detach: &[u8]) -> Vec<Line<'static>> {
    let mut v = Vec::new();
    if let Some(prefix) = zoom_prefix(detach) {
        let chord = zoom_chord(prefix);
        let prefix = chord.trim_end_matches('z').trim_end();
        v.push(row(
            key_style,
            &format!("{prefix} [  {prefix} /"),
            "copy mode / search (hjkl v y s / n N, esc leaves)",
        ));
        v.push(row(
            key_style,
            "",
            "in copy mode: s saves and leaves, detach keys detach",
        ));
    }
    v
}
