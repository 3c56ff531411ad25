//! The status bar: connection, scope, the last error, and the keys of the current mode.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::{self, fg};
use super::{fit, safe};
use crate::app::tab::TabState;
use crate::app::{App, Connection, Mode, Pane};
use crate::keymap::Action;

/// The keys worth showing in the footer for the current mode, most useful first (in
/// navigation mode the help key last: it is kept when others do not fit).
pub fn footer_keys(app: &App) -> Vec<(String, &'static str)> {
    let k = |a: Action| app.keymap.keys(a).first().cloned().unwrap_or_default();
    match &app.mode {
        Mode::Terminal => vec![
            (
                app.settings.detach_keys.clone(),
                "detach (exec keeps running)",
            ),
            ("shift-pageup/down".into(), "scroll"),
        ]
        .into_iter()
        .chain(super::tabs::zoom_chord(app).map(|c| (c, "zoom")))
        .chain(split_chord(app).map(|c| (c, "pane")))
        .chain(super::tabs::copy_chords(app))
        .collect(),
        Mode::Broadcast => vec![(
            app.settings.detach_keys.clone(),
            "end broadcast (execs keep running)",
        )],
        Mode::Filter | Mode::ExecFilter => {
            vec![("enter".into(), "keep filter"), ("esc".into(), "clear")]
        }
        Mode::Help => vec![
            ("up/down".into(), "scroll"),
            ("any other key".into(), "close help"),
        ],
        Mode::Copy(c) if c.prompt.is_some() => {
            vec![("enter".into(), "search"), ("esc".into(), "cancel")]
        }
        Mode::Copy(_) => vec![
            ("hjkl/arrows".into(), "move"),
            ("v".into(), "select"),
            ("y".into(), "copy"),
            ("s".into(), "save"),
            ("/ n N".into(), "search"),
            ("esc".into(), "leave"),
        ],
        Mode::Confirm(_) => vec![("y".into(), "yes"), ("any other key".into(), "no")],
        Mode::Form(_) => vec![
            ("tab".into(), "next field"),
            ("space".into(), "toggle"),
            ("enter/ctrl-s".into(), "run"),
            ("esc".into(), "cancel"),
        ],
        Mode::Navigate => {
            let mut v = vec![(k(Action::Open), "open"), (k(Action::NewExec), "new exec")];
            if !app.tabs.is_empty() {
                v.push((k(Action::FocusTab), "focus tab"));
                v.push((
                    format!("{}{}", k(Action::PrevTab), k(Action::NextTab)),
                    "tabs",
                ));
                v.push((k(Action::CloseTab), "close tab"));
            }
            if app.tabs.len() > 1 {
                v.push((k(Action::Split), "split"));
            }
            if app.panes().len() > 1 {
                v.push((pane_keys(app), "pane"));
            }
            if !app.cluster {
                // Kubernetes names no exec: a tab's exec ends when the tab closes.
                v.push((k(Action::KillExec), "kill"));
            }
            // In the execs pane, its own keys take the place of the containers' ones.
            if app.focus == Pane::Execs {
                v.extend([
                    (k(Action::SortExecs), "sort"),
                    (k(Action::FilterExecs), "filter"),
                    (k(Action::AllExecs), "all execs"),
                ]);
            } else {
                v.extend([
                    (k(Action::Filter), "filter"),
                    (k(Action::Namespace), "namespace"),
                ]);
            }
            v.push((k(Action::Quit), "quit"));
            if !app.tabs.is_empty() {
                v.push((k(Action::Zoom), "zoom"));
                v.push((k(Action::Mark), "mark"));
                v.push((k(Action::Broadcast), "broadcast"));
            }
            v.push((k(Action::OpenAll), "open in all"));
            // Last, and always shown: where every other key is.
            v.push((k(Action::Help), "help"));
            v
        }
    }
}

/// The keys that move the focus between panes (`alt-arrows` by default).
pub(super) fn pane_keys(app: &App) -> String {
    let keys: Vec<String> = [
        Action::PaneLeft,
        Action::PaneRight,
        Action::PaneUp,
        Action::PaneDown,
    ]
    .iter()
    .filter_map(|a| app.keymap.keys(*a).first().cloned())
    .collect();
    if keys == ["alt-left", "alt-right", "alt-up", "alt-down"] {
        "alt-arrows".to_owned()
    } else {
        keys.join("/")
    }
}

/// The terminal-mode chord that moves the focus between panes (`ctrl-p arrows`), shown
/// while there are panes.
fn split_chord(app: &App) -> Option<String> {
    let prefix = app.active_tab()?.zoom.prefix?;
    (app.panes().len() > 1).then(|| format!("{} arrows", crate::app::tab::prefix_label(prefix)))
}

