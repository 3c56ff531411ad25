//! The mouse: clicks on tabs and panes, the wheel over a tab's terminal.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::layout::tab_spans;
use super::msg::Effect;
use super::{App, Mode, Pane};

/// Lines moved per wheel step.
const WHEEL: usize = 3;

impl App {
    pub(super) fn on_mouse(&mut self, ev: MouseEvent) -> Vec<Effect> {
        let at = Position::new(ev.column, ev.row);
        let l = self.layout;
        match ev.kind {
            MouseEventKind::ScrollUp if l.terminal.contains(at) => {
                self.scroll_active(WHEEL.cast_signed());
            }
            MouseEventKind::ScrollDown if l.terminal.contains(at) => {
                self.scroll_active(-WHEEL.cast_signed());
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if l.tab_bar.contains(at) {
                    let titles = self.tab_titles();
                    if let Some(i) = tab_spans(&titles, l.tab_bar)
                        .iter()
                        .position(|(a, b)| (*a..*b).contains(&at.x))
                    {
                        self.active = i;
                    }
                } else if l.terminal.contains(at) {
                    if self.active_tab().is_some_and(|t| t.state.is_running())
                        && matches!(self.mode, Mode::Navigate)
                    {
                        self.mode = Mode::Terminal;
                    }
                } else if matches!(self.mode, Mode::Navigate | Mode::Terminal) {
                    self.mode = Mode::Navigate;
                    let row = |r: Rect| usize::from(at.y.saturating_sub(r.y + 2));
                    if l.containers.contains(at) {
                        self.focus = Pane::Containers;
                        self.selected_container = row(l.containers)
                            .min(self.visible_containers().len().saturating_sub(1));
                        self.selected_exec = 0;
                    } else if l.execs.contains(at) {
                        self.focus = Pane::Execs;
                        self.selected_exec =
                            row(l.execs).min(self.visible_execs().len().saturating_sub(1));
                    } else if l.events.contains(at) {
                        self.focus = Pane::Events;
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Scrolls the active tab by `lines` (positive: back into the scrollback).
    pub(super) fn scroll_active(&mut self, lines: isize) {
        if let Some(tab) = self.tabs.get_mut(self.active) {
            let max = tab.terminal.lock().scrollback().len();
            tab.scroll = tab.scroll.saturating_add_signed(lines).min(max);
        }
    }
}
