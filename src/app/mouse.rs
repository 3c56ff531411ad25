//! The mouse: over a tab's screen, events go to its program when it asked for mouse
//! reports, the wheel sends cursor keys on its alternate screen (xterm's alternateScroll) or
//! scrolls our ring; elsewhere, clicks pick tabs and rows.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::msg::Effect;
use super::{App, Mode, Pane};
use crate::session::modes::{Modes, MouseTracking};
use crate::session::mouse;

/// Lines moved per wheel step.
const WHEEL: usize = 3;

impl App {
    pub(super) fn on_mouse(&mut self, ev: MouseEvent) -> Vec<Effect> {
        let at = Position::new(ev.column, ev.row);
        let l = self.layout;
        if let Some(effects) = self.mouse_to_exec(ev, at) {
            return effects;
        }
        if let Some(effects) = self.copy_mouse(ev, at) {
            return effects;
        }
        match ev.kind {
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown if l.terminal.contains(at) => {
                // The wheel scrolls the pane under it.
                let up = ev.kind == MouseEventKind::ScrollUp;
                let i = self.pane_at(at).map_or(self.active, |(i, _)| i);
                let lines = WHEEL.cast_signed();
                self.scroll_tab(i, if up { lines } else { -lines });
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if l.tab_bar.contains(at) {
                    if let Some(i) = self.tab_bar().tab_at(at.x) {
                        self.active = i;
                    }
                } else if l.terminal.contains(at) {
                    if let Some((i, _)) = self.pane_at(at) {
                        self.focus_tab(i);
                    }
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

    /// The event as the program of the tab under it gets it, when it goes there (None: ours).
    fn mouse_to_exec(&mut self, ev: MouseEvent, at: Position) -> Option<Vec<Effect>> {
        let (i, screen) = self.pane_at(at)?;
        let focused = match self.mode {
            Mode::Terminal => i == self.active,
            Mode::Navigate => false,
            _ => return None,
        };
        if !screen.contains(at) {
            return None;
        }
        let tab = self
            .tabs
            .get_mut(i)
            .filter(|t| t.state.is_running() && !t.input_closed)?;
        let modes = tab.modes;
        let bytes = match route(ev.kind, focused, tab.scroll > 0, modes) {
            Route::Ours => return None,
            Route::Report => mouse::encode(
                ev.kind,
                ev.modifiers,
                at.x - screen.x,
                at.y - screen.y,
                modes,
            ),
            Route::Arrows { up } => {
                let one: &[u8] = match (up, modes.application_cursor) {
                    (true, false) => b"\x1b[A",
                    (false, false) => b"\x1b[B",
                    (true, true) => b"\x1bOA",
                    (false, true) => b"\x1bOB",
                };
                Some(one.repeat(WHEEL))
            }
        };
        let id = tab.id;
        Some(
            bytes
                .map(|bytes| Effect::Input { tab: id, bytes })
                .into_iter()
                .collect(),
        )
    }

    /// Scrolls the active tab by `lines` (positive: back into the scrollback).
    pub(super) fn scroll_active(&mut self, lines: isize) {
        self.scroll_tab(self.active, lines);
    }
}

/// Where a mouse event over a running tab's screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// To the program, as a mouse report (it asked for them).
    Report,
    /// To the program, as three cursor keys (the wheel on its alternate screen).
    Arrows { up: bool },
    /// Ours: the wheel scrolls the ring, a click focuses the tab.
    Ours,
}

/// The routing rule: `focused` when keys go to the tab, `scrolled` when it shows its ring.
/// The wheel is the program's when it asks for it even in navigation mode (it has no other
/// use over a tab); clicks are only once the tab has the keys.
pub(super) fn route(kind: MouseEventKind, focused: bool, scrolled: bool, modes: Modes) -> Route {
    let reporting = modes.mouse_tracking != MouseTracking::None;
    let wheel = match kind {
        MouseEventKind::ScrollUp => Some(true),
        MouseEventKind::ScrollDown => Some(false),
        _ => None,
    };
    match wheel {
        Some(_) if scrolled => Route::Ours,
        Some(up) if !reporting && modes.alternate_screen && modes.alternate_scroll => {
            Route::Arrows { up }
        }
        Some(_) if reporting => Route::Report,
        None if focused && reporting => Route::Report,
        _ => Route::Ours,
    }
}
