//! The console's model: containers, the exec registry, tabs with their emulated screens,
//! events, the mode and the focus. `update` (state + message -> state + effects) does no
//! I/O; the effects runner does it and answers with messages.

mod attach;
pub mod broadcast;
pub mod copy;
mod copy_mouse;
pub mod execlist;
mod feed;
mod form;
mod input;
pub mod layout;
mod mouse;
pub mod msg;
mod notice;
mod resync;
pub mod search;
pub mod split;
mod split_view;
pub mod tab;
pub mod tab_bar;
mod terminal;
mod transcript;
mod update;
mod zoom;

use std::collections::VecDeque;
use std::time::SystemTime;

use crate::keymap::Keymap;
pub use form::{Field, Form};
use layout::Layout;
use msg::TabId;
use ratatui::layout::Rect;
use tab::Tab;

use crate::config::Config;
use crate::domain::Scope;
use crate::domain::{ContainerInfo, ContainerKey, ExecKey, Namespace};
use crate::registry::{ExecRecord, Registry, detach_keys};

/// Events kept for the events pane.
const EVENTS_KEPT: usize = 500;

/// The pane that has the focus in navigation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Containers,
    Execs,
    Events,
}

/// A question waiting for `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    CloseTab(TabId),
    Kill(ExecKey),
    Quit,
}

/// What keys do right now.
#[derive(Debug)]
pub enum Mode {
    Navigate,
    /// Keys go to the active tab's exec.
    Terminal,
    Filter,
    /// Keys edit the exec list's filter.
    ExecFilter,
    Help,
    Confirm(Confirm),
    Form(Box<Form>),
    /// Keys and pastes go to every marked tab whose exec runs.
    Broadcast,
    /// Copy mode over the active tab: cursor, selection, search.
    Copy(Box<copy::Copy>),
}

/// Whether containerd's event stream is live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected,
    Reconnecting(String),
}

/// One line of the events pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLine {
    pub at: SystemTime,
    pub text: String,
    pub error: bool,
}

/// Settings the app uses from the config.
#[derive(Debug, Clone)]
pub struct Settings {
    pub shell: Vec<String>,
    pub scrollback_lines: usize,
    /// The detach keys as the config spells them (shown in the help and status bar).
    pub detach_keys: String,
    /// The same keys as bytes, parsed once here (Docker's when they do not parse: the
    /// config checks them when it loads).
    pub detach: Vec<u8>,
}

impl Settings {
    /// The bytes of a detach-key spec, or of Docker's default when it does not parse.
    #[must_use]
    pub fn detach_bytes(spec: &str) -> Vec<u8> {
        detach_keys::parse(spec)
            .or_else(|_| detach_keys::parse(detach_keys::DEFAULT))
            .unwrap_or_default()
    }
}

#[derive(Debug)]
pub struct App {
    pub settings: Settings,
    pub keymap: Keymap,
    pub address: String,
    pub scope: Scope,
    pub namespaces: Vec<Namespace>,
    pub registry: Registry,
    pub containers: Vec<ContainerInfo>,
    pub filter: String,
    pub selected_container: usize,
    pub selected_exec: usize,
    pub events_scroll: usize,
    /// Lines the help overlay is scrolled down.
    pub help_scroll: u16,
    pub focus: Pane,
    pub mode: Mode,
    pub tabs: Vec<Tab>,
    pub active: usize,
    pub events: VecDeque<EventLine>,
    pub connection: Connection,
    pub status: Option<String>,
    /// When the status message came (it expires).
    status_shown: notice::Shown,
    pub layout: Layout,
    /// Which tabs the terminal area shows, and how.
    pub split: split::SplitView,
    pub quitting: bool,
    pub resyncs: resync::Resyncs,
    pub broadcast: broadcast::Broadcast,
    /// The wall clock (a fixed one in tests, so frames are deterministic).
    pub clock: fn() -> SystemTime,
    pub execlist: execlist::ExecList,
    pub theme: crate::theme::Theme,
    /// Where the left button went down over a tab's screen (a drag selects from there).
    pub mouse_press: Option<ratatui::layout::Position>,
    /// The backend is a Kubernetes cluster: pods' containers, and no list of execs but
    /// this console's own.
    pub cluster: bool,
    next_tab: u64,
}

