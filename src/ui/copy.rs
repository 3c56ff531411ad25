//! Copy mode drawn over the tab's screen: matches of the search (the current one apart),
//! the selection, the copy cursor, and a bottom line with the search prompt or the keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::safe;
use crate::app::copy::Copy;
use crate::app::search::Abs;
use crate::app::tab::Tab;
use crate::session::emulator::Emulator;
use crate::session::text;
use crate::theme::Theme;

/// Draws copy mode `c` of `tab` over its screen drawn in `area`.
pub fn overlay(theme: &Theme, c: &Copy, tab: &Tab, emu: &Emulator, area: Rect, buf: &mut Buffer) {
    if c.tab != tab.id || area.is_empty() {
        return;
    }
    let len = emu.scrollback().len();
    let top = len - tab.scroll.min(len);
    let abs_top = text::evicted(emu) + top as u64;
    let at = |x: u16, y: u16| Abs {
        row: abs_top + u64::from(y),
        col: x,
    };
    let hits = c.search.as_ref().map_or(&[][..], |s| &s.hits[..]);
    let current = c.search.as_ref().and_then(|s| s.current);
    // The matches that may touch the visible rows.
    let first = hits.partition_point(|(_, end)| end.row < abs_top);
    let last_row = abs_top + u64::from(area.height);
    let visible = &hits[first..hits.partition_point(|(s, _)| s.row < last_row)];
    let selection = c.selection();
    let cursor = c.cursor.point(emu);
    let cursor = Abs::of(emu, cursor);
    for y in 0..area.height {
        for x in 0..area.width {
            let p = at(x, y);
            let cell = &mut buf[(area.x + x, area.y + y)];
            if let Some(i) = visible.iter().position(|(s, e)| *s <= p && p <= *e) {
                let is_current = current == Some(first + i);
                let bg = if is_current {
                    theme.search_current
                } else {
                    theme.search
                };
                cell.set_style(Style::new().bg(bg).fg(Color::Black));
            }
            if selection.is_some_and(|(a, b)| a <= p && p <= b) {
                cell.set_style(Style::new().bg(theme.selection).fg(Color::White));
            }
            if p == cursor {
                cell.modifier.toggle(Modifier::REVERSED);
            }
        }
    }
    let line = if let Some(q) = &c.prompt {
        format!("search (regex): {}▏", safe(q))
    } else {
        {
            let what = if c.anchor.is_some() {
                "y copy · s save"
            } else {
                "v select"
            };
            match &c.search {
                Some(s) => format!(
                    "COPY · /{}/ n older · N newer · {what} · esc",
                    safe(&s.query)
                ),
                None => format!("COPY · {what} · / search · esc leave"),
            }
        }
    };
    let y = area.bottom() - 1;
    let style = super::theme::badge(theme, theme.accent);
    let width = usize::from(area.width);
    let text: String = line.chars().take(width).collect();
    let w = u16::try_from(unicode_width::UnicodeWidthStr::width(text.as_str()))
        .unwrap_or(area.width)
        .min(area.width);
    buf.set_stringn(area.right() - w, y, &text, width, style);
}

#[cfg(test)]
#[path = "copy_tests.rs"]
mod tests;
