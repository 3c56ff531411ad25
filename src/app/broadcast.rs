//! Broadcast: marked tabs, one command opened in every container the filter shows (those
//! tabs open marked), and the mode in which each key and paste goes to every marked tab
//! whose exec runs, encoded for that tab's own terminal; the detach keys end it.

use crossterm::event::KeyEvent;

use std::collections::BTreeSet;

use super::msg::{Effect, PendingExec, TabId};
use super::tab::{Tab, TabState, ZOOM_KEY, ZoomChord, zoom_prefix};
use super::{App, Form, Mode};
use crate::domain::{ContainerInfo, ContainerKey, TaskState};
use crate::registry::ExecConfig;
use crate::registry::detach_keys::{Matcher, Scan};
use crate::session::keys::{self, KeyModes};

/// Shown on a marked tab.
pub const MARK: &str = "◆";
/// Shown on a tab that takes the broadcast keys.
pub const BROADCASTING: &str = "»";

/// Ctrl-D: end of input for a tab without a tty.
const CTRL_D: u8 = 4;

/// What broadcasting keeps between messages.
#[derive(Debug, Clone)]
pub struct Broadcast {
    /// Execs asked for as a group: their tabs open marked.
    grouped: Vec<PendingExec>,
    /// The marked tabs (ids are never reused: a closed tab's mark is inert).
    marked: BTreeSet<TabId>,
    /// Watches for the detach keys, which end the broadcast.
    matcher: Matcher,
    /// The zoom chord's prefix, and whether it was the last key typed.
    zoom: ZoomChord,
}

impl Broadcast {
    /// Watches for the parsed detach keys `keys` (`Settings::detach`).
    pub fn new(keys: Vec<u8>) -> Self {
        Self {
            grouped: Vec::new(),
            marked: BTreeSet::new(),
            zoom: ZoomChord {
                prefix: zoom_prefix(&keys),
                held: false,
            },
            matcher: Matcher::new(keys),
        }
    }

    /// Whether an exec was asked for as part of a group (it is forgotten here).
    fn claim(&mut self, pending: &PendingExec) -> bool {
        match self.grouped.iter().position(|p| p == pending) {
            Some(i) => {
                self.grouped.swap_remove(i);
                true
            }
            None => false,
        }
    }
}

/// Whether a filter written `key=value` (lower-cased) picks a container by its labels: some
/// label, written the same way, contains it.
pub fn label_matches(c: &ContainerInfo, needle: &str) -> bool {
    needle.contains('=')
        && c.labels
            .iter()
            .any(|(k, v)| format!("{k}={v}").to_lowercase().contains(needle))
}

impl App {
    /// Whether a tab is marked for broadcast.
    pub fn is_marked(&self, tab: TabId) -> bool {
        self.broadcast.marked.contains(&tab)
    }

    /// Whether a tab takes broadcast keys: marked, its exec starting or running, its input
    /// open.
    fn takes_input(&self, tab: &Tab) -> bool {
        self.is_marked(tab.id)
            && matches!(tab.state, TabState::Starting | TabState::Running { .. })
            && !tab.input_closed
    }

    /// Indexes of the tabs the broadcast reaches.
    pub fn broadcast_targets(&self) -> Vec<usize> {
        (0..self.tabs.len())
            .filter(|&i| self.takes_input(&self.tabs[i]))
            .collect()
    }

    /// Whether tab `i` is taking broadcast keys right now.
    pub fn broadcasting(&self, i: usize) -> bool {
        matches!(self.mode, Mode::Broadcast)
            && self.tabs.get(i).is_some_and(|t| self.takes_input(t))
    }

