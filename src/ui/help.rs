//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::popup::centered;
use crate::app::App;
use crate::app::keymap::Action;

pub fn render(app: &App, f: &mut Frame<'_>) {
    let key_style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::styled(
        "Navigation mode",
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for a in Action::ALL {
        lines.push(Line::from(vec![
            Span::styled(format!("{:>22}  ", app.keymap.keys(a).join(" ")), key_style),
            Span::raw(a.describe()),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{:>22}  ", "alt-1..9"), key_style),
        Span::raw("go to tab N"),
    ]));
    lines.push(Line::from(vec![
        Span::styled(format!("{:>22}  ", "mouse"), key_style),
        Span::raw("click tabs and rows; wheel scrolls a tab"),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Terminal mode (a focused tab)",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    lines.push(Line::from(vec![
        Span::styled(format!("{:>22}  ", app.settings.detach_keys), key_style),
        Span::raw("detach: back to navigation, the exec keeps running"),
    ]));
    lines.push(Line::from(vec![
        Span::styled(format!("{:>22}  ", "shift-pageup/down"), key_style),
        Span::raw("scroll back / forward"),
    ]));
    lines.push(Line::from(vec![
        Span::styled(format!("{:>22}  ", "anything else"), key_style),
        Span::raw("goes to the exec"),
    ]));
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
