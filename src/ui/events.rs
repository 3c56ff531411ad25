//! The events pane: containerd's events and the registry's own, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::{self, fg};
use super::{clock, focused, safe};
use crate::app::{App, Pane};

pub fn render(app: &App, f: &mut Frame<'_>, area: Rect) {
    let height = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line<'_>> = app
        .events
        .iter()
        .skip(app.events_scroll)
        .take(height)
        .map(|e| {
            let style = if e.error {
                fg(app.theme.error)
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(clock(e.at), fg(app.theme.dim)),
                Span::raw(" "),
                Span::styled(safe(&e.text), style),
            ])
        })
        .collect();
    let title = format!(" Events · {} ", app.events.len());
    f.render_widget(
        Paragraph::new(lines).block(theme::pane_block(
            &app.theme,
            title,
            focused(app, Pane::Events),
        )),
        area,
    );
}
