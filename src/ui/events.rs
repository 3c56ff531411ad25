//! The events pane: containerd's events and the registry's own, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{clock, focused, pane_block, safe};
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
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(clock(e.at), Style::new().fg(Color::DarkGray)),
                Span::raw(" "),
                Span::styled(safe(&e.text), style),
            ])
        })
        .collect();
    let title = format!(" Events · {} ", app.events.len());
    f.render_widget(
        Paragraph::new(lines).block(pane_block(title, focused(app, Pane::Events))),
        area,
    );
}
