//! Split view: two to four tabs at once (side by side, stacked, or a grid), which tabs the
//! panes show, where each pane goes, and which pane is next in a direction. Pure geometry;
//! the app's side (cycling, focus, sizes) is in `split_focus`.

use ratatui::layout::{Position, Rect};

use super::msg::TabId;

/// Most panes at once.
pub const MAX_PANES: usize = 4;

/// How the terminal area is shared between tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// One tab (the current one).
    #[default]
    Single,
    /// Two tabs in columns.
    SideBySide,
    /// Two tabs in rows.
    Stacked,
    /// Up to four tabs, two per row (a third one takes the whole bottom row).
    Grid,
}

impl Split {
    /// Most tabs it shows.
    pub fn capacity(self) -> usize {
        match self {
            Self::Single => 1,
            Self::SideBySide | Self::Stacked => 2,
            Self::Grid => MAX_PANES,
        }
    }

    /// The next in the cycle; the grid only once there are three tabs to fill it.
    #[must_use]
    pub fn next(self, tabs: usize) -> Self {
        match self {
            Self::Single => Self::SideBySide,
            Self::SideBySide => Self::Stacked,
            Self::Stacked if tabs >= 3 => Self::Grid,
            Self::Stacked | Self::Grid => Self::Single,
        }
    }

    /// What the help and the status bar call it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::SideBySide => "side by side",
            Self::Stacked => "stacked",
            Self::Grid => "grid",
        }
    }
}

/// A direction to move the focus in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Left,
    Right,
    Up,
    Down,
}

/// The split's state kept in the app.
#[derive(Debug, Clone, Default)]
pub struct SplitView {
    pub split: Split,
    /// The first tab of the window of tabs the panes show.
    pub(super) first: usize,
    /// The tabs last sized and the screens they were sized for.
    pub(super) sized: [Option<(TabId, Rect)>; MAX_PANES],
}

/// The panes on screen: which tab each shows and its box (border included, unless zoomed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Panes {
    /// The first tab shown (the others follow it in order).
    pub first: usize,
    len: usize,
    boxes: [Rect; MAX_PANES],
}

impl Panes {
    /// `count` tabs from `first`, in `split`'s arrangement of `area`.
    pub fn new(area: Rect, split: Split, first: usize, count: usize) -> Self {
        let len = count.min(MAX_PANES);
        Self {
            first,
            len,
            boxes: boxes(area, split, len),
        }
    }

    /// (tab index, box) of each pane, in tab order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, Rect)> + '_ {
        self.boxes[..self.len]
            .iter()
            .enumerate()
            .map(|(k, b)| (self.first + k, *b))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether tab `i` is in a pane.
    pub fn shows(&self, i: usize) -> bool {
        (self.first..self.first + self.len).contains(&i)
    }

    /// The box of tab `i`'s pane.
    pub fn box_of(&self, i: usize) -> Option<Rect> {
        self.shows(i).then(|| self.boxes[i - self.first])
    }

    /// The tab whose pane holds `at`.
    pub fn at(&self, at: Position) -> Option<usize> {
        self.iter().find(|(_, b)| b.contains(at)).map(|(i, _)| i)
    }

    /// The tab of the nearest pane from tab `from`'s in direction `dir`: the closest edge
    /// first, then the closest centre across.
    pub fn neighbour(&self, from: usize, dir: Dir) -> Option<usize> {
        let f = self.box_of(from)?;
        let centre = |r: Rect| {
            (
                i32::from(r.x) * 2 + i32::from(r.width),
                i32::from(r.y) * 2 + i32::from(r.height),
            )
        };
        let (fx, fy) = centre(f);
        self.iter()
            .filter(|(i, _)| *i != from)
            .filter_map(|(i, b)| {
                let (bx, by) = centre(b);
                let (gap, across) = match dir {
                    Dir::Left => (i32::from(f.x) - i32::from(b.right()), (by - fy).abs()),
                    Dir::Right => (i32::from(b.x) - i32::from(f.right()), (by - fy).abs()),
                    Dir::Up => (i32::from(f.y) - i32::from(b.bottom()), (bx - fx).abs()),
                    Dir::Down => (i32::from(b.y) - i32::from(f.bottom()), (bx - fx).abs()),
                };
                (gap >= 0).then_some(((gap, across), i))
            })
            .min()
            .map(|(_, i)| i)
    }
}

/// The first tab of a window of `count` of `n` tabs that holds `active`, moved as little as
/// possible from `first`.
pub fn window_start(first: usize, count: usize, n: usize, active: usize) -> usize {
    if count == 0 {
        return 0;
    }
    let active = active.min(n.saturating_sub(1));
    let first = first.min(n.saturating_sub(count));
    if active < first {
        active
    } else if active >= first + count {
        active + 1 - count
    } else {
        first
    }
}

/// The part `i` of `parts` equal parts of `len` cells: (offset, size); the sizes add up.
fn share(len: u16, parts: u16, i: u16) -> (u16, u16) {
    let at = |k: u16| u16::try_from(u32::from(len) * u32::from(k) / u32::from(parts)).unwrap_or(0);
    (at(i), at(i + 1) - at(i))
}

