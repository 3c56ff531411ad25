//! Keys outside terminal mode: navigation mode through the keymap, the filter, help,
//! confirmations and the form.

use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::form::Outcome;
use super::msg::{Effect, PendingExec};
use super::tab::TabState;
use super::{App, Confirm, Form, Mode, Pane};
use crate::domain::Scope;
use crate::keymap::Action;
use crate::registry::{ExecConfig, Origin};

/// Longest part of a program's own title shown on its tab.
const PROGRAM_TITLE_MAX: usize = 24;

/// Shown on a tab whose program rang the bell while it was hidden.
pub const BELL_MARK: &str = "🔔";

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        match &mut self.mode {
            Mode::Terminal => self.terminal_key(key),
            Mode::Broadcast => self.broadcast_key(key),
            Mode::Filter => {
                match key.code {
                    KeyCode::Esc => {
                        self.filter.clear();
                        self.mode = Mode::Navigate;
                    }
                    KeyCode::Enter => self.mode = Mode::Navigate,
                    KeyCode::Backspace => {
                        self.filter.pop();
                    }
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        self.filter.push(c);
                    }
                    _ => {}
                }
                self.selected_container = 0;
                self.selected_exec = 0;
                Vec::new()
            }
            Mode::ExecFilter => self.exec_filter_key(key),
            Mode::Help => {
                // Arrows, j/k and the page keys scroll a help taller than the window.
                match key.code {
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.help_scroll = self.help_scroll.saturating_sub(1);
                    }
                    KeyCode::Down | KeyCode::Char('j') => self.help_scroll += 1,
                    KeyCode::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                    KeyCode::PageDown => self.help_scroll += 10,
                    _ => self.mode = Mode::Navigate,
                }
                Vec::new()
            }
            Mode::Confirm(c) => {
                let c = c.clone();
                self.mode = Mode::Navigate;
                if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                    self.confirmed(c)
                } else {
                    Vec::new()
                }
            }
            Mode::Form(form) => match form.key(key) {
                Outcome::Editing => Vec::new(),
                Outcome::Cancel => {
                    self.mode = Mode::Navigate;
                    Vec::new()
                }
                Outcome::Submit(config) => {
                    let container = form.container.clone();
                    let targets = std::mem::take(&mut form.targets);
                    self.mode = Mode::Navigate;
                    if !targets.is_empty() {
                        return self.open_group(targets, &config);
                    }
                    vec![Effect::Prepare(PendingExec {
                        container,
                        config,
                        shell: None,
                    })]
                }
            },
            Mode::Navigate => self.navigate_key(key),
            Mode::Copy(_) => self.copy_key(key),
        }
    }

    fn navigate_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let (true, KeyCode::Char(c @ '1'..='9')) =
            (key.modifiers.contains(KeyModifiers::ALT), key.code)
        {
            let i = (c as usize) - ('1' as usize);
            if i < self.tabs.len() {
                self.active = i;
            }
            return Vec::new();
        }
        if key.code == KeyCode::Esc {
            self.status = None;
            return Vec::new();
        }
        let Some(action) = self.keymap.action(&key) else {
            return Vec::new();
        };
        self.status = None;
        self.act(action)
    }

    fn act(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                // Asked once; again while closing, it stops waiting for slow closes.
                if self.running_tabs() > 0 && !self.quitting {
                    self.mode = Mode::Confirm(Confirm::Quit);
                    Vec::new()
                } else {
                    self.quit()
                }
            }
            Action::Help => {
                self.mode = Mode::Help;
                self.help_scroll = 0;
                Vec::new()
            }
            Action::Up | Action::Down => {
                self.move_selection(action == Action::Down);
                Vec::new()
            }
            Action::NextPane => {
                self.focus = match self.focus {
                    Pane::Containers => Pane::Execs,
                    Pane::Execs => Pane::Events,
                    Pane::Events => Pane::Containers,
                };
                Vec::new()
            }
            Action::Filter => {
                self.mode = Mode::Filter;
                Vec::new()
            }
            Action::Open => self.open(),
            Action::NewExec => {
                match self.selected_container() {
                    Some(c) => {
                        let key = c.key();
                        self.mode =
                            Mode::Form(Box::new(Form::new(key, &self.settings.detach_keys)));
                    }
                    None => self.status = Some("no container selected".into()),
                }
                Vec::new()
            }
            Action::PrevTab | Action::NextTab => {
                let n = self.tabs.len();
                if n > 0 {
                    self.active = if action == Action::NextTab {
                        (self.active + 1) % n
                    } else {
                        (self.active + n - 1) % n
                    };
                }
                Vec::new()
            }
            Action::FocusTab => {
                match self.active_tab().map(|t| t.state.clone()) {
                    Some(s) if s.is_running() => self.mode = Mode::Terminal,
                    Some(s) => {
                        self.status = Some(format!("the tab's exec has ended ({})", s.label()));
                    }
                    None => {
                        self.status =
                            Some("no tab open: Enter on a container opens its shell".into());
                    }
                }
                Vec::new()
            }
            Action::CloseTab => self.close_active(),
            Action::Zoom => self.toggle_zoom(),
            Action::Mark => self.toggle_mark(),
            Action::Broadcast => self.start_broadcast(),
            Action::OpenAll => self.open_in_all_form(),
            Action::Split => self.cycle_split(),
            Action::PaneLeft | Action::PaneRight | Action::PaneUp | Action::PaneDown => {
                super::split_view::direction(action).map_or_else(Vec::new, |d| self.focus_pane(d))
            }
            Action::CopyMode => self.enter_copy(false),
            Action::Search => self.enter_copy(true),
            Action::Transcript => self.transcript(false),
            Action::TranscriptColour => self.transcript(true),
            Action::KillExec => self.kill_selected(),
            Action::Namespace => self.next_namespace(),
            Action::SortExecs => self.cycle_exec_sort(),
            Action::FilterExecs => self.start_exec_filter(),
            Action::AllExecs => self.toggle_node_wide(),
            Action::ScrollUp | Action::ScrollDown => {
                let half = usize::from(self.focused_console().0 / 2).max(1);
                self.scroll_active(if action == Action::ScrollUp {
                    half.cast_signed()
                } else {
                    -half.cast_signed()
                });
                Vec::new()
            }
        }
    }

    fn move_selection(&mut self, down: bool) {
        let step = |v: usize, len: usize| {
            if down {
                (v + 1).min(len.saturating_sub(1))
            } else {
                v.saturating_sub(1)
            }
        };
        match self.focus {
            Pane::Containers => {
                self.selected_container =
                    step(self.selected_container, self.visible_containers().len());
                self.selected_exec = 0;
            }
            Pane::Execs => {
                self.selected_exec = step(self.selected_exec, self.visible_execs().len());
            }
            Pane::Events => {
                self.events_scroll = step(self.events_scroll, self.events.len());
            }
        }
    }

    /// All namespaces, then each in turn.
    fn next_namespace(&mut self) -> Vec<Effect> {
        let mut all = vec![Scope::All];
        all.extend(self.namespaces.iter().cloned().map(Scope::One));
        let i = all
            .iter()
            .position(|s| *s == self.scope)
            .map_or(0, |i| (i + 1) % all.len());
        self.scope = all.swap_remove(i);
        self.selected_container = 0;
        self.selected_exec = 0;
        let mut effects = vec![Effect::ListNamespaces];
        effects.extend(self.resync_new_scope());
        effects
    }

    /// Enter: a container opens its shell; an exec of ours re-opens its tab, or is taken
    /// over into a new one when another execmux left it.
    fn open(&mut self) -> Vec<Effect> {
        match self.focus {
            Pane::Execs => {
                let Some(rec) = self.selected_exec() else {
                    return Vec::new();
                };
                let key = rec.key.clone();
                if let Some(i) = self.tabs.iter().position(|t| t.key == key) {
                    self.active = i;
                    if self.tabs[i].state.is_running() {
                        self.mode = Mode::Terminal;
                    }
                } else {
                    return self.attach(&key);
                }
                Vec::new()
            }
            Pane::Containers | Pane::Events => {
                let Some(c) = self.selected_container() else {
                    self.status = Some("no container selected".into());
                    return Vec::new();
                };
                let container = c.key();
                let config = ExecConfig {
                    tty: true,
                    stdin: true,
                    detach_keys: Some(self.settings.detach_keys.clone()),
                    ..ExecConfig::default()
                };
                vec![Effect::Prepare(PendingExec {
                    container,
                    config,
                    shell: Some(self.settings.shell.clone()),
                })]
            }
        }
    }

    fn close_active(&mut self) -> Vec<Effect> {
        let Some(tab) = self.active_tab() else {
            return Vec::new();
        };
        if tab.state.is_running() {
            self.mode = Mode::Confirm(Confirm::CloseTab(tab.id));
            return Vec::new();
        }
        let gone = self.tabs.remove(self.active).id;
        self.active = self.active.min(self.tabs.len().saturating_sub(1));
        let mut effects = vec![Effect::Dismiss { tab: gone }];
        effects.extend(self.unzoom_if_no_tab());
        effects
    }

    fn kill_selected(&mut self) -> Vec<Effect> {
        let Some(rec) = self.selected_exec() else {
            return Vec::new();
        };
        if !rec.is_live() {
            self.status = Some(format!("exec {} is not running", rec.key.exec));
            return Vec::new();
        }
        let key = rec.key.clone();
        let own = rec.origin == Origin::Own;
        match self.tabs.iter().find(|t| t.key == key) {
            Some(t) if own => self.mode = Mode::Confirm(Confirm::CloseTab(t.id)),
            _ => self.mode = Mode::Confirm(Confirm::Kill(key)),
        }
        Vec::new()
    }

    fn confirmed(&mut self, c: Confirm) -> Vec<Effect> {
        match c {
            Confirm::CloseTab(id) => {
                let Some(i) = self.tab_index(id) else {
                    return Vec::new();
                };
                let tab = &mut self.tabs[i];
                if !tab.state.is_running() {
                    return Vec::new();
                }
                tab.state = TabState::Closing;
                self.registry.kill_requested(&tab.key);
                vec![Effect::Close { tab: id }]
            }
            Confirm::Kill(key) => {
                self.registry.kill_requested(&key);
                vec![Effect::Kill { key }]
            }
            Confirm::Quit => self.quit(),
        }
    }

    /// Closes every tab (kill, wait, delete), then exits. Asked again while closes are slow
    /// (a paused container holds its kill), it stops waiting for those exits.
    pub(super) fn quit(&mut self) -> Vec<Effect> {
        let again = self.quitting;
        self.quitting = true;
        let mut effects = Vec::new();
        for tab in &mut self.tabs {
            if tab.state == TabState::Closing {
                if again {
                    effects.push(Effect::Force { tab: tab.id });
                }
            } else if tab.state.is_running() {
                tab.state = TabState::Closing;
                self.registry.kill_requested(&tab.key);
                effects.push(Effect::Close { tab: tab.id });
            }
        }
        if self.running_tabs() == 0 {
            effects.push(Effect::Exit);
        } else {
            self.status = Some(format!("closing {} exec(s) ...", self.running_tabs()));
        }
        effects
    }
}

impl App {
    /// Tab titles as the tab bar shows them: number (for Alt-N), state mark, a bell mark,
    /// title, and the title the program set (cut short).
    pub fn tab_titles(&self) -> Vec<String> {
        self.tabs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let bell = if t.bell { BELL_MARK } else { "" };
                let mark = self.tab_mark(i);
                let mut title = format!("{}:{}{bell}{mark} {}", i + 1, t.state.mark(), t.title);
                if let Some(set) = t.program_title.as_deref().filter(|s| !s.trim().is_empty()) {
                    let cut: String = set.chars().take(PROGRAM_TITLE_MAX).collect();
                    let more = if cut.len() < set.len() { "…" } else { "" };
                    let _ = write!(title, "  [{cut}{more}]");
                }
                title
            })
            .collect()
    }
}
