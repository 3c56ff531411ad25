//! The exec list: which execs it shows (one container's, or every exec on the node), in
//! which order (start time, state, exit code), through which text filter, and what it says
//! about each: how long it has run or since it ended, where the two-phase GC has it, and
//! what its exit code means. Times come from the app's clock as of the last message.

use std::cmp::Reverse;
use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::{App, Mode, Pane};
use crate::domain::Scope;
use crate::registry::{ExecRecord, ExecState};

/// The order of the exec list; a key cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecSort {
    /// Newest first (collected execs after the others).
    #[default]
    Started,
    /// Running, created, failed, killed, exited, collected; newest first within each.
    State,
    /// Highest exit code first (signals, cannot-run, errors, then 0); live execs last.
    ExitCode,
}

impl ExecSort {
    fn next(self) -> Self {
        match self {
            Self::Started => Self::State,
            Self::State => Self::ExitCode,
            Self::ExitCode => Self::Started,
        }
    }

    /// The word the pane's title shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::State => "state",
            Self::ExitCode => "exit code",
        }
    }
}

/// The exec list's settings and the clock it shows times against.
#[derive(Debug, Clone)]
pub struct ExecList {
    pub sort: ExecSort,
    /// Text over exec id, command, state and container (case-insensitive).
    pub filter: String,
    /// Every exec on the node, not only the selected container's.
    pub node_wide: bool,
    /// The scope to go back to when the node-wide list is left.
    saved_scope: Option<Scope>,
    /// The app's clock when the last message was applied.
    pub now: SystemTime,
    /// Time between two GC sweeps.
    pub gc_every: Duration,
    /// The last sweep (or the start of the console, whose timer starts with it).
    pub gc_last: Option<SystemTime>,
}

impl ExecList {
    pub fn new(gc_every: Duration) -> Self {
        Self {
            sort: ExecSort::default(),
            filter: String::new(),
            node_wide: false,
            saved_scope: None,
            now: SystemTime::UNIX_EPOCH,
            gc_every,
            gc_last: None,
        }
    }

    /// Time left until the next sweep.
    fn until_sweep(&self) -> Duration {
        let last = self.gc_last.unwrap_or(self.now);
        match last.checked_add(self.gc_every) {
            Some(at) => at.duration_since(self.now).unwrap_or_default(),
            None => Duration::MAX,
        }
    }
}

/// Where the two-phase GC has an exec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcState {
    /// Live (in its container's index): not a GC candidate.
    Kept,
    /// Ended, not marked yet: the next sweep marks it, the one after collects it.
    Pending { collected_in: Duration },
    /// Marked: the next sweep collects it.
    Marked { collected_in: Duration },
    /// Gone from the registry, kept in the history.
    Collected,
}

/// How long an exec has run, or since it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    Running(Duration),
    Ended(Duration),
    Unknown,
}

/// What an exit code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitClass {
    Ok,
    /// 1-125: the program reported a failure.
    Error,
    /// 126 (cannot execute) and 127 (not found).
    CannotRun,
    /// 128+N: killed by signal N.
    Signal,
}

/// An exit code's class and its label: `exit 0`, `exit 2`, `126 noexec`, `127 notfound`,
/// `137 SIGKILL`.
pub fn exit_label(code: u32) -> (ExitClass, String) {
    match code {
        0 => (ExitClass::Ok, "exit 0".to_owned()),
        126 => (ExitClass::CannotRun, "126 noexec".to_owned()),
        127 => (ExitClass::CannotRun, "127 notfound".to_owned()),
        129..=192 => {
            let name = i32::try_from(code - 128)
                .ok()
                .and_then(|n| nix::sys::signal::Signal::try_from(n).ok());
            match name {
                Some(s) => (ExitClass::Signal, format!("{code} {}", s.as_str())),
                None => (ExitClass::Signal, format!("{code} signal {}", code - 128)),
            }
        }
        _ => (ExitClass::Error, format!("exit {code}")),
    }
}

fn state_rank(s: ExecState) -> u8 {
    match s {
        ExecState::Running => 0,
        ExecState::Created => 1,
        ExecState::FailedToStart => 2,
        ExecState::Killed => 3,
        ExecState::Exited => 4,
        ExecState::Collected => 5,
    }
}

fn started(r: &ExecRecord) -> Option<SystemTime> {
    r.started_at.or(r.created_at)
}

impl App {
    /// The execs the list takes (its source and filter), in no particular order; None when
    /// it shows a container and none is selected.
    fn listed_unordered(&self) -> Option<impl Iterator<Item = &ExecRecord>> {
        let all = self.registry.execs().chain(self.registry.history());
        let container = if self.execlist.node_wide {
            None
        } else {
            Some(self.selected_container()?.key())
        };
        let needle = self.execlist.filter.to_lowercase();
        let ns = self.scope.namespace();
        Some(
            all.filter(move |r| match &container {
                None => ns.is_none_or(|ns| *ns == r.key.namespace),
                Some(c) => r.key.namespace == c.namespace && r.key.container == c.container,
            })
            .filter(move |r| needle.is_empty() || exec_text(r).contains(&needle)),
        )
    }

    /// How many execs the list shows (no sort: cheap enough for every message).
    pub fn listed_count(&self) -> usize {
        self.listed_unordered().map_or(0, Iterator::count)
    }

