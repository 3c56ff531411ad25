//! Pure rendering of `&App`: one pane or popup per file. Never awaits or sends; locks a
//! tab's terminal only to draw it. A frame reports which tab screens it drew uncovered, so
//! that a change to those alone can be drawn row by row ([`partial`]).

mod broadcast;
mod containers;
mod copy;
mod events;
mod execs;
mod fit;
mod form;
mod help;
pub mod partial;
mod popup;
mod status;
mod tabs;
mod theme;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use crate::app::msg::TabId;
use crate::app::{App, Mode, Pane};
use crate::session::emulator::Generations;

/// What a frame left on the screen, for a later partial frame.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Drawn {
    /// Where the host cursor stands (None: hidden).
    pub cursor: Option<Position>,
    /// Tabs whose live screen fills the rect and nothing else draws over it, with the
    /// screen's generations as drawn.
    pub screens: Vec<(TabId, Rect, Generations)>,
}

/// Draws the whole screen.
pub fn render(app: &App, f: &mut Frame<'_>) {
    render_frame(app, f);
}

/// Draws the whole screen and says what a partial frame may redraw.
pub fn render_frame(app: &App, f: &mut Frame<'_>) -> Drawn {
    let l = app.layout;
    if !l.zoomed {
        containers::render(app, f, l.containers);
        execs::render(app, f, l.execs);
        events::render(app, f, l.events);
        status::render(app, f, l.status);
    }
    let mut drawn = tabs::render(app, f, l.tab_bar, l.terminal);
    match &app.mode {
        Mode::Help | Mode::Confirm(_) | Mode::Form(_) => drawn.screens.clear(),
        _ => {}
    }
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
    drawn
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
mod screen_tests;
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
            if crate::session::chars::is_unsafe_char(c) {
                '�'
            } else {
                c
            }
        })
        .collect()
}
