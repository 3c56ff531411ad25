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
    let (caps, header): (Vec<u16>, Vec<&str>) = if narrow {
        (vec![u16::MAX, 8, 5], vec!["CONTAINER", "TASK", "EXECS"])
    } else {
        (
            vec![u16::MAX, 8, 7, 5],
            vec!["CONTAINER", "TASK", "PID", "EXECS"],
        )
    };
    let texts: Vec<Vec<usize>> = caps.iter().map(|c| vec![usize::from(*c)]).collect();
    let mut widths = fit::columns(area.width, 0, &caps, &texts);
    if !narrow {
        // One more gap for the image column, then share.
        let both = widths[0].saturating_sub(1);
        widths[0] = both - both * 2 / 5;
        widths.push(both * 2 / 5);
    }
    let name_w = usize::from(widths[0]);
    let image_w = widths.get(4).map_or(0, |w| usize::from(*w));
    let rows = shown.iter().zip(&names).map(|(c, name)| {
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
            fit::end(name, name_w).into(),
            ratatui::text::Span::styled(state, fg(colour)).into(),
        ];
        if !narrow {
            cells.push(pid.into());
        }
        cells.push(app.exec_count(&c.key()).to_string().into());
        if !narrow {
            cells.push(fit::end(&safe(&c.image), image_w).into());
        }
        Row::new(cells)
    });
    let mut header = header;
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