/// `count` boxes tiling `area` in `split`'s arrangement.
fn boxes(area: Rect, split: Split, count: usize) -> [Rect; MAX_PANES] {
    let mut out = [Rect::new(area.x, area.y, 0, 0); MAX_PANES];
    let n = u16::try_from(count.min(MAX_PANES)).unwrap_or(1);
    let column = |parts: u16, i: u16, row: Rect| {
        let (dx, w) = share(row.width, parts, i);
        Rect::new(row.x + dx, row.y, w, row.height)
    };
    let row = |parts: u16, i: u16| {
        let (dy, h) = share(area.height, parts, i);
        Rect::new(area.x, area.y + dy, area.width, h)
    };
    match (split, n) {
        (_, 0) => {}
        (Split::Single, _) | (_, 1) => out[0] = area,
        (Split::SideBySide, _) => {
            for i in 0..n {
                out[usize::from(i)] = column(n, i, area);
            }
        }
        (Split::Stacked, _) => {
            for i in 0..n {
                out[usize::from(i)] = row(n, i);
            }
        }
        (Split::Grid, _) => {
            let rows = n.div_ceil(2);
            for i in 0..n {
                let r = row(rows, i / 2);
                let in_row = if i / 2 == rows - 1 {
                    n - (rows - 1) * 2
                } else {
                    2
                };
                out[usize::from(i)] = column(in_row, i % 2, r);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area() -> Rect {
        Rect::new(52, 1, 88, 38)
    }

    fn all(p: &Panes) -> Vec<(usize, Rect)> {
        p.iter().collect()
    }

    #[test]
    fn boxes_tile_the_area_in_each_arrangement() {
        let a = area();
        assert_eq!(all(&Panes::new(a, Split::Single, 3, 1)), vec![(3, a)]);
        assert_eq!(
            all(&Panes::new(a, Split::SideBySide, 0, 2)),
            vec![(0, Rect::new(52, 1, 44, 38)), (1, Rect::new(96, 1, 44, 38))]
        );
        assert_eq!(
            all(&Panes::new(a, Split::Stacked, 1, 2)),
            vec![
                (1, Rect::new(52, 1, 88, 19)),
                (2, Rect::new(52, 20, 88, 19))
            ]
        );
        assert_eq!(
            all(&Panes::new(a, Split::Grid, 0, 3)),
            vec![
                (0, Rect::new(52, 1, 44, 19)),
                (1, Rect::new(96, 1, 44, 19)),
                (2, Rect::new(52, 20, 88, 19)),
            ]
        );
        for split in [Split::SideBySide, Split::Stacked, Split::Grid] {
            for count in 1..=split.capacity() {
                for a in [area(), Rect::new(0, 0, 7, 3), Rect::new(0, 0, 0, 0)] {
                    let p = Panes::new(a, split, 0, count);
                    let cells: u32 = p
                        .iter()
                        .map(|(_, b)| u32::from(b.width) * u32::from(b.height))
                        .sum();
                    assert_eq!(cells, u32::from(a.width) * u32::from(a.height));
                    assert!(p.iter().all(|(_, b)| a.union(b) == a || b.is_empty()));
                }
            }
        }
    }

    #[test]
    fn the_window_holds_the_current_tab_and_moves_as_little_as_it_can() {
        assert_eq!(window_start(0, 2, 5, 1), 0);
        assert_eq!(window_start(0, 2, 5, 2), 1, "slides right by one");
        assert_eq!(window_start(3, 2, 5, 1), 1, "slides left to it");
        assert_eq!(window_start(3, 2, 4, 3), 2, "never past the last tab");
        assert_eq!(window_start(4, 4, 3, 0), 0, "fewer tabs than panes");
        assert_eq!(window_start(2, 0, 0, 0), 0);
    }

    #[test]
    fn the_cycle_shows_the_grid_only_with_three_tabs() {
        use Split::{Grid, SideBySide, Single, Stacked};
        let cycle = |tabs| {
            let mut s = Split::Single;
            let mut seen = vec![];
            for _ in 0..4 {
                s = s.next(tabs);
                seen.push(s);
            }
            seen
        };
        assert_eq!(cycle(2), vec![SideBySide, Stacked, Single, SideBySide]);
        assert_eq!(cycle(3), vec![SideBySide, Stacked, Grid, Single]);
    }

    #[test]
    fn neighbours_follow_the_arrangement() {
        let grid = Panes::new(area(), Split::Grid, 0, 4);
        assert_eq!(grid.neighbour(0, Dir::Right), Some(1));
        assert_eq!(grid.neighbour(0, Dir::Down), Some(2));
        assert_eq!(grid.neighbour(3, Dir::Up), Some(1));
        assert_eq!(grid.neighbour(3, Dir::Left), Some(2));
        assert_eq!(grid.neighbour(0, Dir::Left), None);
        assert_eq!(grid.neighbour(1, Dir::Up), None);
        let three = Panes::new(area(), Split::Grid, 0, 3);
        assert_eq!(three.neighbour(1, Dir::Down), Some(2));
        assert_eq!(
            three.neighbour(2, Dir::Up),
            Some(0),
            "a tie goes to the first"
        );
        let stacked = Panes::new(area(), Split::Stacked, 5, 2);
        assert_eq!(stacked.neighbour(5, Dir::Down), Some(6));
        assert_eq!(stacked.neighbour(5, Dir::Right), None);
        assert_eq!(stacked.at(Position::new(60, 30)), Some(6));
        assert_eq!(stacked.at(Position::new(10, 30)), None);
        assert_eq!(stacked.neighbour(9, Dir::Up), None, "not shown");
    }
}
