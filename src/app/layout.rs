//! Screen geometry shared by `update` (tab sizes, mouse hits) and `ui` (drawing): a left
//! column of panes, the tab bar and terminal on the right, a status bar at the bottom; or,
//! zoomed, one line of tabs over the current tab's terminal and nothing else.

use ratatui::layout::Rect;

/// Where everything goes on a screen of `area`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The whole screen.
    pub area: Rect,
    /// The current tab has the whole window: no panes, no status bar, no border.
    pub zoomed: bool,
    pub containers: Rect,
    pub execs: Rect,
    pub events: Rect,
    pub tab_bar: Rect,
    /// The terminal box, border included (zoomed: there is no border).
    pub terminal: Rect,
    pub status: Rect,
}

impl Layout {
    /// The layout of a screen, zoomed or not.
    pub fn of(area: Rect, zoomed: bool) -> Self {
        if zoomed {
            Self::zoomed(area)
        } else {
            Self::new(area)
        }
    }

    /// Panes on the left, the tab on the right; under 120 columns the tab gets most of the
    /// width (it is where the user works).
    pub fn new(area: Rect) -> Self {
        let status_h = 1.min(area.height);
        let main_h = area.height - status_h;
        let left_w = match area.width {
            200.. => 84,
            160.. => 64,
            120.. => 52,
            w => (w / 3).max(26).min(w),
        };
        let right_w = area.width - left_w;
        let third = main_h / 3;
        let containers = Rect::new(area.x, area.y, left_w, third.max(3).min(main_h));
        let execs_h = third.min(main_h - containers.height);
        let execs = Rect::new(area.x, containers.bottom(), left_w, execs_h);
        let events = Rect::new(
            area.x,
            execs.bottom(),
            left_w,
            main_h - containers.height - execs_h,
        );
        let tab_bar = Rect::new(area.x + left_w, area.y, right_w, 1.min(main_h));
        let terminal = Rect::new(
            area.x + left_w,
            tab_bar.bottom(),
            right_w,
            main_h - tab_bar.height,
        );
        let status = Rect::new(area.x, area.y + main_h, area.width, status_h);
        Self {
            area,
            zoomed: false,
            containers,
            execs,
            events,
            tab_bar,
            terminal,
            status,
        }
    }

    /// One line of tabs (with the status on its right) and the terminal below, borderless.
    pub fn zoomed(area: Rect) -> Self {
        let bar_h = u16::from(area.height >= 2);
        let none = Rect::new(area.x, area.y, 0, 0);
        let tab_bar = Rect::new(area.x, area.y, area.width, bar_h);
        let terminal = Rect::new(area.x, area.y + bar_h, area.width, area.height - bar_h);
        Self {
            area,
            zoomed: true,
            containers: none,
            execs: none,
            events: none,
            tab_bar,
            terminal,
            status: Rect::new(area.x, area.bottom(), area.width, 0),
        }
    }

    /// The cells the exec's screen is drawn in: the terminal box inside its border.
    pub fn screen(&self) -> Rect {
        self.inner(self.terminal)
    }

    /// The cells a terminal box of this layout draws an exec's screen in: inside its border,
    /// or all of it zoomed.
    pub fn inner(&self, t: Rect) -> Rect {
        if self.zoomed {
            t
        } else {
            Rect::new(
                t.x.saturating_add(1).min(t.right()),
                t.y.saturating_add(1).min(t.bottom()),
                t.width.saturating_sub(2),
                t.height.saturating_sub(2),
            )
        }
    }

    /// The size an exec's terminal gets: the screen's (rows, cols), never 0.
    pub fn console(&self) -> (u16, u16) {
        let s = self.screen();
        (s.height.max(1), s.width.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiles(l: &Layout) -> u32 {
        [
            l.containers,
            l.execs,
            l.events,
            l.tab_bar,
            l.terminal,
            l.status,
        ]
        .iter()
        .map(|r| u32::from(r.width) * u32::from(r.height))
        .sum::<u32>()
    }

    #[test]
    fn areas_tile_the_screen_and_console_is_never_zero() {
        for (w, h) in [(200, 50), (120, 40), (80, 24), (30, 5), (1, 1), (0, 0)] {
            for zoomed in [false, true] {
                let l = Layout::of(Rect::new(0, 0, w, h), zoomed);
                assert_eq!(tiles(&l), u32::from(w) * u32::from(h), "{w}x{h} {zoomed}");
                let (rows, cols) = l.console();
                assert!(rows >= 1 && cols >= 1);
                assert!(l.terminal.contains(l.screen().as_position()) || l.screen().is_empty());
            }
        }
        assert_eq!(Layout::new(Rect::new(0, 0, 200, 50)).console(), (46, 114));
    }

    #[test]
    fn small_screens_give_the_terminal_most_of_the_width() {
        let l = Layout::new(Rect::new(0, 0, 80, 24));
        assert_eq!(l.console(), (20, 52));
        assert!(l.terminal.width * 3 >= 80 * 2, "{:?}", l.terminal);
        let z = Layout::zoomed(Rect::new(0, 0, 80, 24));
        assert_eq!(z.console(), (23, 80));
        assert_eq!(z.tab_bar, Rect::new(0, 0, 80, 1));
        assert_eq!(z.screen(), z.terminal);
    }
}
