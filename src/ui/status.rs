//! The status bar: connection, scope, the last error, and the keys of the current mode.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::safe;
use crate::app::keymap::Action;
use crate::app::tab::TabState;
use crate::app::{App, Connection, Mode};

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
        .chain(super::tabs::copy_chords(app))
        .collect(),
        Mode::Filter => vec![("enter".into(), "keep filter"), ("esc".into(), "clear")],
        Mode::Help => vec![("any key".into(), "close help")],
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
            v.extend([
                (k(Action::KillExec), "kill"),
                (k(Action::Filter), "filter"),
                (k(Action::Namespace), "namespace"),
                (k(Action::Help), "help"),
                (k(Action::Quit), "quit"),
            ]);
            if !app.tabs.is_empty() {
                v.push((k(Action::Zoom), "zoom"));
            }
            v
        }
    }
}

pub fn render(app: &App, f: &mut Frame<'_>, area: Rect) {
    let (conn, colour) = match &app.connection {
        Connection::Connected => ("● connected".to_owned(), Color::Green),
        Connection::Connecting => ("○ connecting".to_owned(), Color::Yellow),
        Connection::Reconnecting(_) => ("○ reconnecting".to_owned(), Color::Yellow),
    };
    let scope = match &app.scope {
        crate::domain::Scope::All => "all namespaces".to_owned(),
        crate::domain::Scope::One(ns) => format!("ns {}", safe(ns.as_str())),
    };
    let mut spans = vec![
        Span::styled(conn, Style::new().fg(colour)),
        Span::styled(format!(" · {scope} "), Style::new().fg(Color::DarkGray)),
    ];
    let mode = match app.mode {
        Mode::Terminal => Some(("TERMINAL", Color::Green)),
        Mode::Filter => Some(("FILTER", Color::Yellow)),
        Mode::Copy(_) => Some(("COPY", Color::Magenta)),
        _ => None,
    };
    if let Some((m, c)) = mode {
        spans.push(Span::styled(
            format!(" {m} "),
            Style::new()
                .bg(c)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
        ));
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
                Style::new().fg(Color::Yellow),
            ));
        }
    }
    if let Some(err) = &app.status {
        spans.push(Span::styled(safe(err), Style::new().fg(Color::Red)));
        spans.push(Span::raw("  "));
    }
    for (key, what) in footer_keys(app) {
        spans.push(Span::styled(
            key,
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
