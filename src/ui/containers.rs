//! The containers pane: id (and name), task state, pid, number of execs, image.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::theme::{self, fg};
use super::{focused, safe};
use crate::app::{App, Mode, Pane};
use crate::domain::Scope;
use crate::domain::TaskState;

/// Below this width the pane shows only name, task state and exec count.
const NARROW: u16 = 48;

pub fn render(app: &App, f: &mut Frame<'_>, area: Rect) {
    let scope = match &app.scope {
        Scope::All => "all namespaces".to_owned(),
        Scope::One(ns) => ns.to_string(),
    };
    let visible = app.visible_containers();
    let filter = match (&app.mode, app.filter.is_empty()) {
        (Mode::Filter, _) => format!(" /{}▏", app.filter),
        (_, false) => format!(" /{}", app.filter),
        _ => String::new(),
    };
    let t = &app.theme;
    let title = format!(" Containers · {scope} · {}{filter} ", visible.len());
    let all_ns = matches!(app.scope, Scope::All);
    // A narrow column keeps the name readable: no pid, no image.
    let narrow = area.width < NARROW;
    // Only the rows that fit are built.
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let first = app.selected_container.saturating_sub(height - 1);
    let rows = visible.iter().skip(first).take(height).map(|c| {
        let mut name = c.id.to_string();
        if let Some(n) = c.display_name().filter(|n| *n != c.id.as_str()) {
            name = format!("{n} ({name})");
        }
        if all_ns {
            name = format!("{}/{name}", c.namespace);
        }
        let (state, pid, colour) = match c.task {
            Some(t) => (
                t.state.to_string(),
                t.pid.to_string(),
                match t.state {
                    TaskState::Running => app.theme.ok,
                    TaskState::Paused | TaskState::Pausing => app.theme.warn,
                    _ => app.theme.error,
                },
            ),
            None => ("no task".into(), "-".into(), app.theme.dim),
        };
        let mut cells: Vec<Cell<'_>> = vec![
            safe(&name).into(),
            ratatui::text::Span::styled(state, fg(colour)).into(),
        ];
        if !narrow {
            cells.push(pid.into());
        }
        cells.push(app.exec_count(&c.key()).to_string().into());
        if !narrow {
            cells.push(safe(&c.image).into());
        }
        Row::new(cells)
    });
    let (widths, header) = if narrow {
        (
            vec![
                Constraint::Fill(1),
                Constraint::Length(8),
                Constraint::Length(5),
            ],
            vec!["CONTAINER", "TASK", "EXECS"],
        )
    } else {
        (
            vec![
                Constraint::Fill(3),
                Constraint::Length(8),
                Constraint::Length(7),
                Constraint::Length(5),
                Constraint::Fill(2),
            ],
            vec!["CONTAINER", "TASK", "PID", "EXECS", "IMAGE"],
        )
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(fg(t.dim)))
        .row_highlight_style(theme::selected(t, focused(app, Pane::Containers)))
        .block(theme::pane_block(t, title, focused(app, Pane::Containers)));
    let mut state = TableState::default()
        .with_selected((!visible.is_empty()).then_some(app.selected_container - first));
    f.render_stateful_widget(table, area, &mut state);
}