    /// The exec list as shown: its source (container or node), filter and order.
    pub(super) fn listed_execs(&self) -> Vec<&ExecRecord> {
        let Some(listed) = self.listed_unordered() else {
            return Vec::new();
        };
        let mut rows: Vec<&ExecRecord> = listed.collect();
        let collected = |r: &ExecRecord| r.state == ExecState::Collected;
        match self.execlist.sort {
            ExecSort::Started => rows.sort_by_key(|r| (collected(r), Reverse(started(r)))),
            ExecSort::State => rows.sort_by_key(|r| (state_rank(r.state), Reverse(started(r)))),
            ExecSort::ExitCode => {
                rows.sort_by_key(|r| {
                    (
                        r.exit_code.is_none(),
                        Reverse(r.exit_code),
                        Reverse(started(r)),
                    )
                });
            }
        }
        rows
    }

    /// Where the GC has an exec, from the registry's marks and the sweep timer.
    pub fn gc_state(&self, r: &ExecRecord) -> GcState {
        let left = self.execlist.until_sweep();
        if r.state == ExecState::Collected {
            GcState::Collected
        } else if r.can_remove {
            GcState::Marked { collected_in: left }
        } else if self.in_index(r) {
            GcState::Kept
        } else {
            GcState::Pending {
                collected_in: left.saturating_add(self.execlist.gc_every),
            }
        }
    }

    fn in_index(&self, r: &ExecRecord) -> bool {
        let c = crate::domain::ContainerKey {
            namespace: r.key.namespace.clone(),
            container: r.key.container.clone(),
        };
        self.registry.live_execs(&c).any(|e| *e == r.key.exec)
    }

    /// How long an exec has run, or since it ended.
    pub fn exec_age(&self, r: &ExecRecord) -> Age {
        let now = self.execlist.now;
        let since = |t: SystemTime| now.duration_since(t).unwrap_or_default();
        match (r.finished_at, started(r)) {
            (Some(end), _) => Age::Ended(since(end)),
            (None, Some(start)) if r.is_live() => Age::Running(since(start)),
            _ => Age::Unknown,
        }
    }

    /// What the exec list's times look like now, to the resolution they are shown at: a
    /// tick that leaves it unchanged needs no frame.
    pub fn clock_stamp(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        // Seconds in the first minute, minutes up to a day, hours beyond (as shown).
        let shown = |d: Duration| match d.as_secs() {
            s @ 0..60 => s,
            s @ 60..86_400 => 60 + s / 60,
            s => 100_000 + s / 3600,
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for r in self.listed_unordered().into_iter().flatten() {
            match self.exec_age(r) {
                Age::Running(d) | Age::Ended(d) => shown(d).hash(&mut h),
                Age::Unknown => 0_u64.hash(&mut h),
            }
            match self.gc_state(r) {
                GcState::Pending { collected_in } | GcState::Marked { collected_in } => {
                    shown(collected_in).hash(&mut h);
                }
                GcState::Kept | GcState::Collected => 1_u64.hash(&mut h),
            }
        }
        h.finish()
    }

    /// Whether the screen shows a time that moves with the clock (the ticker's frames).
    pub fn shows_clock(&self) -> bool {
        !self.layout.zoomed
            && self
                .listed_unordered()
                .is_some_and(|mut l| l.next().is_some())
    }

    /// The clock as of this message; the sweep timer starts with the first one.
    pub(super) fn observe_clock(&mut self) {
        let now = (self.clock)();
        self.execlist.now = now;
        self.execlist.gc_last.get_or_insert(now);
    }

    pub(super) fn swept(&mut self) {
        self.execlist.gc_last = Some(self.execlist.now);
    }

    pub(super) fn cycle_exec_sort(&mut self) -> Vec<Effect> {
        self.execlist.sort = self.execlist.sort.next();
        self.selected_exec = 0;
        self.status = Some(format!("execs sorted by {}", self.execlist.sort.label()));
        Vec::new()
    }

    pub(super) fn start_exec_filter(&mut self) -> Vec<Effect> {
        self.focus = Pane::Execs;
        self.mode = Mode::ExecFilter;
        Vec::new()
    }

    /// A key while the exec filter is typed: Enter keeps it, Esc clears it.
    pub(super) fn exec_filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => {
                self.execlist.filter.clear();
                self.mode = Mode::Navigate;
            }
            KeyCode::Enter => self.mode = Mode::Navigate,
            KeyCode::Backspace => {
                self.execlist.filter.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.execlist.filter.push(c);
            }
            _ => {}
        }
        self.selected_exec = 0;
        Vec::new()
    }

    /// Every exec on the node (all namespaces and containers), and back to the selected
    /// container's with the scope it had.
    pub(super) fn toggle_node_wide(&mut self) -> Vec<Effect> {
        let list = &mut self.execlist;
        list.node_wide = !list.node_wide;
        self.selected_exec = 0;
        self.focus = Pane::Execs;
        let scope = if list.node_wide {
            if self.scope == Scope::All {
                None
            } else {
                list.saved_scope = Some(self.scope.clone());
                Some(Scope::All)
            }
        } else {
            list.saved_scope.take().filter(|_| self.scope == Scope::All)
        };
        let Some(scope) = scope else {
            return Vec::new();
        };
        self.scope = scope;
        self.selected_container = 0;
        self.resync_new_scope().into_iter().collect()
    }
}

/// The text the filter looks through.
fn exec_text(r: &ExecRecord) -> String {
    let code = r.exit_code.map(|c| exit_label(c).1).unwrap_or_default();
    format!(
        "{} {} {} {} {}/{}",
        r.key.exec,
        r.command_line(),
        r.state,
        code,
        r.key.namespace,
        r.key.container
    )
    .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_past_the_clocks_end_is_far_off_not_a_panic() {
        let mut list = ExecList::new(Duration::MAX);
        list.now = SystemTime::now();
        assert!(list.until_sweep() > Duration::from_secs(86_400 * 365 * 100));
        list.gc_last = Some(list.now);
        assert!(list.until_sweep() > Duration::from_secs(86_400 * 365 * 100));
    }
}
