//! `update`: one message in, the model changed, effects out. No I/O, no clock except the
//! wall time stamped on registry records.

use super::msg::{Effect, Msg, PendingExec, TabId};
use super::tab::{Tab, TabState};
use super::{App, Mode};
use crate::domain::Link;
use crate::domain::{ConsoleSize, ExecKey, ExitInfo, Notice};
use crate::registry::LifecycleKind;
use crate::session::terminal::{self, TermChange};

impl App {
    /// Applies one message; returns the I/O to perform.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.observe_clock();
        let tick = matches!(msg, Msg::Tick);
        let mut effects = match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Mouse(ev) => self.on_mouse(ev),
            Msg::Focus(gained) => self.on_focus(gained),
            Msg::Resize(w, h) => self.on_resize(w, h),
            Msg::Feed(item) => self.on_feed(item),
            Msg::Snapshot(snap) => self.on_snapshot(snap),
            Msg::ResyncFailed { generation, error } => self.on_resync_failed(generation, error),
            Msg::Namespaces(ns) => {
                self.namespaces = ns;
                Vec::new()
            }
            Msg::Prepared(p) => {
                let p = *p;
                self.on_prepared(p.pending, p.result)
            }
            Msg::Started { tab, pid } => self.on_started(tab, pid),
            Msg::StartFailed { tab, message } => {
                if let Some(i) = self.tab_index(tab) {
                    let key = self.tabs[i].key.clone();
                    let code = self.registry.start_failed(&key, &message, (self.clock)());
                    self.tabs[i].state = TabState::Failed { code, message };
                    self.leave_terminal_if(i);
                }
                self.maybe_exit()
            }
            Msg::Attached {
                tab,
                pid,
                tty,
                stdin,
                size,
            } => self.on_attached(tab, pid, (tty, stdin), size),
            Msg::AttachRefused { tab, message } => self.on_attach_refused(tab, message),
            Msg::Changed { tab, change } => {
                if let Some(i) = self.tab_index(tab) {
                    self.on_changed(i, &change);
                }
                Vec::new()
            }
            Msg::Notice { tab, notice } => {
                self.on_notice(tab, &notice);
                Vec::new()
            }
            Msg::Ended { tab, exit } => self.on_ended(tab, exit),
            Msg::Described { key, facts } => {
                self.registry.describe_with(&key, &facts);
                Vec::new()
            }
            Msg::KillDone { key, result } => {
                if let Err(e) = result {
                    self.error(format!("kill {}: {e}", key.exec));
                }
                Vec::new()
            }
            Msg::Reaped(lines) => {
                for l in lines {
                    self.log(l, false);
                }
                Vec::new()
            }
            Msg::GcTick => {
                self.registry.gc_sweep((self.clock)());
                self.swept();
                self.clamp_selection();
                Vec::new()
            }
            Msg::Tick => Vec::new(),
            Msg::Saved { what, result } => {
                match result {
                    Ok(path) => {
                        let line = format!("{what} saved to {path}");
                        self.log(line.clone(), false);
                        self.status = Some(line);
                    }
                    Err(e) => self.error(format!("{what} not saved: {e}")),
                }
                Vec::new()
            }
            Msg::Terminate => self.quit(),
            Msg::Error(e) => {
                self.error(e);
                Vec::new()
            }
        };
        self.drain_lifecycle();
        self.end_broadcast_if_idle();
        effects.extend(self.sync_panes());
        self.age_status(tick);
        effects
    }

    /// Registry changes become lines of the events pane.
    fn drain_lifecycle(&mut self) {
        for l in self.registry.take_log() {
            let text = match (&l.kind, &l.exec) {
                (LifecycleKind::Sweep { collected, marked }, _) => {
                    format!("gc sweep: {collected} collected, {marked} marked")
                }
                (kind, Some(k)) => format!(
                    "{} {}/{}: {}",
                    kind_word(kind),
                    k.container,
                    k.exec,
                    kind_detail(kind)
                ),
                (kind, None) => kind_word(kind).to_owned(),
            };
            let error = matches!(l.kind, LifecycleKind::FailedToStart { .. });
            self.log(text.trim_end_matches(": ").to_owned(), error);
        }
    }

    pub(super) fn clamp_selection(&mut self) {
        self.selected_container = self
            .selected_container
            .min(self.visible_containers().len().saturating_sub(1));
        self.selected_exec = self
            .selected_exec
            .min(self.listed_count().saturating_sub(1));
    }

    /// Tab `i`'s terminal changed: a scrolled-back view stays on the same lines; a bell
    /// marks a hidden tab.
    fn on_changed(&mut self, i: usize, change: &TermChange) {
        let shown = self.is_shown(i);
        let t = &mut self.tabs[i];
        // A bell in a tab out of sight marks it until it is shown.
        if change.bells > t.seen_bells && !shown {
            t.bell = true;
        }
        t.seen_bells = change.bells;
        if change.title != t.program_title {
            t.program_title.clone_from(&change.title);
        }
        if t.scroll > 0 {
            let moved = usize::try_from(change.scrolled).unwrap_or(usize::MAX);
            t.scroll = t.scroll.saturating_add(moved);
        }
        t.scroll = t.scroll.min(change.scrollback);
        t.scrollback = change.scrollback;
        t.modes = change.modes;
    }

    fn on_notice(&mut self, tab: TabId, notice: &Notice) {
        let Some(i) = self.tab_index(tab) else { return };
        match notice {
            Notice::Link(link) => {
                self.tabs[i].link = link.clone();
                if let Link::Reconnecting { error } = link {
                    self.log(
                        format!(
                            "{}: containerd unreachable ({error}); reconnecting",
                            self.tabs[i].key.exec
                        ),
                        true,
                    );
                }
            }
            Notice::KillPending(why) => {
                // Shown on the tab and the status bar while it lasts.
                self.tabs[i].pending = Some(why.clone());
                let line = format!("kill pending ({why}): {}", self.tabs[i].key.exec);
                self.log(line, false);
            }
            Notice::InputLost(n) => {
                self.error(format!(
                    "{} stopped reading its input: {n} bytes not delivered",
                    self.tabs[i].key.exec
                ));
            }
        }
    }

    fn on_prepared(
        &mut self,
        pending: PendingExec,
        result: Result<(crate::domain::ProcessDefaults, ExecKey, Vec<String>), String>,
    ) -> Vec<Effect> {
        let grouped = self.claim_grouped(&pending);
        let (defaults, key, args) = match result {
            Ok(r) => r,
            Err(e) => {
                self.error(e);
                return Vec::new();
            }
        };
        let mut config = pending.config;
        if pending.shell.is_some() {
            config.args = args;
        }
        let (rows, cols) = self.new_tab_console();
        config.console = config.tty.then_some(ConsoleSize { rows, cols });
        let now = (self.clock)();
        // Detach keys work with or without a tty: both are typed into the tab.
        let detach = match self.registry.create(key.clone(), &config, &defaults, now) {
            Ok(rec) => rec.detach_keys.clone(),
            Err(e) => {
                self.error(e.to_string());
                return Vec::new();
            }
        };
        let plan = match self.registry.start(&key, None) {
            Ok(p) => p,
            Err(e) => {
                self.error(e.to_string());
                return Vec::new();
            }
        };
        let id = self.next_tab_id();
        let name = self
            .containers
            .iter()
            .find(|c| c.key() == pending.container)
            .and_then(|c| c.display_name().map(str::to_owned))
            .unwrap_or_else(|| key.container.to_string());
        let title = super::tab::title(&name, &config.args);
        let (terminal, view) = terminal::pair(rows, cols, self.settings.scrollback_lines);
        self.tabs.push(Tab::new(
            id,
            key,
            title,
            config.tty,
            (view, (rows, cols)),
            detach,
        ));
        self.active = self.tabs.len() - 1;
        // A new tab opens focused, in terminal mode (unless a dialog is open over it).
        if matches!(self.mode, Mode::Navigate | Mode::Terminal) {
            self.mode = Mode::Terminal;
        }
        if grouped {
            self.grouped_tab_opened();
        }
        vec![Effect::Launch {
            tab: id,
            plan,
            terminal,
        }]
    }

    fn on_started(&mut self, tab: TabId, pid: u32) -> Vec<Effect> {
        let Some(i) = self.tab_index(tab) else {
            return Vec::new();
        };
        let t = &mut self.tabs[i];
        let key = t.key.clone();
        self.registry.started(&key, pid, (self.clock)());
        if t.state == TabState::Closing {
            // Closed while starting: the kill is on its way, the tab stays closing.
            return Vec::new();
        }
        t.state = TabState::Running { pid };
        // The pane may have changed between create and start: its size after Start wins.
        let t = &self.tabs[i];
        let (rows, cols) = t.size;
        if t.tty
            && self.registry.get(&key).and_then(|r| r.console) != Some(ConsoleSize { rows, cols })
        {
            return vec![Effect::Resize {
                tab,
                size: ConsoleSize { rows, cols },
            }];
        }
        Vec::new()
    }

    fn on_ended(&mut self, tab: TabId, exit: Result<ExitInfo, String>) -> Vec<Effect> {
        if let Some(i) = self.tab_index(tab) {
            let killed = self.tabs[i].state == TabState::Closing;
            let key = self.tabs[i].key.clone();
            match exit {
                Ok(e) => {
                    self.registry.exited(&key, Some(e), (self.clock)());
                    self.tabs[i].state = TabState::Exited {
                        code: Some(e.code),
                        killed,
                    };
                }
                Err(e) => {
                    self.registry.exited(&key, None, (self.clock)());
                    self.tabs[i].state = TabState::Exited { code: None, killed };
                    self.error(format!("exec {}: {e}", key.exec));
                }
            }
            self.leave_terminal_if(i);
        }
        self.maybe_exit()
    }

    fn leave_terminal_if(&mut self, i: usize) {
        if i == self.active && matches!(self.mode, Mode::Terminal) {
            self.mode = Mode::Navigate;
        }
    }

    fn maybe_exit(&mut self) -> Vec<Effect> {
        if self.quitting && self.running_tabs() == 0 {
            vec![Effect::Exit]
        } else {
            Vec::new()
        }
    }
}

fn kind_word(kind: &LifecycleKind) -> &'static str {
    match kind {
        LifecycleKind::Created { .. } => "exec_create",
        LifecycleKind::Started { .. } => "exec_start",
        LifecycleKind::Exited { .. } => "exit",
        LifecycleKind::Killed { .. } => "kill",
        LifecycleKind::FailedToStart { .. } => "failed to start",
        LifecycleKind::Detached => "exec_detach",
        LifecycleKind::Collected => "collected",
        LifecycleKind::Sweep { .. } => "gc sweep",
    }
}

fn kind_detail(kind: &LifecycleKind) -> String {
    let code = |c: &Option<u32>| c.map_or_else(|| "?".to_owned(), |c| c.to_string());
    match kind {
        LifecycleKind::Created { command } => command.clone(),
        // Kubernetes tells no pid (0).
        LifecycleKind::Started { pid: 0 } => "started".into(),
        LifecycleKind::Started { pid } => format!("pid {pid}"),
        LifecycleKind::Exited { code: c } | LifecycleKind::Killed { code: c } => code(c),
        LifecycleKind::FailedToStart { code, message } => format!("{message} ({code})"),
        _ => String::new(),
    }
}
