//! Where the tab titles go on the tab bar, for drawing and clicks alike: the current tab is
//! always in view; tabs that do not fit are hidden on either side behind a mark that counts
//! them (`‹3`, `2›`) and the bells that rang in them (`‹3 🔔1`).

use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::App;
use super::input::BELL_MARK;

/// Zoomed, the bar also carries the tab's notes on its right: the tabs leave them this
/// share of the width (a third, at most this many columns) when they do not all fit.
const ZOOMED_NOTES: u16 = 48;

impl App {
    /// The tab bar as it is drawn now (and clicked).
    pub fn tab_bar(&self) -> TabBar {
        let titles = self.tab_titles();
        let bells: Vec<bool> = self.tabs.iter().map(|t| t.bell).collect();
        let mut bar = self.layout.tab_bar;
        if self.layout.zoomed {
            let all = layout(&titles, &bells, self.active, bar);
            if all.left.is_some() || all.right.is_some() {
                bar.width -= (bar.width / 3).min(ZOOMED_NOTES);
            }
        }
        layout(&titles, &bells, self.active, bar)
    }
}

/// Tabs hidden on one side of the bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// How many tabs are hidden on this side.
    pub tabs: usize,
    /// How many of them rang the bell while out of sight.
    pub bells: usize,
    /// Where the mark is drawn (start, end exclusive).
    pub at: (u16, u16),
}

impl Hidden {
    /// The mark's text: `‹3`, `‹3 🔔1` on the left; `2›`, `🔔1 2›` on the right.
    pub fn label(&self, left: bool) -> String {
        mark(self.tabs, self.bells, left)
    }
}

/// The tab bar as drawn: the tabs in view with their x range, and the hidden ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TabBar {
    /// (tab index, start, end exclusive) of each tab in view, in order.
    pub tabs: Vec<(usize, u16, u16)>,
    pub left: Option<Hidden>,
    pub right: Option<Hidden>,
}

impl TabBar {
    /// The tab under column `x`, if any.
    pub fn tab_at(&self, x: u16) -> Option<usize> {
        self.tabs
            .iter()
            .find(|(_, a, b)| (*a..*b).contains(&x))
            .map(|(i, _, _)| *i)
    }

    /// The x range of tab `i`, when it is in view.
    pub fn span(&self, i: usize) -> Option<(u16, u16)> {
        self.tabs
            .iter()
            .find(|(t, _, _)| *t == i)
            .map(|(_, a, b)| (*a, *b))
    }

    /// The last column the bar uses (exclusive).
    pub fn end(&self, bar: Rect) -> u16 {
        self.right
            .as_ref()
            .map(|h| h.at.1)
            .or_else(|| self.tabs.last().map(|(_, _, b)| *b))
            .unwrap_or(bar.x)
    }
}

fn mark(tabs: usize, bells: usize, left: bool) -> String {
    match (bells, left) {
        (0, true) => format!("‹{tabs}"),
        (0, false) => format!("{tabs}›"),
        (b, true) => format!("‹{tabs} {BELL_MARK}{b}"),
        (b, false) => format!("{BELL_MARK}{b} {tabs}›"),
    }
}

fn width(s: &str) -> u16 {
    u16::try_from(s.width()).unwrap_or(u16::MAX)
}

