//! Keybindings as data: the actions of navigation mode, their default keys, keys parsed from
//! the config file (`ctrl-c`, `alt-1`, `shift-pageup`, `enter`, `?`), and the help text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

/// What a key can do in navigation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    NextPane,
    Filter,
    Open,
    NewExec,
    PrevTab,
    NextTab,
    FocusTab,
    CloseTab,
    KillExec,
    Namespace,
    ScrollUp,
    ScrollDown,
    Zoom,
    Mark,
    Broadcast,
    OpenAll,
    Split,
    PaneLeft,
    PaneRight,
    PaneUp,
    PaneDown,
    SortExecs,
    FilterExecs,
    AllExecs,
    CopyMode,
    Search,
    Transcript,
    TranscriptColour,
}

impl Action {
    pub const ALL: [Action; 32] = [
        Action::Quit,
        Action::Help,
        Action::Up,
        Action::Down,
        Action::NextPane,
        Action::Filter,
        Action::Open,
        Action::NewExec,
        Action::PrevTab,
        Action::NextTab,
        Action::FocusTab,
        Action::CloseTab,
        Action::KillExec,
        Action::Namespace,
        Action::ScrollUp,
        Action::ScrollDown,
        Action::Zoom,
        Action::Mark,
        Action::Broadcast,
        Action::OpenAll,
        Action::Split,
        Action::PaneLeft,
        Action::PaneRight,
        Action::PaneUp,
        Action::PaneDown,
        Action::SortExecs,
        Action::FilterExecs,
        Action::AllExecs,
        Action::CopyMode,
        Action::Search,
        Action::Transcript,
        Action::TranscriptColour,
    ];

    /// What the action does, for the help overlay and the footer.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit (asks when execs run; kills them)",
            Action::Help => "this help",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::NextPane => "next pane",
            Action::Filter => "filter the containers",
            Action::Open => "container: open its shell; exec: re-open/attach it",
            Action::NewExec => "new exec form (command, user, dir, env, tty...)",
            Action::PrevTab => "previous tab",
            Action::NextTab => "next tab",
            Action::FocusTab => "focus the current tab (terminal mode)",
            Action::CloseTab => "close the current tab (kills a running exec)",
            Action::KillExec => "kill the selected exec (SIGKILL)",
            Action::Namespace => "next namespace (all, then each)",
            Action::ScrollUp => "scroll the tab back",
            Action::ScrollDown => "scroll the tab forward",
            Action::Zoom => "zoom: the tab gets the whole window (and back)",
            Action::Mark => "mark the current tab for broadcast (and unmark)",
            Action::Broadcast => "broadcast: type into every marked running tab",
            Action::OpenAll => "new exec in each running container the filter shows",
            Action::Split => "split the view: single, side by side, stacked, grid",
            Action::PaneLeft => "split: focus the pane on the left",
            Action::PaneRight => "split: focus the pane on the right",
            Action::PaneUp => "split: focus the pane above",
            Action::PaneDown => "split: focus the pane below",
            Action::SortExecs => "sort the execs: start time, state, exit code",
            Action::FilterExecs => "filter the execs (id, command, state, container)",
            Action::AllExecs => "list every exec on the node (and back)",
            Action::CopyMode => "copy mode: select the tab's text, yank it or save it",
            Action::Search => "search the tab's scrollback and screen (regex)",
            Action::Transcript => "write the tab's transcript to a file (plain text)",
            Action::TranscriptColour => "write the tab's transcript with its colours (SGR)",
        }
    }

    /// A short word for the footer.
    pub fn short(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Up | Action::Down => "move",
            Action::NextPane => "pane",
            Action::Filter => "filter",
            Action::Open => "open",
            Action::NewExec => "new exec",
            Action::PrevTab | Action::NextTab => "tabs",
            Action::FocusTab => "focus tab",
            Action::CloseTab => "close tab",
            Action::KillExec => "kill",
            Action::Namespace => "namespace",
            Action::ScrollUp | Action::ScrollDown => "scroll",
            Action::Zoom => "zoom",
            Action::Mark => "mark",
            Action::Broadcast => "broadcast",
            Action::OpenAll => "open in all",
            Action::Split => "split",
            Action::PaneLeft | Action::PaneRight | Action::PaneUp | Action::PaneDown => {
                "focus pane"
            }
            Action::SortExecs => "sort execs",
            Action::FilterExecs => "filter execs",
            Action::AllExecs => "all execs",
            Action::CopyMode => "copy",
            Action::Search => "search",
            Action::Transcript | Action::TranscriptColour => "transcript",
        }
    }

    fn default_keys(self) -> &'static [&'static str] {
        match self {
            Action::Quit => &["q"],
            Action::Help => &["?"],
            Action::Up => &["up", "k"],
            Action::Down => &["down", "j"],
            Action::NextPane => &["tab"],
            Action::Filter => &["/"],
            Action::Open => &["enter"],
            Action::NewExec => &["e"],
            Action::PrevTab => &["["],
            Action::NextTab => &["]"],
            Action::FocusTab => &["i"],
            Action::CloseTab => &["x"],
            Action::KillExec => &["K"],
            Action::Namespace => &["n"],
            Action::ScrollUp => &["shift-pageup", "pageup"],
            Action::ScrollDown => &["shift-pagedown", "pagedown"],
            Action::Zoom => &["z"],
            Action::Mark => &["m"],
            Action::Broadcast => &["b"],
            Action::OpenAll => &["E"],
            Action::Split => &["|"],
            Action::PaneLeft => &["alt-left"],
            Action::PaneRight => &["alt-right"],
            Action::PaneUp => &["alt-up"],
            Action::PaneDown => &["alt-down"],
            Action::SortExecs => &["o"],
            Action::FilterExecs => &["F"],
            Action::AllExecs => &["A"],
            Action::CopyMode => &["c"],
            Action::Search => &["f"],
            Action::Transcript => &["t"],
            Action::TranscriptColour => &["T"],
        }
    }
}

