//! A partial frame: when the only change since the last frame is output in tab screens
//! that frame drew uncovered, just their changed rows are drawn (an echo costs one row,
//! not a whole frame). Which rows changed, the screens' generations say against those the
//! last frame recorded: nothing in a terminal changes by being drawn. Anything else asks
//! for a whole frame.

use ratatui::buffer::Cell;
use ratatui::layout::Position;
use unicode_width::UnicodeWidthStr as _;

use super::Drawn;
use crate::app::App;
use crate::app::msg::TabId;
use crate::session::view;

/// Cells to write: column, row, cell.
pub type Cells = Vec<(u16, u16, Cell)>;

/// A partial frame: the cells to write, and what the screen shows once they are (where the
/// host cursor stands, the screens' generations).
#[derive(Debug)]
pub struct Partial {
    pub cells: Cells,
    pub drawn: Drawn,
}

/// The partial frame for `tabs`, or None when a whole frame is needed (a tab not drawn
/// uncovered last time, a size that moved, a scroll, a screen switch).
pub fn cells(app: &App, drawn: &Drawn, tabs: &[TabId]) -> Option<Partial> {
    let mut out = Vec::new();
    let mut next = drawn.clone();
    for id in tabs {
        let (_, rect, gens) = next.screens.iter_mut().find(|(t, ..)| t == id)?;
        let rect = *rect;
        let tab = app.tabs.get(app.tab_index(*id)?)?;
        let emu = tab.terminal.read();
        if emu.size() != (rect.height, rect.width) {
            return None;
        }
        let rows = emu.generations().changed_since(gens)?;
        gens.clone_from(emu.generations());
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
            let (_, rect, _) = next.screens.iter().find(|(t, ..)| *t == tab.id)?;
            tab.terminal
                .read()
                .cursor()
                .filter(|(r, c)| *r < rect.height && *c < rect.width)
                .map(|(r, c)| Position::new(rect.x + c, rect.y + r))
        }
    };
    next.cursor = cursor;
    Some(Partial {
        cells: out,
        drawn: next,
    })
}