/// Lays out `titles` (drawn as ` title `, one column apart) on `bar`, keeping `active` in
/// view; `bells[i]` says that tab `i` rang while hidden.
pub fn layout(titles: &[String], bells: &[bool], active: usize, bar: Rect) -> TabBar {
    let count = titles.len();
    if count == 0 || bar.width == 0 {
        return TabBar::default();
    }
    let active = active.min(count - 1);
    let widths: Vec<u16> = titles.iter().map(|t| width(t).saturating_add(2)).collect();
    let rang =
        |r: std::ops::Range<usize>| bells.get(r).map_or(0, |b| b.iter().filter(|x| **x).count());
    // Width of tabs a..=b with their gaps and the marks for what is left out.
    let need = |a: usize, b: usize| -> u32 {
        let tabs: u32 = widths[a..=b].iter().map(|x| u32::from(*x) + 1).sum::<u32>() - 1;
        let left = if a > 0 {
            u32::from(width(&mark(a, rang(0..a), true))) + 1
        } else {
            0
        };
        let right = if b + 1 < count {
            u32::from(width(&mark(count - 1 - b, rang(b + 1..count), false))) + 1
        } else {
            0
        };
        tabs + left + right
    };
    let room = u32::from(bar.width);
    let (mut first, mut last) = (active, active);
    // The tabs before the current one first (the bar scrolls as little as it can), then
    // the ones after it.
    loop {
        if first > 0 && need(first - 1, last) <= room {
            first -= 1;
        } else if last + 1 < count && need(first, last + 1) <= room {
            last += 1;
        } else {
            break;
        }
    }
    let (a, b) = (first, last);
    let mut bar_out = TabBar::default();
    let mut x = bar.x;
    let right_edge = bar.right();
    if a > 0 {
        let label = mark(a, rang(0..a), true);
        let end = x.saturating_add(width(&label)).min(right_edge);
        bar_out.left = Some(Hidden {
            tabs: a,
            bells: rang(0..a),
            at: (x, end),
        });
        x = end.saturating_add(1).min(right_edge);
    }
    let right = (b + 1 < count).then(|| {
        let label = mark(count - 1 - b, rang(b + 1..count), false);
        (label, count - 1 - b, rang(b + 1..count))
    });
    // The tabs stop where the right mark begins (a current tab too wide is cut there).
    let limit = right.as_ref().map_or(right_edge, |(label, _, _)| {
        right_edge.saturating_sub(width(label) + 1).max(x)
    });
    for (i, w) in widths.iter().enumerate().take(b + 1).skip(a) {
        let start = x.min(limit);
        let end = x.saturating_add(*w).min(limit);
        bar_out.tabs.push((i, start, end));
        x = end.saturating_add(1);
    }
    if let Some((label, tabs, bells)) = right {
        let start = x.min(right_edge);
        let end = start.saturating_add(width(&label)).min(right_edge);
        bar_out.right = Some(Hidden {
            tabs,
            bells,
            at: (start, end),
        });
    }
    bar_out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(n: usize, len: usize) -> Vec<String> {
        (1..=n)
            .map(|i| format!("{i}:{}", "x".repeat(len)))
            .collect()
    }

    #[test]
    fn all_tabs_fit_without_marks() {
        let bar = Rect::new(10, 0, 30, 1);
        let b = layout(&["ab".into(), "cdef".into()], &[false, false], 1, bar);
        assert_eq!(b.tabs, vec![(0, 10, 14), (1, 15, 21)]);
        assert_eq!((&b.left, &b.right), (&None, &None));
        assert_eq!(b.tab_at(16), Some(1));
        assert_eq!(b.tab_at(14), None);
    }

    #[test]
    fn the_current_tab_stays_in_view_with_marks_for_the_hidden() {
        // Seven tabs of 22 columns on 96 columns: four fit with marks.
        let t = titles(7, 18);
        let bells = [false, true, false, false, false, false, false];
        let bar = Rect::new(0, 0, 96, 1);
        let first = layout(&t, &bells, 0, bar);
        assert_eq!(first.tabs.first().map(|x| x.0), Some(0));
        assert_eq!(first.left, None);
        let right = first.right.as_ref().expect("tabs hidden on the right");
        assert_eq!(right.label(false), format!("{}›", right.tabs));
        let last = layout(&t, &bells, 6, bar);
        assert_eq!(last.tabs.last().map(|x| x.0), Some(6));
        assert_eq!(last.right, None);
        let left = last.left.as_ref().expect("tabs hidden on the left");
        assert_eq!(left.bells, 1, "tab 2 rang");
        assert_eq!(left.label(true), format!("‹{} 🔔1", left.tabs));
        assert_eq!(left.tabs + last.tabs.len(), 7);
        for b in [&first, &last] {
            assert!(b.end(bar) <= bar.right(), "{b:?}");
        }
        let mid = layout(&t, &bells, 3, bar);
        assert!(mid.span(3).is_some(), "{mid:?}");
    }

    #[test]
    fn a_current_tab_wider_than_the_bar_is_cut_before_the_mark() {
        let t = vec!["a".repeat(50), "b".repeat(50)];
        let bar = Rect::new(0, 0, 30, 1);
        let b = layout(&t, &[false, false], 0, bar);
        assert_eq!(b.tabs, vec![(0, 0, 27)]);
        assert_eq!(b.right.map(|h| h.at), Some((28, 30)));
        let b = layout(&t, &[false, false], 1, bar);
        assert_eq!(b.left.map(|h| h.at), Some((0, 2)));
        assert_eq!(b.tabs, vec![(1, 3, 30)]);
    }
}