/// A key with its modifiers, as written in the config: `[ctrl-][alt-][shift-]NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-").filter(|r| !r.is_empty()) {
                mods |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "esc" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "insert" => KeyCode::Insert,
            "delete" => KeyCode::Delete,
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(format!("unknown key {s:?}")),
        };
        Ok(Self { code, mods })
    }

    /// Whether a key press is this key. Shift is implied by an upper-case or symbol char.
    pub fn matches(&self, key: &KeyEvent) -> bool {
        let mut mods = key.modifiers;
        if matches!(key.code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        let mut want = self.mods;
        if matches!(self.code, KeyCode::Char(_)) {
            want.remove(KeyModifiers::SHIFT);
        }
        key.code == self.code && mods == want
    }

    /// The key as the config writes it.
    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) && !matches!(self.code, KeyCode::Char(_)) {
            s.push_str("shift-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("space"),
            KeyCode::Char(c) => s.push(c),
            KeyCode::F(n) => {
                let _ = write!(s, "f{n}");
            }
            KeyCode::PageUp => s.push_str("pageup"),
            KeyCode::PageDown => s.push_str("pagedown"),
            other => s.push_str(&format!("{other:?}").to_lowercase()),
        }
        s
    }
}

/// The navigation-mode bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(KeySpec, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .flat_map(|a| {
                a.default_keys()
                    .iter()
                    .filter_map(move |k| KeySpec::parse(k).ok().map(|k| (k, *a)))
            })
            .collect();
        Self { bindings }
    }
}

impl Keymap {
    /// The defaults with some actions rebound (an action named replaces all its keys).
    pub fn with_overrides(overrides: &BTreeMap<Action, Vec<String>>) -> Result<Self, String> {
        let mut map = Self::default();
        for (action, keys) in overrides {
            let parsed: Vec<KeySpec> = keys
                .iter()
                .map(|k| KeySpec::parse(k))
                .collect::<Result<_, _>>()?;
            map.bindings.retain(|(_, a)| a != action);
            map.bindings
                .extend(parsed.into_iter().map(|k| (k, *action)));
        }
        Ok(map)
    }

    /// The action bound to a key press.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(k, _)| k.matches(key))
            .map(|(_, a)| *a)
    }

    /// The keys of an action, as labels.
    pub fn keys(&self, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| k.label())
            .collect()
    }

    /// Every action with its keys, for the config printout.
    pub fn table(&self) -> BTreeMap<Action, Vec<String>> {
        Action::ALL.iter().map(|a| (*a, self.keys(*a))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_and_parsing() {
        let m = Keymap::default();
        assert_eq!(
            m.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            m.action(&key(KeyCode::Char('K'), KeyModifiers::SHIFT)),
            Some(Action::KillExec)
        );
        assert_eq!(
            m.action(&key(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(
            m.action(&key(KeyCode::PageUp, KeyModifiers::SHIFT)),
            Some(Action::ScrollUp)
        );
        assert_eq!(
            m.action(&key(KeyCode::Char('z'), KeyModifiers::NONE)),
            Some(Action::Zoom)
        );
        assert_eq!(
            m.action(&key(KeyCode::Char('Z'), KeyModifiers::SHIFT)),
            None
        );
        assert_eq!(
            KeySpec::parse("ctrl-alt-x").map(|k| k.mods),
            Ok(KeyModifiers::CONTROL | KeyModifiers::ALT)
        );
        assert_eq!(KeySpec::parse("f5").map(|k| k.code), Ok(KeyCode::F(5)));
        assert!(KeySpec::parse("ctrl-").is_err());
        assert!(KeySpec::parse("f13").is_err());
        assert!(KeySpec::parse("nope").is_err());
        for a in Action::ALL {
            for k in m.keys(a) {
                assert_eq!(
                    KeySpec::parse(&k).map(|s| s.label()),
                    Ok(k.clone()),
                    "{a:?}"
                );
            }
        }
    }

    #[test]
    fn overrides_replace_an_actions_keys() {
        let mut o = BTreeMap::new();
        o.insert(Action::Quit, vec!["ctrl-q".to_owned()]);
        let m = Keymap::with_overrides(&o).expect("valid");
        assert_eq!(m.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(
            m.action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        o.insert(Action::Help, vec!["bogus-key".to_owned()]);
        assert!(Keymap::with_overrides(&o).is_err());
    }
}
