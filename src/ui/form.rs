//! The new-exec form popup.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::popup::centered;
use super::safe;
use super::theme;
use crate::app::{Field, Form};
use crate::theme::Theme;

fn field(th: &Theme, f: &mut Frame<'_>, area: Rect, label: &str, t: &TextArea<'_>, focused: bool) {
    let style = theme::fg(if focused { th.accent } else { th.dim });
    let mut t = t.clone();
    t.set_block(
        Block::bordered()
            .border_style(style)
            .title(format!(" {label} ")),
    );
    t.set_cursor_style(if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    });
    t.set_cursor_line_style(Style::new());
    t.set_placeholder_style(theme::fg(th.dim));
    f.render_widget(&t, area);
}

pub fn render(form: &Form, th: &Theme, f: &mut Frame<'_>) {
    let area = centered(f.area(), 72, 24);
    f.render_widget(Clear, area);
    let title = if form.targets.is_empty() {
        format!(
            " New exec in {}/{} ",
            safe(form.container.namespace.as_str()),
            safe(form.container.container.as_str())
        )
    } else {
        super::broadcast::form_title(&form.targets)
    };
    let outer = theme::pane_block(th, title, true);
    let inner = outer.inner(area);
    f.render_widget(outer, area);
    let mut y = inner.y;
    let mut next = |h: u16| {
        let r = Rect::new(
            inner.x,
            y,
            inner.width,
            h.min(inner.bottom().saturating_sub(y)),
        );
        y = y.saturating_add(h);
        r
    };
    field(
        th,
        f,
        next(3),
        "command",
        &form.command,
        form.focus == Field::Command,
    );
    field(
        th,
        f,
        next(3),
        "user",
        &form.user,
        form.focus == Field::User,
    );
    field(
        th,
        f,
        next(3),
        "working directory",
        &form.workdir,
        form.focus == Field::Workdir,
    );
    field(
        th,
        f,
        next(5),
        "env (NAME=value per line)",
        &form.env,
        form.focus == Field::Env,
    );
    field(
        th,
        f,
        next(3),
        "detach keys",
        &form.detach,
        form.focus == Field::DetachKeys,
    );
    let check = |on: bool, label: &str, focused: bool| {
        let style = if focused {
            theme::key(th)
        } else {
            Style::new()
        };
        Line::styled(format!("[{}] {label}", if on { "x" } else { " " }), style)
    };
    let toggles = Paragraph::new(vec![
        check(
            form.tty,
            "tty (a terminal; off: plain pipes)",
            form.focus == Field::Tty,
        ),
        check(
            form.privileged,
            "privileged (every capability; asks to confirm)",
            form.focus == Field::Privileged,
        ),
    ]);
    f.render_widget(toggles, next(2));
    if let Some(e) = &form.error {
        let style = theme::fg(if form.confirming { th.warn } else { th.error });
        f.render_widget(
            Paragraph::new(Line::styled(safe(e), style)).wrap(Wrap { trim: true }),
            next(2),
        );
    }
}
