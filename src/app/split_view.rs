//! The split view in the app: cycling the arrangements, the panes shown now, moving the
//! focus between them (keys, the terminal-mode chord, clicks), and giving each shown
//! terminal its pane's size. A hidden tab keeps the size it had: it is neither drawn nor
//! resized until it is shown.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};

use super::layout::Layout;
use super::msg::{Effect, TabId};
use super::split::{Dir, MAX_PANES, Panes, Split, window_start};
use super::{App, Mode};
use crate::domain::ConsoleSize;
use crate::keymap::{Action, Keymap};

/// What a key after the detach prefix does to the split, in terminal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chord {
    /// The split key: the next arrangement.
    Cycle,
    /// An arrow: the focus to the pane that way.
    Move(Dir),
}

/// The split chord a key completes after the detach prefix (None: not one).
pub fn chord(keymap: &Keymap, key: &KeyEvent) -> Option<Chord> {
    if keymap.action(key) == Some(Action::Split) {
        return Some(Chord::Cycle);
    }
    if key.modifiers != KeyModifiers::NONE {
        return None;
    }
    let dir = match key.code {
        KeyCode::Left => Dir::Left,
        KeyCode::Right => Dir::Right,
        KeyCode::Up => Dir::Up,
        KeyCode::Down => Dir::Down,
        _ => return None,
    };
    Some(Chord::Move(dir))
}

/// The direction a navigation-mode action moves the focus in.
pub fn direction(action: Action) -> Option<Dir> {
    match action {
        Action::PaneLeft => Some(Dir::Left),
        Action::PaneRight => Some(Dir::Right),
        Action::PaneUp => Some(Dir::Up),
        Action::PaneDown => Some(Dir::Down),
        _ => None,
    }
}

/// The console size of a screen: (rows, cols), never 0.
fn console(screen: Rect) -> (u16, u16) {
    (screen.height.max(1), screen.width.max(1))
}

impl App {
    /// The panes on screen now: zoomed, the current tab alone.
    pub fn panes(&self) -> Panes {
        self.panes_for(self.tabs.len(), self.active)
    }

    fn panes_for(&self, n: usize, active: usize) -> Panes {
        let split = if self.layout.zoomed {
            Split::Single
        } else {
            self.split.split
        };
        let count = split.capacity().min(n);
        let first = window_start(self.split.first, count, n, active);
        Panes::new(self.layout.terminal, split, first, count)
    }

    /// Whether tab `i` is on screen.
    pub fn is_shown(&self, i: usize) -> bool {
        self.panes().shows(i)
    }

    /// Whether the tab is on screen (its output is worth a frame).
    pub fn shows(&self, id: TabId) -> bool {
        self.tab_index(id).is_some_and(|i| self.is_shown(i))
    }

    /// The cells the current tab's screen is drawn in.
    pub fn focused_screen(&self) -> Rect {
        self.panes()
            .box_of(self.active)
            .map_or_else(|| self.layout.screen(), |b| self.layout.inner(b))
    }

    /// The current tab's console size.
    pub(super) fn focused_console(&self) -> (u16, u16) {
        console(self.focused_screen())
    }

    /// The console size of a tab about to open: that of the pane it opens in, focused.
    pub(super) fn new_tab_console(&self) -> (u16, u16) {
        let n = self.tabs.len() + 1;
        let b = self.panes_for(n, n - 1).box_of(n - 1);
        console(b.map_or_else(|| self.layout.screen(), |b| self.layout.inner(b)))
    }

    /// The tab whose pane holds `at`, and its screen.
    pub(super) fn pane_at(&self, at: Position) -> Option<(usize, Rect)> {
        let panes = self.panes();
        let i = panes.at(at)?;
        Some((i, self.layout.inner(panes.box_of(i)?)))
    }

    /// The next arrangement (a zoom ends: the split is what the user asked to see).
    pub(super) fn cycle_split(&mut self) -> Vec<Effect> {
        if self.tabs.is_empty() {
            self.status = Some("no tab to split: Enter on a container opens its shell".into());
            return Vec::new();
        }
        if self.layout.zoomed {
            self.layout = Layout::new(self.layout.area);
        }
        self.split.split = self.split.split.next(self.tabs.len());
        self.sync_panes()
    }

    /// The focus to the pane in direction `dir`, if there is one.
    pub(super) fn focus_pane(&mut self, dir: Dir) -> Vec<Effect> {
        if let Some(to) = self.panes().neighbour(self.active, dir) {
            self.focus_tab(to);
        }
        Vec::new()
    }

    /// Tab `i` gets the focus; in terminal mode keys go on to it while its exec runs.
    pub(super) fn focus_tab(&mut self, i: usize) {
        let Some(tab) = self.tabs.get(i) else { return };
        self.active = i;
        if matches!(self.mode, Mode::Terminal) && !tab.state.is_running() {
            self.mode = Mode::Navigate;
        }
    }

    /// A split chord typed in terminal mode.
    pub(super) fn split_chord(&mut self, chord: Chord) -> Vec<Effect> {
        match chord {
            Chord::Cycle => self.cycle_split(),
            Chord::Move(dir) => self.focus_pane(dir),
        }
    }

    /// Scrolls tab `i` by `lines` (positive: back into the scrollback).
    pub(super) fn scroll_tab(&mut self, i: usize, lines: isize) {
        if let Some(tab) = self.tabs.get_mut(i) {
            tab.scroll = tab.scroll.saturating_add_signed(lines).min(tab.scrollback);
        }
    }

    /// Every shown terminal is given its pane's size (its task applies it to the terminal
    /// and a tty exec); a shown tab's bell mark goes. Run after every update: nothing is
    /// sent unless the panes, their tabs or their sizes changed.
    pub(super) fn sync_panes(&mut self) -> Vec<Effect> {
        let panes = self.panes();
        if !self.layout.zoomed {
            // Zoomed, the split's window is kept for the way back.
            self.split.first = panes.first;
        }
        let mut sized = [None; MAX_PANES];
        for (k, (i, b)) in panes.iter().enumerate() {
            sized[k] = Some((self.tabs[i].id, self.layout.inner(b)));
            self.tabs[i].bell = false;
        }
        if sized == self.split.sized {
            return Vec::new();
        }
        self.split.sized = sized;
        let mut effects = Vec::new();
        for (i, b) in panes.iter() {
            let (rows, cols) = console(self.layout.inner(b));
            let tab = &mut self.tabs[i];
            if tab.size == (rows, cols) {
                continue;
            }
            tab.size = (rows, cols);
            effects.push(Effect::Resize {
                tab: tab.id,
                size: ConsoleSize { rows, cols },
            });
        }
        effects
    }
}
