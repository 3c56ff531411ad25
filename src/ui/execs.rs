//! The execs pane: the selected container's execs (or every exec on the node), live and
//! collected, own and foreign, with how long each has run or since it ended, where the GC
//! has it, and its exit code coloured by meaning.

use std::fmt::Write as _;
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::theme::{self, fg};
use super::{focused, safe};
use crate::app::execlist::{Age, ExecSort, GcState, exit_label};
use crate::app::{App, Mode, Pane};
use crate::domain::Scope;
use crate::registry::{ExecRecord, ExecState};
use crate::theme::Theme;

/// Below this width: id, command and state only.
const NARROW: u16 = 48;
/// From this width: longer texts and the origin.
const WIDE: u16 = 84;

pub fn render(app: &App, f: &mut Frame<'_>, area: Rect) {
    let execs = app.visible_execs();
    let t = &app.theme;
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let first = app.selected_exec.saturating_sub(height - 1);
    let wide = area.width >= WIDE;
    let narrow = area.width < NARROW;
    let node_wide = app.execlist.node_wide;
    let rows = execs.iter().skip(first).take(height).map(|r| {
        let dim = r.state == ExecState::Collected;
        let text = |s: String| -> Cell<'_> {
            if dim {
                Span::styled(s, fg(t.dim)).into()
            } else {
                s.into()
            }
        };
        let mut command = safe(&r.command_line());
        if node_wide {
            let mut at = r.key.container.to_string();
            if app.scope == Scope::All {
                at = format!("{}/{at}", r.key.namespace);
            }
            command = format!("{}: {command}", safe(&at));
        }
        let mut cells = vec![text(short_id(r, narrow)), text(command), state_cell(t, r)];
        if !narrow {
            cells.push(text(age_text(app.exec_age(r), wide)));
            cells.push(gc_cell(t, app.gc_state(r), wide));
        }
        if wide {
            cells.push(text(r.origin.label().to_owned()));
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(if wide { 12 } else { 6 }),
        Constraint::Fill(1),
        Constraint::Length(12),
    ];
    let mut header = vec!["EXEC", "COMMAND", "STATE"];
    if !narrow {
        widths.extend([
            Constraint::Length(if wide { 13 } else { 7 }),
            Constraint::Length(if wide { 17 } else { 11 }),
        ]);
        header.extend(["TIME", "GC"]);
    }
    if wide {
        widths.push(Constraint::Length(7));
        header.push("ORIGIN");
    }
    let on = focused(app, Pane::Execs);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(fg(t.dim)))
        .row_highlight_style(theme::selected(t, on))
        .block(theme::pane_block(t, title(app, execs.len()), on));
    let mut state = TableState::default()
        .with_selected((!execs.is_empty()).then_some(app.selected_exec - first));
    f.render_stateful_widget(table, area, &mut state);
}

/// ` Execs · web · 3 · by state /sh `: what is listed, how many, the order, the filter.
fn title(app: &App, n: usize) -> String {
    let of = if app.execlist.node_wide {
        "node".to_owned()
    } else {
        app.selected_container()
            .map_or_else(|| "-".to_owned(), |c| safe(c.id.as_str()))
    };
    let mut title = format!(" Execs · {of} · {n}");
    if app.execlist.sort != ExecSort::Started {
        title.push_str(" · by ");
        title.push_str(app.execlist.sort.label());
    }
    let filter = safe(&app.execlist.filter);
    if matches!(app.mode, Mode::ExecFilter) {
        let _ = write!(title, " /{filter}▏");
    } else if !filter.is_empty() {
        let _ = write!(title, " /{filter}");
    }
    title.push(' ');
    title
}

/// Our ids share a prefix: show what tells them apart.
fn short_id(r: &ExecRecord, narrow: bool) -> String {
    let id = r
        .key
        .exec
        .as_str()
        .strip_prefix(crate::domain::EXEC_ID_PREFIX)
        .unwrap_or(r.key.exec.as_str());
    safe(
        &id.chars()
            .take(if narrow { 6 } else { 12 })
            .collect::<String>(),
    )
}

/// The state of a live exec; the exit code, by meaning, of one that ended.
fn state_cell(t: &Theme, r: &ExecRecord) -> Cell<'static> {
    let (text, style) = match (r.state, r.exit_code) {
        (_, Some(code)) => {
            let (class, label) = exit_label(code);
            (label, theme::exit(t, class))
        }
        (ExecState::Running, None) => (r.state.to_string(), fg(t.ok)),
        (ExecState::Created, None) => (r.state.to_string(), fg(t.warn)),
        (ExecState::Collected, None) => (r.state.to_string(), fg(t.dim)),
        (_, None) => (r.state.to_string(), fg(t.error)),
    };
    Span::styled(text, style).into()
}

fn age_text(age: Age, wide: bool) -> String {
    match age {
        Age::Running(d) => span(d),
        Age::Ended(d) if wide => format!("ended {} ago", coarse(d)),
        Age::Ended(d) => format!("{} ago", coarse(d)),
        Age::Unknown => "-".to_owned(),
    }
}

fn gc_cell(t: &Theme, gc: GcState, wide: bool) -> Cell<'static> {
    let (text, style) = match gc {
        GcState::Kept => (String::new(), Style::new()),
        GcState::Pending { collected_in } if wide => {
            (format!("collected in ~{}", about(collected_in)), fg(t.dim))
        }
        GcState::Pending { collected_in } => (format!("in ~{}", about(collected_in)), fg(t.dim)),
        GcState::Marked { collected_in } if wide => {
            (format!("marked, in ~{}", about(collected_in)), fg(t.warn))
        }
        GcState::Marked { collected_in } => {
            (format!("marked ~{}", about(collected_in)), fg(t.warn))
        }
        GcState::Collected => ("collected".to_owned(), fg(t.dim)),
    };
    Span::styled(text, style).into()
}

/// A duration in at most two units, to the second only in its first minute (so an idle
/// console redraws a running time once a minute): `42s`, `3m`, `1h02m`, `2d03h`.
fn span(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A duration rounded to its largest unit: `40s`, `5m` (4m46s), `1h`, `2d`.
fn about(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", (s + 30) / 60),
        3600..86_400 => format!("{}h", (s + 1800) / 3600),
        _ => format!("{}d", (s + 43_200) / 86_400),
    }
}

/// A duration in its largest unit, cut down: `40s`, `3m`, `1h`, `2d`.
fn coarse(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_short() {
        let d = Duration::from_secs;
        assert_eq!(span(d(0)), "0s");
        assert_eq!(span(d(192)), "3m");
        assert_eq!(span(d(3720)), "1h02m");
        assert_eq!(span(d(2 * 86_400 + 3 * 3600 + 59)), "2d03h");
        assert_eq!(coarse(d(40)), "40s");
        assert_eq!(coarse(d(7199)), "1h");
        assert_eq!(about(d(286)), "5m");
        assert_eq!(about(d(45)), "45s");
        assert_eq!(age_text(Age::Ended(d(40)), true), "ended 40s ago");
        assert_eq!(age_text(Age::Ended(d(40)), false), "40s ago");
    }
}