pub fn render(app: &App, f: &mut Frame<'_>, area: Rect) {
    let t = &app.theme;
    let (conn, colour) = match &app.connection {
        Connection::Connected => ("● connected".to_owned(), t.ok),
        Connection::Connecting => ("○ connecting".to_owned(), t.warn),
        Connection::Reconnecting(_) => ("○ reconnecting".to_owned(), t.warn),
    };
    let scope = match &app.scope {
        crate::domain::Scope::All => "all namespaces".to_owned(),
        crate::domain::Scope::One(ns) => format!("ns {}", safe(ns.as_str())),
    };
    let mut spans = vec![
        Span::styled(conn, fg(colour)),
        Span::styled(format!(" · {scope} "), fg(t.dim)),
    ];
    let mode = match app.mode {
        Mode::Terminal => Some(("TERMINAL", t.ok)),
        Mode::Filter | Mode::ExecFilter => Some(("FILTER", t.warn)),
        Mode::Copy(_) => Some(("COPY", t.accent)),
        _ => None,
    };
    if let Some((m, c)) = mode {
        spans.push(Span::styled(format!(" {m} "), theme::badge(t, c)));
        spans.push(Span::raw(" "));
    }
    if let Some(badge) = super::broadcast::badge(app) {
        spans.push(badge);
        spans.push(Span::raw(" "));
    }
    // Kills held up (a paused container) stay in sight until they complete.
    for tab in app.tabs.iter().filter(|t| t.state == TabState::Closing) {
        if let Some(why) = &tab.pending {
            spans.push(Span::styled(
                format!(
                    "kill pending ({}): {}  ",
                    safe(why),
                    safe(tab.key.exec.as_str())
                ),
                fg(t.warn),
            ));
        }
    }
    let width = usize::from(area.width);
    let used = Line::from(spans.clone()).width();
    let keys = footer_keys(app);
    // Out of terminal mode the last hint is the way out (or to the help): always shown.
    let keep_last = !matches!(app.mode, Mode::Terminal);
    if let Some(err) = &app.status {
        // The message yields to the first hint and the kept last one.
        let mut kept: Vec<_> = keys.first().into_iter().cloned().collect();
        if keep_last && keys.len() > 1 {
            kept.extend(keys.last().cloned());
        }
        let room = width
            .saturating_sub(used + hints_width(&kept) + 2)
            .max(width.min(16));
        spans.push(Span::styled(fit::message(&safe(err), room), fg(t.error)));
        spans.push(Span::raw("  "));
    }
    let free = width.saturating_sub(Line::from(spans.clone()).width());
    for (i, (key, what)) in fit_hints(&keys, free, keep_last).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, theme::key(t)));
        spans.push(Span::raw(format!(" {what}")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Columns `hints` take drawn as `key what`, two columns apart.
fn hints_width(hints: &[(String, &str)]) -> usize {
    let each: usize = hints
        .iter()
        .map(|(key, what)| fit::width(key) + 1 + fit::width(what))
        .sum();
    each + 2 * hints.len().saturating_sub(1)
}

/// The hints that fit in `cols`, each whole and in order, as many from the start as fit;
/// with `keep_last` the last one (help, the way out) is kept in place of others.
fn fit_hints(
    hints: &[(String, &'static str)],
    cols: usize,
    keep_last: bool,
) -> Vec<(String, &'static str)> {
    let (rest, last) = match hints.split_last() {
        Some((last, rest)) if keep_last => (rest, Some(last.clone())),
        _ => (hints, None),
    };
    let mut shown: Vec<(String, &'static str)> = Vec::new();
    for hint in rest {
        let mut with = shown.clone();
        with.push(hint.clone());
        with.extend(last.clone());
        if hints_width(&with) > cols {
            break;
        }
        shown.push(hint.clone());
    }
    if let Some(last) = last {
        let mut with = shown.clone();
        with.push(last);
        if hints_width(&with) <= cols {
            shown = with;
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(v: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        v.iter().map(|(k, w)| ((*k).to_owned(), *w)).collect()
    }

    #[test]
    fn hints_are_whole_in_order_and_the_last_one_is_kept() {
        let all = hints(&[("v", "select"), ("y", "copy"), ("esc", "leave")]);
        // `v select  y copy  esc leave` is 27 columns: it fits exactly, no gap after it.
        assert_eq!(fit_hints(&all, 27, true), all);
        assert_eq!(
            fit_hints(&all, 26, true),
            hints(&[("v", "select"), ("esc", "leave")])
        );
        assert_eq!(
            fit_hints(&all, 26, false),
            hints(&[("v", "select"), ("y", "copy")])
        );
        assert_eq!(fit_hints(&all, 9, true), hints(&[("esc", "leave")]));
        assert!(fit_hints(&all, 8, true).is_empty());
        assert_eq!(hints_width(&all), 27);
    }
}
