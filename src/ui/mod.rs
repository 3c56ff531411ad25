//! Pure rendering of `&App`: one pane or popup per file. Never awaits, locks or sends.

mod broadcast;
mod containers;
mod copy;
mod events;
mod execs;
mod form;
mod help;
mod popup;
mod status;
mod tabs;
mod theme;

use ratatui::Frame;

use crate::app::{App, Mode, Pane};

/// Draws the whole screen.
pub fn render(app: &App, f: &mut Frame<'_>) {
    let l = app.layout;
    if !l.zoomed {
        containers::render(app, f, l.containers);
        execs::render(app, f, l.execs);
        events::render(app, f, l.events);
        status::render(app, f, l.status);
    }
    tabs::render(app, f, l.tab_bar, l.terminal);
    match &app.mode {
        Mode::Help => help::render(app, f),
        Mode::Confirm(c) => popup::confirm(app, c, f),
        Mode::Form(form) => form::render(form, &app.theme, f),
        Mode::Navigate
        | Mode::Terminal
        | Mode::Filter
        | Mode::Broadcast
        | Mode::ExecFilter
        | Mode::Copy(_) => {}
    }
    if app.theme.no_color {
        theme::strip_colours(f.buffer_mut());
    }
}

fn focused(app: &App, pane: Pane) -> bool {
    matches!(app.mode, Mode::Navigate | Mode::Filter | Mode::ExecFilter) && app.focus == pane
}

/// `h:m:s` of a time, local clock not assumed: UTC.
fn clock(t: std::time::SystemTime) -> String {
    let s = crate::domain::format_time(t);
    s.get(11..19).unwrap_or("--:--:--").to_owned()
}

#[cfg(test)]
mod execlist_tests;
#[cfg(test)]
mod split_tests;
#[cfg(test)]
mod tests;

/// Text from containers or containerd made safe to draw: control characters (escape
/// sequences, C1), bidi overrides and separators are shown as `�` instead of reaching the
/// host terminal (the same set the terminal widget keeps out).
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if crate::session::view::is_unsafe_char(c) {
                '�'
            } else {
                c
            }
        })
        .collect()
}
