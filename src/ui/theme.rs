//! Styles from the theme's semantic colours, and the `NO_COLOR` pass: every cell of a drawn
//! frame loses its colours and keeps its modifiers (bold, reverse, underline...).

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType};

use crate::app::execlist::ExitClass;
use crate::theme::Theme;

/// Foreground in one of the theme's colours.
pub fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

/// A pane's frame in the theme's colours: accent and thick when it has the focus.
pub fn pane_block(theme: &Theme, title: String, focused: bool) -> Block<'static> {
    let (style, border) = if focused {
        (fg(theme.accent), BorderType::Thick)
    } else {
        (fg(theme.dim), BorderType::Plain)
    };
    Block::bordered()
        .border_type(border)
        .border_style(style)
        .title(title)
        .title_style(Style::new().add_modifier(Modifier::BOLD))
}

/// The selected row: the selection colour in the focused pane, reverse video elsewhere
/// (and everywhere without colours, where a background would be lost).
pub fn selected(theme: &Theme, focused: bool) -> Style {
    match (focused, theme.no_color) {
        (true, false) => Style::new()
            .bg(theme.selection)
            .fg(Color::White)
            .add_modifier(Modifier::BOLD),
        (true, true) => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        (false, _) => Style::new().add_modifier(Modifier::REVERSED),
    }
}

/// A badge (the status bar's mode): a coloured block, or reverse video without colours.
pub fn badge(theme: &Theme, c: Color) -> Style {
    let s = Style::new().add_modifier(Modifier::BOLD);
    if theme.no_color {
        s.add_modifier(Modifier::REVERSED)
    } else {
        s.bg(c).fg(Color::Black)
    }
}

/// A key in a hint.
pub fn key(theme: &Theme) -> Style {
    fg(theme.accent).add_modifier(Modifier::BOLD)
}

/// An exit code by what it means; a process that could not run is also bold.
pub fn exit(theme: &Theme, class: ExitClass) -> Style {
    match class {
        ExitClass::Ok => fg(theme.ok),
        ExitClass::Error => fg(theme.error),
        ExitClass::CannotRun => fg(theme.warn).add_modifier(Modifier::BOLD),
        ExitClass::Signal => fg(theme.signal),
    }
}

/// Removes every colour from a drawn frame (`NO_COLOR`); modifiers stay.
pub fn strip_colours(buf: &mut Buffer) {
    buf.content.iter_mut().for_each(strip_cell);
}

/// Removes the colours of one cell; its modifiers stay.
pub fn strip_cell(cell: &mut ratatui::buffer::Cell) {
    cell.fg = Color::Reset;
    cell.bg = Color::Reset;
    cell.underline_color = Color::Reset;
}
