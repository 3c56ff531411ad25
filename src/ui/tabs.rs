//! The tab bar and the terminals of the tabs in view, one pane each (or a welcome when no
//! tab is open).

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::{Drawn, safe, theme};
use crate::app::tab::{Tab, TabState};
use crate::app::tab_bar::TabBar;
use crate::app::{App, Mode};
use crate::keymap::Action;
use crate::session::view::TerminalView;

pub fn render(app: &App, f: &mut Frame<'_>, bar: Rect, area: Rect) -> Drawn {
    let mut drawn = Drawn::default();
    let titles = app.tab_titles();
    let layout = app.tab_bar();
    let panes = app.panes();
    let split = panes.len() > 1;
    let th = &app.theme;
    let buf = f.buffer_mut();
    for &(i, x0, x1) in &layout.tabs {
        let style = if let Some(s) = super::broadcast::tab_style(app, i) {
            s
        } else if i == app.active {
            Style::new()
                .bg(th.accent)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else if split && panes.shows(i) {
            // In a pane of the split, not focused.
            Style::new().bg(th.selection).fg(Color::White)
        } else if app.tabs.get(i).is_some_and(|t| t.bell) {
            Style::new().bg(th.warn).fg(Color::Black)
        } else {
            Style::new().bg(th.dim).fg(Color::White)
        };
        let width = usize::from(x1.saturating_sub(x0));
        let title = titles.get(i).map(String::as_str).unwrap_or_default();
        buf.set_stringn(x0, bar.y, format!(" {} ", safe(title)), width, style);
    }
    // The marks of tabs out of view: how many, and how many of them rang.
    for (hidden, left) in [(&layout.left, true), (&layout.right, false)] {
        if let Some(h) = hidden {
            let style = if h.bells > 0 {
                Style::new().bg(th.warn).fg(Color::Black)
            } else {
                theme::fg(th.dim).add_modifier(Modifier::BOLD)
            };
            let width = usize::from(h.at.1.saturating_sub(h.at.0));
            buf.set_stringn(h.at.0, bar.y, h.label(left), width, style);
        }
    }
    if app.active_tab().is_none() {
        let help = vec![
            Line::from("No exec open."),
            Line::from(""),
            Line::from(format!(
                "Enter on a container opens its shell ({}).",
                app.settings.shell.join(", else ")
            )),
            Line::from("e opens the form for any command, user, directory, env, tty."),
            Line::from(format!(
                "In a tab every key goes to the exec; {} returns here and leaves it running.",
                app.settings.detach_keys
            )),
            Line::from("x closes a tab and kills its exec. ? lists every key."),
        ];
        let block = Block::bordered()
            .border_style(theme::fg(app.theme.dim))
            .title(" Terminal ");
        f.render_widget(
            Paragraph::new(help).wrap(Wrap { trim: false }).block(block),
            area,
        );
        return drawn;
    }
    for (i, area) in panes.iter() {
        pane(
            app,
            f,
            (bar, &layout),
            &app.tabs[i],
            area,
            split && i == app.active,
            &mut drawn,
        );
    }
    drawn
}

/// One tab's terminal in its box; `split_focus`: the focused pane of a split, marked even
/// in navigation mode.
fn pane(
    app: &App,
    f: &mut Frame<'_>,
    (bar, layout): (Rect, &TabBar),
    tab: &Tab,
    area: Rect,
    split_focus: bool,
    drawn: &mut Drawn,
) {
    let focused = app.active_tab().is_some_and(|t| t.id == tab.id);
    let terminal_mode = focused && matches!(app.mode, Mode::Terminal);
    let notes = notes(app, tab);
    let inner = if app.layout.zoomed {
        zoomed_bar(app, f, bar, layout, notes);
        area
    } else {
        let mut title = vec![
            Span::raw(" "),
            Span::styled(safe(&tab.title), Style::new().add_modifier(Modifier::BOLD)),
        ];
        title.extend(notes);
        title.push(Span::raw(" "));
        let border = if let Some(s) = super::broadcast::border(app) {
            s
        } else if terminal_mode {
            theme::fg(app.theme.ok)
        } else if split_focus {
            // The current tab of a split; the keys' focus is on the left (the accent).
            Style::new()
        } else {
            theme::fg(app.theme.dim)
        };
        let block = Block::bordered()
            .border_type(if terminal_mode || split_focus {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(border)
            .title(Line::from(title));
        let inner = block.inner(area);
        f.render_widget(block, area);
        inner
    };
    let emu = tab.terminal.read();
    f.render_widget(TerminalView::new(&emu).scroll(tab.scroll), inner);
    let copy = matches!(&app.mode, Mode::Copy(c) if c.tab == tab.id);
    if let Mode::Copy(c) = &app.mode {
        super::copy::overlay(&app.theme, c, tab, &emu, inner, f.buffer_mut());
    }
    // Drawn whole now: a partial frame draws the rows that changed since these.
    if tab.scroll == 0 && !copy && !matches!(tab.state, TabState::Failed { .. }) {
        drawn
            .screens
            .push((tab.id, inner, emu.generations().clone()));
    }
    // The host's own cursor stands where the program's is (and hides when it hides it),
    // while keys go to this tab and it shows its live screen.
    if focused
        && app.cursor_tab().is_some()
        && let Some((row, col)) = emu
            .cursor()
            .filter(|(r, c)| *r < inner.height && *c < inner.width)
    {
        f.set_cursor_position((inner.x + col, inner.y + row));
        drawn.cursor = Some((inner.x + col, inner.y + row).into());
    }
    if let TabState::Failed { message, code } = &tab.state {
        let text = Paragraph::new(vec![
            Line::styled(
                format!("failed to start: {} ({code})", safe(message)),
                theme::fg(app.theme.error).add_modifier(Modifier::BOLD),
            ),
            Line::from(""),
            Line::from("x dismisses this tab."),
        ])
        .wrap(Wrap { trim: false });
        f.render_widget(text, inner);
    }
}

/// What the tab's title says after its name: state, a pending kill, the link to containerd,
/// closed input, scrollback.
fn notes(app: &App, tab: &Tab) -> Vec<Span<'static>> {
    let th = &app.theme;
    let state = match &tab.state {
        TabState::Running { .. } | TabState::Starting => theme::fg(th.ok),
        TabState::Exited {
            code: Some(0),
            killed: false,
        } => Style::new(),
        TabState::Exited { killed: true, .. } => theme::fg(th.signal),
        _ => theme::fg(th.error),
    };
    let mut v = vec![Span::raw(" · "), Span::styled(tab.state.label(), state)];
    let warn = theme::fg(th.warn);
    if let (TabState::Closing, Some(why)) = (&tab.state, &tab.pending) {
        v.push(Span::styled(
            format!(" · kill pending ({})", safe(why)),
            warn,
        ));
    }
    if tab.reconnecting(&app.connection) {
        v.push(Span::styled(" · reconnecting", warn));
    }
    if tab.input_closed {
        v.push(Span::styled(" · stdin closed", warn));
    }
    v.extend(super::broadcast::note(app, app.active));
    if tab.scroll > 0 {
        v.push(Span::styled(
            format!(" · scrolled back {} lines", tab.scroll),
            warn,
        ));
    }
    v
}

/// Zoomed, the tab bar is the only line left: the tabs on its left; the current tab's
/// notes, the last error and the way back on its right, where the tabs leave room.
fn zoomed_bar(app: &App, f: &mut Frame<'_>, bar: Rect, layout: &TabBar, notes: Vec<Span<'static>>) {
    let back = app
        .keymap
        .keys(Action::Zoom)
        .first()
        .cloned()
        .unwrap_or_default();
    let hint = match (&app.mode, zoom_chord(app)) {
        (Mode::Terminal, Some(chord)) => format!("{chord} unzoom"),
        _ => format!("{back} unzoom"),
    };
    let used = layout.end(bar);
    let free = bar.right().saturating_sub(used).saturating_sub(1);
    let mut right = notes;
    let taken = Line::from(right.clone()).width() + hint.len() + 4;
    if let Some(err) = &app.status {
        // A long message (a path) is shortened in its middle to leave the way back in view.
        let room = usize::from(free).saturating_sub(taken + 3).max(12);
        right.push(Span::raw(" · "));
        right.push(Span::styled(
            super::fit::middle(&safe(err), room),
            theme::fg(app.theme.error),
        ));
    }
    right.push(Span::raw(" · "));
    right.push(Span::styled(hint, theme::key(&app.theme)));
    right.push(Span::raw(" "));
    let line = Line::from(right);
    let width = u16::try_from(line.width()).unwrap_or(u16::MAX).min(free);
    let at = Rect::new(bar.right() - width, bar.y, width, bar.height);
    f.render_widget(Paragraph::new(line).alignment(Alignment::Right), at);
}

/// The terminal-mode chords of copy mode and search (`ctrl-p [`, `ctrl-p /`), as one hint.
pub fn copy_chords(app: &App) -> Vec<(String, &'static str)> {
    let Some(prefix) = app.active_tab().and_then(|t| t.zoom.prefix) else {
        return Vec::new();
    };
    let key = crate::app::tab::zoom_chord(prefix);
    let key = key.trim_end_matches('z').trim_end();
    vec![(format!("{key} [ /"), "copy/search")]
}

/// The terminal-mode chord that zooms the current tab (`ctrl-p z`).
pub fn zoom_chord(app: &App) -> Option<String> {
    app.active_tab()?
        .zoom
        .prefix
        .map(crate::app::tab::zoom_chord)
}
