//! The mouse in copy mode: a drag over the tab's screen selects (entering copy mode), its
//! release yanks; a click moves the cursor.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::msg::Effect;
use super::search::Abs;
use super::{App, Mode};
use crate::session::text::Point;

impl App {
    /// The mouse over the tab's screen when its program does not take it: a drag selects
    /// (entering copy mode), its release yanks; a click in copy mode moves the cursor.
    pub(super) fn copy_mouse(&mut self, ev: MouseEvent, at: Position) -> Option<Vec<Effect>> {
        let screen = self.layout.screen();
        let inside = screen.contains(at);
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left) if inside => {
                self.mouse_press = Some(at);
                let point = self.point_at(at)?;
                let Mode::Copy(c) = &mut self.mode else {
                    return None;
                };
                c.cursor = point;
                c.anchor = None;
                c.dragging = false;
                Some(Vec::new())
            }
            MouseEventKind::Drag(MouseButton::Left) if inside => {
                if matches!(self.mode, Mode::Navigate | Mode::Terminal) {
                    self.enter_copy(false);
                }
                let press = self.mouse_press.and_then(|p| self.point_at(p));
                let point = self.point_at(at)?;
                let Mode::Copy(c) = &mut self.mode else {
                    return None;
                };
                if c.anchor.is_none() {
                    c.anchor = Some(press.unwrap_or(point));
                }
                c.cursor = point;
                c.dragging = true;
                Some(Vec::new())
            }
            MouseEventKind::Up(MouseButton::Left) => {
                self.mouse_press = None;
                if !matches!(self.mode, Mode::Copy(_)) {
                    return None;
                }
                let Mode::Copy(c) = std::mem::replace(&mut self.mode, Mode::Navigate) else {
                    return None;
                };
                if !c.dragging {
                    self.mode = Mode::Copy(c);
                    return Some(Vec::new());
                }
                let effects = self.yank(&c);
                Some(self.leave_copy(&c, effects))
            }
            _ => None,
        }
    }

    /// The absolute cell under a screen position of the active tab.
    pub(super) fn point_at(&self, at: Position) -> Option<Abs> {
        let screen = self.layout.screen();
        let tab = self.tabs.get(self.active)?;
        let emu = tab.terminal.read();
        let len = emu.scrollback().len();
        let top = len - tab.scroll.min(len);
        let p = Point {
            row: top + usize::from(at.y.saturating_sub(screen.y)),
            col: at.x.saturating_sub(screen.x),
        };
        let abs = Abs::of(&emu, p);
        Some(Abs::of(&emu, abs.point(&emu)))
    }
}
