//! The status bar: connection, scope, the last error, and the keys of the current mode.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::safe;
use super::theme::{self, fg};
use crate::app::keymap::Action;
use crate::app::tab::TabState;
use crate::app::{App, Connection, Mode, Pane};

/// The keys worth showing in the footer for the current mode.
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
        .collect(),
        Mode::Filter | Mode::ExecFilter => {
            vec![("enter".into(), "keep filter"), ("esc".into(), "clear")]
        }
        Mode::Help => vec![("any key".into(), "close help")],
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
            v.push((k(Action::KillExec), "kill"));
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
            v.extend([(k(Action::Help), "help"), (k(Action::Quit), "quit")]);
            if !app.tabs.is_empty() {
                v.push((k(Action::Zoom), "zoom"));
            }
            v
        }
    }
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
        _ => None,
    };
    if let Some((m, c)) = mode {
        spans.push(Span::styled(format!(" {m} "), theme::badge(t, c)));
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
    if let Some(err) = &app.status {
        spans.push(Span::styled(safe(err), fg(t.error)));
        spans.push(Span::raw("  "));
    }
    for (key, what) in footer_keys(app) {
        spans.push(Span::styled(key, theme::key(t)));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
