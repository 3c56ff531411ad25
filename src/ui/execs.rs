//! The execs pane: the selected container's execs, live and collected, own and foreign.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::{clock, focused, pane_block, safe, selected_style};
use crate::app::{App, Pane};
use crate::registry::{ExecState, Origin};

pub fn render(app: &App, f: &mut Frame<'_>, area: Rect) {
    let execs = app.visible_execs();
    let name = app
        .selected_container()
        .map_or_else(|| "-".to_owned(), |c| c.id.to_string());
    let title = format!(" Execs · {} · {} ", safe(&name), execs.len());
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let first = app.selected_exec.saturating_sub(height - 1);
    // Pid and start time only where they leave the command room.
    let wide = area.width >= 84;
    // A narrow column keeps the command: no origin, a shorter id.
    let narrow = area.width < 48;
    let rows = execs.iter().skip(first).take(height).map(|r| {
        let colour = match r.state {
            ExecState::Running => Color::Green,
            ExecState::Created => Color::Yellow,
            ExecState::Exited if r.exit_code == Some(0) => Color::Gray,
            ExecState::Collected => Color::DarkGray,
            _ => Color::Red,
        };
        let mut state = r.state.to_string();
        if let Some(c) = r.exit_code {
            state = format!("{state} {c}");
        }
        if r.can_remove && r.state != ExecState::Collected {
            state.push_str(" (gc)");
        }
        // Our ids share a prefix: show what tells them apart.
        let id = r
            .key
            .exec
            .as_str()
            .strip_prefix(crate::domain::EXEC_ID_PREFIX)
            .unwrap_or(r.key.exec.as_str());
        let short: String = id.chars().take(12).collect();
        let origin = if r.origin == Origin::Own {
            "own"
        } else {
            "foreign"
        };
        let started = r.started_at.map_or_else(|| "-".to_owned(), clock);
        let mut cells: Vec<Cell<'_>> = vec![
            safe(&short).into(),
            safe(&r.command_line()).into(),
            Span::styled(state, Style::new().fg(colour)).into(),
        ];
        if !narrow {
            cells.push(format!("{origin}{}", if r.tty { " tty" } else { "" }).into());
        }
        if wide {
            cells.push(
                if r.pid == 0 {
                    "-".to_owned()
                } else {
                    r.pid.to_string()
                }
                .into(),
            );
            cells.push(started.into());
            cells.push(r.finished_at.map_or_else(|| "-".to_owned(), clock).into());
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(if narrow { 6 } else { 12 }),
        Constraint::Fill(1),
        Constraint::Length(if narrow { 10 } else { 12 }),
    ];
    let mut header = vec!["EXEC", "COMMAND", "STATE"];
    if !narrow {
        widths.push(Constraint::Length(11));
        header.push("ORIGIN");
    }
    if wide {
        widths.extend([
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(8),
        ]);
        header.extend(["PID", "STARTED", "ENDED"]);
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().fg(Color::DarkGray)))
        .row_highlight_style(selected_style(focused(app, Pane::Execs)))
        .block(pane_block(title, focused(app, Pane::Execs)));
    let mut state = TableState::default()
        .with_selected((!execs.is_empty()).then_some(app.selected_exec - first));
    f.render_stateful_widget(table, area, &mut state);
}