impl App {
    pub fn new(config: &Config, address: String, scope: Scope, size: (u16, u16)) -> Self {
        Self {
            settings: Settings {
                shell: config.shell.clone(),
                scrollback_lines: config.scrollback_lines,
                detach_keys: config.detach_keys.clone(),
                detach: Settings::detach_bytes(&config.detach_keys),
            },
            keymap: config.keymap(),
            address,
            scope,
            namespaces: Vec::new(),
            registry: Registry::new(config.history),
            containers: Vec::new(),
            filter: String::new(),
            selected_container: 0,
            selected_exec: 0,
            events_scroll: 0,
            help_scroll: 0,
            focus: Pane::Containers,
            mode: Mode::Navigate,
            tabs: Vec::new(),
            active: 0,
            events: VecDeque::new(),
            connection: Connection::Connecting,
            status: None,
            status_shown: notice::Shown::default(),
            layout: Layout::new(Rect::new(0, 0, size.0, size.1)),
            split: split::SplitView::default(),
            quitting: false,
            resyncs: resync::Resyncs::default(),
            broadcast: broadcast::Broadcast::new(Settings::detach_bytes(&config.detach_keys)),
            clock: SystemTime::now,
            execlist: execlist::ExecList::new(std::time::Duration::from_secs(
                config.gc_interval_secs,
            )),
            theme: config.theme(),
            mouse_press: None,
            cluster: false,
            next_tab: 1,
        }
    }

    /// Containers in scope that pass the filter, in display order.
    pub fn visible_containers(&self) -> Vec<&ContainerInfo> {
        let needle = self.filter.to_lowercase();
        self.containers
            .iter()
            .filter(|c| self.scope.namespace().is_none_or(|ns| *ns == c.namespace))
            .filter(|c| {
                needle.is_empty()
                    || c.id.as_str().to_lowercase().contains(&needle)
                    || c.display_name()
                        .is_some_and(|n| n.to_lowercase().contains(&needle))
                    || c.image.to_lowercase().contains(&needle)
                    || broadcast::label_matches(c, &needle)
            })
            .collect()
    }

    pub fn selected_container(&self) -> Option<&ContainerInfo> {
        self.visible_containers()
            .get(self.selected_container)
            .copied()
    }

    /// The exec list: the selected container's execs (or every exec on the node), through
    /// its filter, in its order (by default live and finished first, newest first, then the
    /// collected ones).
    pub fn visible_execs(&self) -> Vec<&ExecRecord> {
        self.listed_execs()
    }

    pub fn selected_exec(&self) -> Option<&ExecRecord> {
        self.visible_execs().get(self.selected_exec).copied()
    }

    /// Number of live execs of a container.
    pub fn exec_count(&self, c: &ContainerKey) -> usize {
        self.registry.live_execs(c).count()
    }

    pub fn active_tab(&self) -> Option<&Tab> {
        self.tabs.get(self.active)
    }

    /// The tab whose cursor the host terminal shows: the active one while keys go to it and
    /// it shows its live screen.
    pub fn cursor_tab(&self) -> Option<&Tab> {
        self.active_tab().filter(|t| {
            matches!(self.mode, Mode::Terminal | Mode::Broadcast)
                && t.state.is_running()
                && t.scroll == 0
        })
    }

    /// The host cursor's shape the program asked for (None: no cursor shown).
    pub fn cursor_shape(&self) -> Option<crate::session::modes::CursorShape> {
        self.cursor_tab()?.terminal.read().cursor_style()
    }

    pub fn tab_index(&self, id: TabId) -> Option<usize> {
        self.tabs.iter().position(|t| t.id == id)
    }

    /// Tabs whose exec still runs.
    pub fn running_tabs(&self) -> usize {
        self.tabs.iter().filter(|t| t.state.is_running()).count()
    }

    fn next_tab_id(&mut self) -> TabId {
        let id = TabId(self.next_tab);
        self.next_tab += 1;
        id
    }

    fn log(&mut self, text: impl Into<String>, error: bool) {
        self.events.push_front(EventLine {
            at: (self.clock)(),
            text: text.into(),
            error,
        });
        self.events.truncate(EVENTS_KEPT);
    }

    fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.log(text.clone(), true);
        self.status = Some(text);
    }
}

#[cfg(test)]
pub(crate) mod tests;
