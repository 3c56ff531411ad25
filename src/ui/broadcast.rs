//! The broadcast markers: the status bar's `BROADCAST N`, the colour of each broadcasting
//! tab in the tab bar, and the note on the tab's frame.

use ratatui::style::{Color, Modifier, Style};

use super::theme;
use ratatui::text::Span;

use crate::app::{App, Mode};

/// `BROADCAST N` while keys go to N tabs.
pub fn badge(app: &App) -> Option<Span<'static>> {
    matches!(app.mode, Mode::Broadcast).then(|| {
        Span::styled(
            format!(" BROADCAST {} ", app.broadcast_targets().len()),
            theme::badge(&app.theme, app.theme.broadcast),
        )
    })
}

/// The tab bar style of tab `i` while it takes the broadcast keys.
pub fn tab_style(app: &App, i: usize) -> Option<Style> {
    app.broadcasting(i).then(|| {
        let style = Style::new().bg(app.theme.broadcast).fg(Color::Black);
        if i == app.active {
            style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            style
        }
    })
}

/// What the tab's frame says about it: broadcasting, or marked.
pub fn note(app: &App, i: usize) -> Option<Span<'static>> {
    if app.broadcasting(i) {
        Some(Span::styled(
            " · BROADCAST",
            theme::fg(app.theme.broadcast).add_modifier(Modifier::BOLD),
        ))
    } else if app.tabs.get(i).is_some_and(|t| app.is_marked(t.id)) {
        Some(Span::styled(" · marked", theme::fg(app.theme.broadcast)))
    } else {
        None
    }
}

/// The frame of the tab shown while broadcasting.
pub fn border(app: &App) -> Option<Style> {
    matches!(app.mode, Mode::Broadcast).then(|| theme::fg(app.theme.broadcast))
}

/// The title of the form that opens one exec in each of several containers.
pub fn form_title(targets: &[crate::domain::ContainerKey]) -> String {
    let names: Vec<String> = targets
        .iter()
        .map(|c| super::safe(c.container.as_str()))
        .collect();
    format!(
        " New exec in {} containers, each in a marked tab: {} ",
        targets.len(),
        names.join(", ")
    )
}
