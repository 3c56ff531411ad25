//! Terminal mode: keys and pastes go to the active tab's exec (except the detach sequence,
//! the zoom chord and the scrollback keys), and so do focus reports when asked for.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::tab::ZOOM_KEY;
use super::{App, Mode};
use crate::registry::detach_keys::Scan;
use crate::session::keys;

/// Ctrl-D: end of input for a tab without a tty.
const CTRL_D: u8 = 4;

impl App {
    /// Shift-PageUp/Down scroll the focused tab by half its height (true when `key` was
    /// one of them), in terminal and broadcast mode alike.
    pub(super) fn scroll_key(&mut self, key: &KeyEvent) -> bool {
        if !(key.modifiers.contains(KeyModifiers::SHIFT)
            && matches!(key.code, KeyCode::PageUp | KeyCode::PageDown))
        {
            return false;
        }
        let half = usize::from(self.focused_console().0 / 2)
            .max(1)
            .cast_signed();
        self.scroll_active(if key.code == KeyCode::PageUp {
            half
        } else {
            -half
        });
        true
    }

    pub(super) fn terminal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.scroll_key(&key) {
            return Vec::new();
        }
        let Some(tab) = self.tabs.get_mut(self.active) else {
            self.mode = Mode::Navigate;
            return Vec::new();
        };
        if !tab.state.is_running() {
            self.mode = Mode::Navigate;
            return Vec::new();
        }
        let modes = tab.key_modes();
        let Some(bytes) = keys::encode(&key, modes) else {
            return Vec::new();
        };
        if tab.zoom.held && bytes == [ZOOM_KEY] {
            // The held prefix belonged to the chord: the exec sees neither key.
            tab.zoom.held = false;
            let _ = tab.matcher.flush();
            return self.toggle_zoom();
        }
        if let Some(chord) = super::split_view::chord(&self.keymap, &key).filter(|_| tab.zoom.held)
        {
            // The prefix, then an arrow or the split key: the split's, not the exec's.
            tab.zoom.held = false;
            let _ = tab.matcher.flush();
            return self.split_chord(chord);
        }
        if let Some(search) = super::copy::chord(&bytes).filter(|_| tab.zoom.held) {
            tab.zoom.held = false;
            let _ = tab.matcher.flush();
            return self.enter_copy(search);
        }
        tab.zoom.held = tab.zoom.prefix.is_some_and(|p| bytes == [p]);
        tab.scroll = 0;
        if !tab.tty && !tab.input_closed && bytes == [CTRL_D] {
            // No tty turns ctrl-d into an end of input: the tab does, by closing stdin (what
            // the detach matcher held back goes first).
            tab.input_closed = true;
            let held = tab.matcher.flush();
            let id = tab.id;
            self.status = Some("end of input sent (stdin closed)".into());
            let mut effects = Vec::new();
            if !held.is_empty() {
                effects.push(Effect::Input {
                    tab: id,
                    bytes: held,
                });
            }
            effects.push(Effect::Eof { tab: id });
            return effects;
        }
        match tab.matcher.scan(&bytes) {
            Scan::Forward(b) if tab.input_closed && !b.is_empty() => {
                self.status = Some("the exec's stdin is closed: keys go nowhere".into());
                Vec::new()
            }
            Scan::Forward(b) if b.is_empty() => Vec::new(),
            Scan::Forward(b) => vec![Effect::Input {
                tab: tab.id,
                bytes: b,
            }],
            Scan::Detach { before } => {
                let (id, key) = (tab.id, tab.key.clone());
                self.mode = Mode::Navigate;
                self.registry.detached(&key, (self.clock)());
                self.status = Some(format!(
                    "detached from {}; it keeps running (i to focus it again)",
                    key.exec
                ));
                if before.is_empty() {
                    Vec::new()
                } else {
                    vec![Effect::Input {
                        tab: id,
                        bytes: before,
                    }]
                }
            }
        }
    }

    /// The host terminal's focus, reported to the focused tab's program when it asked
    /// (mode 1004).
    pub(super) fn on_focus(&mut self, gained: bool) -> Vec<Effect> {
        if !matches!(self.mode, Mode::Terminal) {
            return Vec::new();
        }
        let Some(tab) = self
            .tabs
            .get(self.active)
            .filter(|t| t.state.is_running() && !t.input_closed)
        else {
            return Vec::new();
        };
        if !tab.modes.focus_reports {
            return Vec::new();
        }
        let bytes = if gained { b"\x1b[I" } else { b"\x1b[O" };
        vec![Effect::Input {
            tab: tab.id,
            bytes: bytes.to_vec(),
        }]
    }

    pub(super) fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        match &mut self.mode {
            Mode::Terminal => {
                let Some(tab) = self
                    .tabs
                    .get_mut(self.active)
                    .filter(|t| t.state.is_running() && !t.input_closed)
                else {
                    return Vec::new();
                };
                let modes = tab.key_modes();
                tab.scroll = 0;
                vec![Effect::Input {
                    tab: tab.id,
                    bytes: keys::encode_paste(text, modes),
                }]
            }
            Mode::Broadcast => self.broadcast_paste(text),
            Mode::Filter => {
                self.filter.push_str(text.lines().next().unwrap_or(""));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
