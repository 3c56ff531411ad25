//! A partial frame: when the only change since the last frame is output in tab screens
//! that frame drew uncovered, just their changed rows are drawn (an echo costs one row,
//! not a whole frame). Anything else asks for a whole frame.

use ratatui::buffer::Cell;
use ratatui::layout::Position;
use unicode_width::UnicodeWidthStr as _;

use super::Drawn;
use crate::app::App;
use crate::app::msg::TabId;
use crate::session::view;

/// Cells to write: column, row, cell.
pub type Cells = Vec<(u16, u16, Cell)>;

/// The cells to write and where the host cursor then stands, or None when a whole frame is
/// needed (a tab not drawn uncovered last time, a size that moved, a scroll, a screen
/// switch).
pub fn cells(app: &App, drawn: &Drawn, tabs: &[TabId]) -> Option<(Cells, Option<Position>)> {
    let mut out = Vec::new();
    for id in tabs {
        let (_, rect) = drawn.screens.iter().find(|(t, _)| t == id)?;
        let tab = app.tabs.get(app.tab_index(*id)?)?;
        let mut emu = tab.terminal.lock();
        if emu.size() != (rect.height, rect.width) {
            return None;
        }
        let rows = emu.take_damage()?;
        let mut row = vec![Cell::default(); usize::from(rect.width)];
        for r in rows.into_iter().filter(|r| *r < rect.height) {
            row.iter_mut().for_each(Cell::reset);
            view::draw_row(&emu, r, &mut row);
            // The columns a wide character covers are not written: a host terminal would
            // take a blank there for the character's right half and erase it.
            let mut covered = 0;
            for (x, cell) in (rect.x..).zip(&row) {
                if covered > 0 {
                    covered -= 1;
                    continue;
                }
                covered = cell.symbol().width().saturating_sub(1);
                let mut cell = cell.clone();
                if app.theme.no_color {
                    super::theme::strip_cell(&mut cell);
                }
                out.push((x, rect.y + r, cell));
            }
        }
    }
    let cursor = match app.cursor_tab() {
        None => None,
        Some(tab) => {
            let (_, rect) = drawn.screens.iter().find(|(t, _)| *t == tab.id)?;
            tab.terminal
                .lock()
                .cursor()
                .filter(|(r, c)| *r < rect.height && *c < rect.width)
                .map(|(r, c)| Position::new(rect.x + c, rect.y + r))
        }
    };
    Some((out, cursor))
}
