//! The containers pane: id (and name), task state, pid, number of execs, image.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::theme::{self, fg};
use super::{fit, focused, safe};
use crate::app::{App, Mode, Pane};
use crate::domain::Scope;
use crate::domain::TaskState;

/// Below this width the pane shows only name, task state and exec count.
const NARROW: u16 = 48;

/// ` Containers · demo · 2 /web `: a narrow pane shortens the namespace in its middle
/// before it loses the count.
fn title(scope: &str, n: usize, filter: &str, cols: u16) -> String {
    let fixed = format!(" · {n}{filter}");
    let room = usize::from(cols)
        .saturating_sub(4 + fit::width("Containers · ") + fit::width(&fixed))
        .max(5);
    format!(" Containers · {}{fixed} ", fit::middle(scope, room))
}

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
    let title = title(&scope, visible.len(), &filter, area.width);
    let all_ns = matches!(app.scope, Scope::All);
    // A narrow column keeps the name readable: no pid, no image.
    let narrow = area.width < NARROW;
    // Only the rows that fit are built.
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let first = app.selected_container.saturating_sub(height - 1);
    let shown: Vec<_> = visible.iter().skip(first).take(height).collect();
    let names: Vec<String> = shown
        .iter()
        .map(|c| {
            let mut name = c.id.to_string();
            if let Some(n) = c.display_name().filter(|n| *n != c.id.as_str()) {
                name = format!("{n} ({name})");
            }
            if all_ns {
                name = format!("{}/{name}", c.namespace);
            }
            safe(&name)
        })
        .collect();
    // The name gets what the other columns leave (the image shares it, 3 to 2).
    let middle = middle_columns(app, area.width);
    let mut caps = vec![u16::MAX];
    caps.extend(middle.iter().map(|(_, cap)| *cap));
    let texts: Vec<Vec<usize>> = caps.iter().map(|c| vec![usize::from(*c)]).collect();
    let mut widths = fit::columns(area.width, 0, &caps, &texts);
    if !narrow {
        // One more gap for the image column, then share.
        let both = widths[0].saturating_sub(1);
        widths[0] = both - both * 2 / 5;
        widths.push(both * 2 / 5);
    }
    let name_w = usize::from(widths[0]);
    let image_w = if narrow {
        0
    } else {
        widths.last().map_or(0, |w| usize::from(*w))
    };
    let cell_w: Vec<usize> = widths.iter().map(|w| usize::from(*w)).collect();
    let rows = shown.iter().zip(&names).map(|(c, name)| {
        let mut cells: Vec<Cell<'_>> = vec![fit::end(name, name_w).into()];
        for (i, (column, _)) in middle.iter().enumerate() {
            let w = cell_w.get(i + 1).copied().unwrap_or(0);
            cells.push(cell(app, c, *column, w));
        }
        if !narrow {
            cells.push(fit::end(&safe(&c.image), image_w).into());
        }
        Row::new(cells)
    });
    let mut header: Vec<&str> = vec!["CONTAINER"];
    header.extend(middle.iter().map(|(c, _)| c.header()));
    if !narrow {
        header.push("IMAGE");
    }
    let widths: Vec<Constraint> = widths.into_iter().map(Constraint::Length).collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(fg(t.dim)))
        .row_highlight_style(theme::selected(t, focused(app, Pane::Containers)))
        .block(theme::pane_block(
            t,
            fit::title(&title, area.width),
            focused(app, Pane::Containers),
        ));
    let mut state = TableState::default()
        .with_selected((!visible.is_empty()).then_some(app.selected_container - first));
    f.render_stateful_widget(table, area, &mut state);
}

/// A column between the name and the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Task,
    Pid,
    /// A pod container's state (running, waiting: REASON, terminated: REASON).
    State,
    Phase,
    Node,
    Restarts,
    Execs,
}

impl Column {
    fn header(self) -> &'static str {
        match self {
            Self::Task => "TASK",
            Self::Pid => "PID",
            Self::State => "STATE",
            Self::Phase => "PHASE",
            Self::Node => "NODE",
            Self::Restarts => "RESTARTS",
            Self::Execs => "EXECS",
        }
    }
}

/// From this width a cluster's pane shows the pod's phase too.
const WIDE: u16 = 90;

/// The columns between the name and the image, with their widest: a node's containers
/// have a task and its pid, a cluster's a state, a node and restarts (Kubernetes gives no
/// pid).
fn middle_columns(app: &App, width: u16) -> Vec<(Column, u16)> {
    let narrow = width < NARROW;
    match (app.cluster, narrow) {
        (false, true) => vec![(Column::Task, 8), (Column::Execs, 5)],
        (false, false) => vec![(Column::Task, 8), (Column::Pid, 7), (Column::Execs, 5)],
        (true, true) => vec![(Column::State, 8), (Column::Execs, 5)],
        (true, false) => {
            // The name keeps room first: node, restarts and phase come with the width.
            let mut v = vec![(Column::State, 10)];
            if width >= 58 {
                v.push((Column::Node, 12));
            }
            if width >= 72 {
                v.push((Column::Restarts, 8));
            }
            if width >= WIDE {
                v.push((Column::Phase, 9));
            }
            v.push((Column::Execs, 5));
            v
        }
    }
}

/// One container's cell in `column`, `w` wide.
fn cell<'a>(app: &App, c: &crate::domain::ContainerInfo, column: Column, w: usize) -> Cell<'a> {
    let label = |k: &str| safe(c.labels.get(k).map_or("-", String::as_str));
    let colour = match c.task {
        Some(t) => match t.state {
            TaskState::Running => app.theme.ok,
            TaskState::Paused | TaskState::Pausing => app.theme.warn,
            _ => app.theme.error,
        },
        None => app.theme.dim,
    };
    match column {
        Column::Task => {
            let state = c
                .task
                .map_or_else(|| "no task".into(), |t| t.state.to_string());
            ratatui::text::Span::styled(state, fg(colour)).into()
        }
        Column::Pid => c
            .task
            .map_or_else(|| "-".into(), |t| t.pid.to_string())
            .into(),
        Column::State => {
            ratatui::text::Span::styled(fit::end(&label("kubernetes/state"), w), fg(colour)).into()
        }
        Column::Phase => fit::end(&label("kubernetes/phase"), w).into(),
        Column::Node => fit::end(&label("kubernetes/node"), w).into(),
        Column::Restarts => label("kubernetes/restarts").into(),
        Column::Execs => app.exec_count(&c.key()).to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_title_keeps_the_count() {
        assert_eq!(title("demo", 2, "", 40), " Containers · demo · 2 ");
        let t = title("t-fid-less", 1, "", 30);
        assert_eq!(fit::title(&t, 30), " Containers · t-fi…less · 1 ");
        assert_eq!(fit::width(&t), 28);
    }
}
