//! Re-attach: `Enter` on a running exec of ours that another execmux left (gone, or
//! detached it) opens it in a tab; the effects runner takes it over and it is ours from then
//! on (a close kills it). A foreign exec is refused with the reason.

use super::msg::{Effect, TabId};
use super::tab::{Tab, TabState};
use super::{App, Mode};
use crate::domain::{ConsoleSize, EXEC_ID_PREFIX, ExecKey};
use crate::session::terminal;

/// Why a foreign exec is not opened.
pub fn foreign_refusal(exec: &str) -> String {
    format!(
        "exec {exec}: its output cannot be read without stealing it from its owner (ctr, \
         Docker, kubelet)"
    )
}

impl App {
    /// Opens a tab that takes over the running exec `key` (no tab of this window has it).
    pub(super) fn attach(&mut self, key: &ExecKey) -> Vec<Effect> {
        let Some(rec) = self.registry.get(key) else {
            return Vec::new();
        };
        if !rec.is_live() {
            self.status = Some(format!(
                "exec {} has ended ({}): nothing to attach",
                key.exec, rec.state
            ));
            return Vec::new();
        }
        if !key.exec.as_str().starts_with(EXEC_ID_PREFIX) {
            self.status = Some(foreign_refusal(key.exec.as_str()));
            return Vec::new();
        }
        let detach = self.detach_keys();
        let name = self
            .containers
            .iter()
            .find(|c| c.namespace == key.namespace && c.id == key.container)
            .and_then(|c| c.display_name().map(str::to_owned))
            .unwrap_or_else(|| key.container.to_string());
        let title = super::tab::title(&name, &rec.command);
        let tty = rec.tty;
        let (rows, cols) = self.layout.console();
        let (terminal, view) = terminal::pair(rows, cols, self.settings.scrollback_lines);
        let id = self.next_tab_id();
        self.tabs.push(Tab::new(
            id,
            key.clone(),
            title,
            tty,
            (view, (rows, cols)),
            detach,
        ));
        self.active = self.tabs.len() - 1;
        if matches!(self.mode, Mode::Navigate | Mode::Terminal) {
            self.mode = Mode::Terminal;
        }
        self.status = Some(format!("attaching to {} ...", key.exec));
        vec![Effect::Attach {
            tab: id,
            key: key.clone(),
            terminal,
        }]
    }

    /// The exec is ours now: the registry says so and the tab runs.
    pub(super) fn on_attached(
        &mut self,
        tab: TabId,
        pid: u32,
        (tty, stdin): (bool, bool),
        given: ConsoleSize,
    ) -> Vec<Effect> {
        let Some(i) = self.tab_index(tab) else {
            return Vec::new();
        };
        let key = self.tabs[i].key.clone();
        let detach = self.detach_keys();
        self.registry.adopt(&key, tty, stdin, detach);
        self.log(
            format!("exec_attach {}/{}: pid {pid}", key.container, key.exec),
            false,
        );
        if self
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("attaching"))
        {
            self.status = None;
        }
        let t = &mut self.tabs[i];
        t.tty = tty;
        t.input_closed = !stdin;
        if t.state == TabState::Closing {
            return Vec::new();
        }
        t.state = TabState::Running { pid };
        // The take-over sized the exec's terminal as the tab was; the layout may have
        // changed since.
        let (rows, cols) = self.layout.console();
        if tty && given != (ConsoleSize { rows, cols }) {
            vec![Effect::Resize {
                tab,
                size: ConsoleSize { rows, cols },
            }]
        } else {
            Vec::new()
        }
    }

    /// The take-over was refused or failed: the tab goes and the reason stays in sight.
    pub(super) fn on_attach_refused(&mut self, tab: TabId, message: String) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(i) = self.tab_index(tab) {
            self.tabs.remove(i);
            effects.push(Effect::Dismiss { tab });
            if self.active > i {
                self.active = self.active.saturating_sub(1);
            }
            self.active = self.active.min(self.tabs.len().saturating_sub(1));
            if matches!(self.mode, Mode::Terminal) {
                self.mode = Mode::Navigate;
            }
        }
        self.error(message);
        effects.extend(self.unzoom_if_no_tab());
        effects.extend(self.maybe_exit_after_attach());
        effects
    }

    /// This console's detach keys (the config's, checked at start; Docker's if they do not
    /// parse).
    fn detach_keys(&self) -> Vec<u8> {
        self.settings.detach.clone()
    }

    fn maybe_exit_after_attach(&self) -> Vec<Effect> {
        if self.quitting && self.running_tabs() == 0 {
            vec![Effect::Exit]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests;
