//! Confirmation popups and the geometry shared by overlays.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::safe;
use crate::app::{App, Confirm};

/// A rectangle of at most `w` x `h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn confirm(app: &App, c: &Confirm, f: &mut Frame<'_>) {
    let question = match c {
        Confirm::CloseTab(id) => {
            let title = app
                .tab_index(*id)
                .map_or_else(String::new, |i| app.tabs[i].title.clone());
            format!(
                "The exec in tab \"{}\" still runs. Kill it (SIGKILL) and close?",
                safe(&title)
            )
        }
        Confirm::Kill(key) => format!(
            "Kill exec {} in {}/{} (SIGKILL)? It was not started here.",
            safe(key.exec.as_str()),
            safe(key.namespace.as_str()),
            safe(key.container.as_str())
        ),
        Confirm::Quit => format!(
            "{} exec(s) still run. Kill them all and quit?",
            app.running_tabs()
        ),
    };
    let lines = vec![
        Line::from(question),
        Line::from(""),
        Line::styled("y: yes    any other key: no", super::theme::key(&app.theme)),
    ];
    let area = centered(f.area(), 64, 7);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(super::theme::pane_block(
                &app.theme,
                " Confirm ".into(),
                true,
            )),
        area,
    );
}
