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
use super::{fit, focused, safe};
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
    let shown: Vec<&ExecRecord> = execs.iter().skip(first).take(height).copied().collect();
    let commands: Vec<String> = shown
        .iter()
        .map(|r| {
            let command = safe(&crate::app::tab::command_text(&r.command));
            if node_wide {
                let mut at = r.key.container.to_string();
                if app.scope == Scope::All {
                    at = format!("{}/{at}", r.key.namespace);
                }
                format!("{}: {command}", safe(&at))
            } else {
                command
            }
        })
        .collect();
    let ids: Vec<String> = shown.iter().map(|r| short_id(r, narrow)).collect();
    let states: Vec<(String, Style)> = shown.iter().map(|r| state_text(t, r)).collect();
    let ages: Vec<String> = shown
        .iter()
        .map(|r| age_text(app.exec_age(r), wide))
        .collect();
    let gcs: Vec<(String, Style)> = shown
        .iter()
        .map(|r| gc_text(t, app.gc_state(r), wide))
        .collect();
    let (header, widths) = columns(
        area.width,
        (narrow, wide),
        &[
            ids.iter().map(|s| fit::width(s)).collect(),
            states.iter().map(|s| fit::width(&s.0)).collect(),
            ages.iter().map(|s| fit::width(s)).collect(),
            gcs.iter().map(|s| fit::width(&s.0)).collect(),
        ],
    );
    let command_w = usize::from(widths[1]);
    let rows = shown.iter().enumerate().map(|(i, r)| {
        let dim = r.state == ExecState::Collected;
        let text = |s: String| -> Cell<'_> {
            if dim {
                Span::styled(s, fg(t.dim)).into()
            } else {
                s.into()
            }
        };
        let (state, style) = states[i].clone();
        let mut cells = vec![
            text(ids[i].clone()),
            text(fit::end(&commands[i], command_w)),
            Span::styled(state, style).into(),
        ];
        if !narrow {
            cells.push(text(ages[i].clone()));
            let (gc, style) = gcs[i].clone();
            cells.push(Span::styled(gc, style).into());
        }
        if wide {
            cells.push(text(r.origin.label().to_owned()));
        }
        Row::new(cells)
    });
    let widths: Vec<Constraint> = widths.into_iter().map(Constraint::Length).collect();
    let on = focused(app, Pane::Execs);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(fg(t.dim)))
        .row_highlight_style(theme::selected(t, on))
        .block(theme::pane_block(
            t,
            fit::title(&title(app, execs.len()), area.width),
            on,
        ));
    let mut state = TableState::default()
        .with_selected((!execs.is_empty()).then_some(app.selected_exec - first));
    f.render_stateful_widget(table, area, &mut state);
    if app.cluster && execs.is_empty() && area.height > 3 && area.width > 2 {
        // An empty list is not a complete one: say why.
        let note = Rect::new(area.x + 1, area.y + 2, area.width - 2, area.height - 3);
        let text = "Kubernetes keeps no list of execs: those this console opens show here.";
        f.render_widget(
            ratatui::widgets::Paragraph::new(text)
                .style(fg(t.dim))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            note,
        );
    }
}

/// The header and the widths of the columns: each as wide as what it shows (`texts`: of
/// id, state, time and GC), the command the rest.
fn columns(
    cols: u16,
    (narrow, wide): (bool, bool),
    texts: &[Vec<usize>; 4],
) -> (Vec<&'static str>, Vec<u16>) {
    let mut header = vec!["EXEC", "COMMAND", "STATE"];
    let mut caps = vec![if wide { 12 } else { 6 }, u16::MAX, 12];
    if !narrow {
        header.extend(["TIME", "GC"]);
        caps.extend([if wide { 13 } else { 7 }, if wide { 17 } else { 11 }]);
    }
    if wide {
        header.push("ORIGIN");
        caps.push(7);
    }
    let with_header = |i: usize, h: &str| {
        let mut v = texts[i].clone();
        v.push(fit::width(h));
        v
    };
    let mut widths = vec![with_header(0, "EXEC"), Vec::new(), with_header(1, "STATE")];
    if !narrow {
        widths.push(with_header(2, "TIME"));
        widths.push(with_header(3, "GC"));
    }
    if wide {
        widths.push(vec![7]);
    }
    (header, fit::columns(cols, 1, &caps, &widths))
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
    if app.cluster {
        // Kubernetes lists none: these are this console's.
        title.push_str(" · ours");
    }
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
fn state_text(t: &Theme, r: &ExecRecord) -> (String, Style) {
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
    (text, style)
}

fn age_text(age: Age, wide: bool) -> String {
    match age {
        Age::Running(d) => span(d),
        Age::Ended(d) if wide => format!("ended {} ago", coarse(d)),
        Age::Ended(d) => format!("{} ago", coarse(d)),
        Age::Unknown => "-".to_owned(),
    }
}

fn gc_text(t: &Theme, gc: GcState, wide: bool) -> (String, Style) {
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
    (text, style)
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