    /// The mark a tab's title carries: broadcasting, marked, or none.
    pub fn tab_mark(&self, i: usize) -> &'static str {
        if self.broadcasting(i) {
            BROADCASTING
        } else if self.tabs.get(i).is_some_and(|t| self.is_marked(t.id)) {
            MARK
        } else {
            ""
        }
    }

    /// Marks the current tab, or takes its mark off.
    pub(super) fn toggle_mark(&mut self) -> Vec<Effect> {
        let Some(id) = self.active_tab().map(|t| t.id) else {
            self.status = Some("no tab open to mark".into());
            return Vec::new();
        };
        if !self.broadcast.marked.remove(&id) {
            self.broadcast.marked.insert(id);
        }
        let marked = self.tabs.iter().filter(|t| self.is_marked(t.id)).count();
        self.status = Some(format!(
            "{marked} tab(s) marked; {} types into the running ones",
            self.action_key(crate::keymap::Action::Broadcast)
        ));
        Vec::new()
    }

    /// Starts broadcasting to the marked tabs whose execs run.
    pub(super) fn start_broadcast(&mut self) -> Vec<Effect> {
        let targets = self.broadcast_targets();
        let Some(&first) = targets.first() else {
            self.status = Some(format!(
                "no marked tab runs: {} marks the current tab",
                self.action_key(crate::keymap::Action::Mark)
            ));
            return Vec::new();
        };
        if !targets.contains(&self.active) {
            self.active = first;
        }
        let fresh = Broadcast::new(self.settings.detach.clone());
        (self.broadcast.matcher, self.broadcast.zoom) = (fresh.matcher, fresh.zoom);
        self.status = None;
        self.mode = Mode::Broadcast;
        Vec::new()
    }

    /// The new-exec form for every running container the filter shows.
    pub(super) fn open_in_all_form(&mut self) -> Vec<Effect> {
        let shown = self.visible_containers();
        let targets: Vec<ContainerKey> = shown
            .iter()
            .filter(|c| c.task.is_some_and(|t| t.state == TaskState::Running))
            .map(|c| c.key())
            .collect();
        let skipped = shown.len() - targets.len();
        let Some(first) = targets.first().cloned() else {
            self.status = Some(if shown.is_empty() {
                "no container shown: / filters by name, image or key=value label".into()
            } else {
                "no container shown is running".into()
            });
            return Vec::new();
        };
        if skipped > 0 {
            self.status = Some(format!("{skipped} container(s) shown are not running"));
        }
        let mut form = Form::new(first, &self.settings.detach_keys);
        form.targets = targets;
        self.mode = Mode::Form(Box::new(form));
        Vec::new()
    }

    /// One exec of the same command in each container; their tabs open marked.
    pub(super) fn open_group(
        &mut self,
        targets: Vec<ContainerKey>,
        config: &ExecConfig,
    ) -> Vec<Effect> {
        self.status = Some(format!(
            "opening {:?} in {} containers",
            config.args.join(" "),
            targets.len()
        ));
        targets
            .into_iter()
            .map(|container| {
                let pending = PendingExec {
                    container,
                    config: config.clone(),
                    shell: None,
                };
                self.broadcast.grouped.push(pending.clone());
                Effect::Prepare(pending)
            })
            .collect()
    }

    /// Whether an exec being prepared belongs to a group (asked once, before it opens).
    pub(super) fn claim_grouped(&mut self, pending: &PendingExec) -> bool {
        self.broadcast.claim(pending)
    }

    /// A grouped exec's tab just opened (the last one): mark it, and type into the group.
    pub(super) fn grouped_tab_opened(&mut self) {
        let Some(id) = self.tabs.last().map(|t| t.id) else {
            return;
        };
        self.broadcast.marked.insert(id);
        if matches!(self.mode, Mode::Terminal) {
            self.start_broadcast();
        }
    }

    /// The broadcast ends by itself when no marked tab runs any more.
    pub(super) fn end_broadcast_if_idle(&mut self) {
        if matches!(self.mode, Mode::Broadcast) && self.broadcast_targets().is_empty() {
            self.mode = Mode::Navigate;
            self.status = Some("broadcast ended: no marked tab runs".into());
        }
    }

    /// A key in broadcast mode: to every target, each with its own key modes.
    pub(super) fn broadcast_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        // The shown tab scrolls back, as in terminal mode.
        if self.scroll_key(&key) {
            return Vec::new();
        }
        // The detach keys are plain bytes whatever the modes: look for them once.
        let Some(probe) = keys::encode(&key, KeyModes::default()) else {
            return Vec::new();
        };
        let zoom = &mut self.broadcast.zoom;
        if zoom.held && probe == [ZOOM_KEY] {
            // The held prefix belonged to the zoom chord: no tab sees either key.
            zoom.held = false;
            let _ = self.broadcast.matcher.flush();
            return self.toggle_zoom();
        }
        zoom.held = zoom.prefix.is_some_and(|p| probe == [p]);
        let held = match self.broadcast.matcher.scan(&probe) {
            Scan::Forward(out) => out,
            Scan::Detach { before } => {
                let effects = self.each_target(|_| Some(before.clone()));
                self.mode = Mode::Navigate;
                self.status = Some(format!(
                    "broadcast ended; {} marked tab(s) keep running",
                    self.broadcast_targets().len()
                ));
                return effects;
            }
        };
        // What the matcher gives back: bytes it held (the same for every tab), then this
        // key, which each tab gets in its own encoding. A key it holds sends nothing yet.
        let Some(prefix) = held.strip_suffix(probe.as_slice()).map(<[u8]>::to_vec) else {
            return self.each_target(|_| (!held.is_empty()).then(|| held.clone()));
        };
        let mut effects = Vec::new();
        for i in self.broadcast_targets() {
            let tab = &mut self.tabs[i];
            let Some(own) = keys::encode(&key, tab.key_modes()) else {
                continue;
            };
            tab.scroll = 0;
            if !tab.tty && own == [CTRL_D] {
                // Without a tty ctrl-d ends the input, as in terminal mode.
                if !prefix.is_empty() {
                    effects.push(Effect::Input {
                        tab: tab.id,
                        bytes: prefix.clone(),
                    });
                }
                tab.input_closed = true;
                effects.push(Effect::Eof { tab: tab.id });
                continue;
            }
            let mut bytes = prefix.clone();
            bytes.extend_from_slice(&own);
            effects.push(Effect::Input { tab: tab.id, bytes });
        }
        effects
    }

    /// A paste in broadcast mode: to every target, bracketed where its program asked.
    pub(super) fn broadcast_paste(&mut self, text: &str) -> Vec<Effect> {
        self.each_target(|tab| Some(keys::encode_paste(text, tab.key_modes())))
    }

    /// One `Input` per target with the bytes `bytes` gives for it (none for None).
    fn each_target(&mut self, mut bytes: impl FnMut(&Tab) -> Option<Vec<u8>>) -> Vec<Effect> {
        let mut effects = Vec::new();
        for i in self.broadcast_targets() {
            let tab = &mut self.tabs[i];
            if let Some(b) = bytes(tab).filter(|b| !b.is_empty()) {
                tab.scroll = 0;
                effects.push(Effect::Input {
                    tab: tab.id,
                    bytes: b,
                });
            }
        }
        effects
    }

    /// The first key of an action, as the footer writes it.
    fn action_key(&self, action: crate::keymap::Action) -> String {
        self.keymap
            .keys(action)
            .first()
            .cloned()
            .unwrap_or_default()
    }
}
