//! One exec tab: its exec, its emulated screen, its scroll position and its detach matcher.

use crate::domain::{ExecKey, Link};
use crate::registry::detach_keys::Matcher;
use crate::session::modes::Modes;
use crate::session::terminal::TerminalView;

use super::Connection;
use super::msg::TabId;

/// Longest tab title before it is cut.
pub const TITLE_MAX: usize = 28;

/// A tab's title: where, then the command as a shell would read it back (arguments with
/// spaces or quotes keep their quoting), cut with `…` past [`TITLE_MAX`].
pub fn title(name: &str, args: &[String]) -> String {
    cut(&format!("{name}: {}", command_text(args)), TITLE_MAX)
}

/// A command as a shell would read it back: arguments with spaces or quotes quoted.
pub fn command_text(args: &[String]) -> String {
    if args.is_empty() {
        return "?".to_owned();
    }
    shlex::try_join(args.iter().map(String::as_str)).unwrap_or_else(|_| args.join(" "))
}

/// `s` in at most `max` characters, the end replaced by `…` when it is longer.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// After the detach prefix, this key zooms instead of reaching the exec.
pub const ZOOM_KEY: u8 = b'z';

/// The key that, followed by [`ZOOM_KEY`], zooms: the first of a detach sequence of several
/// keys whose second is not [`ZOOM_KEY`] itself.
pub fn zoom_prefix(detach: &[u8]) -> Option<u8> {
    (detach.len() >= 2 && detach[1] != ZOOM_KEY).then(|| detach[0])
}

/// The terminal-mode zoom chord of a tab: its prefix, and whether it was just typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoomChord {
    /// The first key of the detach sequence, which followed by `z` zooms (None when the
    /// sequence is a single key, or is that key then `z`).
    pub prefix: Option<u8>,
    /// The last key typed was the prefix (the detach matcher holds it back).
    pub held: bool,
}

/// The zoom chord as the help writes it (`ctrl-p z`).
pub fn zoom_chord(prefix: u8) -> String {
    format!("{} {}", prefix_label(prefix), char::from(ZOOM_KEY))
}

/// The detach prefix as the help writes it (`ctrl-p`).
pub fn prefix_label(prefix: u8) -> String {
    match prefix {
        0 => "ctrl-@".to_owned(),
        1..=26 => format!("ctrl-{}", char::from(b'a' + prefix - 1)),
        27 => "ctrl-[".to_owned(),
        28 => "ctrl-\\".to_owned(),
        29 => "ctrl-]".to_owned(),
        30 => "ctrl-^".to_owned(),
        31 => "ctrl-_".to_owned(),
        127 => "DEL".to_owned(),
        b => char::from(b).to_string(),
    }
}

/// Where the tab's exec is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabState {
    Starting,
    Running {
        pid: u32,
    },
    /// A kill was sent; waiting for the exit.
    Closing,
    Exited {
        code: Option<u32>,
        killed: bool,
    },
    Failed {
        code: u32,
        message: String,
    },
}

impl TabState {
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Starting | Self::Running { .. } | Self::Closing)
    }

    /// The outcome as the tab shows it.
    pub fn label(&self) -> String {
        match self {
            Self::Starting => "starting".into(),
            Self::Running { .. } => "running".into(),
            Self::Closing => "killing".into(),
            Self::Exited {
                code: Some(c),
                killed: true,
            } => format!("killed, {c}"),
            Self::Exited {
                code: None,
                killed: true,
            } => "killed".into(),
            Self::Exited {
                code: Some(c),
                killed: false,
            } => format!("exited {c}"),
            Self::Exited {
                code: None,
                killed: false,
            } => "exited".into(),
            Self::Failed { code, .. } => format!("failed to start ({code})"),
        }
    }

    /// One character for the tab bar.
    pub fn mark(&self) -> &'static str {
        match self {
            Self::Starting => "…",
            Self::Running { .. } => "●",
            Self::Closing => "✕",
            Self::Exited {
                code: Some(0),
                killed: false,
            } => "✓",
            Self::Exited { .. } | Self::Failed { .. } => "✗",
        }
    }
}

#[derive(Debug)]
pub struct Tab {
    pub id: TabId,
    pub key: ExecKey,
    pub title: String,
    pub tty: bool,
    pub state: TabState,
    /// Changed by the tab's own task alone; read here (drawing, copy mode, search).
    pub terminal: TerminalView,
    /// The size the tab's terminal was last given (its task applies it).
    pub size: (u16, u16),
    /// Rows the terminal's scrollback held at the last change told.
    pub scrollback: usize,
    /// The terminal's modes at the last change told (keys and the mouse follow them).
    pub modes: Modes,
    /// Rows scrolled back (0: the live screen).
    pub scroll: usize,
    /// A kill was sent and is pending (why), while the tab closes.
    pub pending: Option<String>,
    /// Whether containerd answers the tab's session (its I/O goes on either way).
    pub link: Link,
    pub matcher: Matcher,
    pub zoom: ZoomChord,
    /// Without a tty, ctrl-d closed the exec's stdin: nothing more can be typed.
    pub input_closed: bool,
    /// The terminal's count of bells, when the tab last looked.
    pub seen_bells: u64,
    /// A bell rang while the tab was out of sight (cleared when it is shown).
    pub bell: bool,
    /// The title the program set (sanitised by the terminal), as last seen.
    pub program_title: Option<String>,
}

impl Tab {
    /// The key modes the program asked for, as last told.
    pub fn key_modes(&self) -> crate::session::keys::KeyModes {
        crate::session::keys::KeyModes {
            application_cursor: self.modes.application_cursor,
            bracketed_paste: self.modes.bracketed_paste,
            application_keypad: self.modes.application_keypad,
        }
    }

    /// Whether containerd is out of reach for the tab's session (its own waiter says so, or
    /// the console's event stream does); its I/O goes on meanwhile.
    pub fn reconnecting(&self, console: &Connection) -> bool {
        self.state.is_running()
            && (matches!(self.link, Link::Reconnecting { .. })
                || matches!(console, Connection::Reconnecting(_)))
    }

    pub fn new(
        id: TabId,
        key: ExecKey,
        title: String,
        tty: bool,
        (terminal, size): (TerminalView, (u16, u16)),
        detach: Vec<u8>,
    ) -> Self {
        let modes = terminal.read().modes();
        Self {
            id,
            key,
            title,
            tty,
            state: TabState::Starting,
            modes,
            terminal,
            size,
            scrollback: 0,
            scroll: 0,
            pending: None,
            link: Link::Up,
            zoom: ZoomChord {
                prefix: zoom_prefix(&detach),
                held: false,
            },
            input_closed: false,
            seen_bells: 0,
            bell: false,
            program_title: None,
            matcher: Matcher::new(detach),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::detach_keys::parse;

    #[test]
    fn titles_keep_the_quoting_of_arguments_and_cut_with_an_ellipsis() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(title("web", &args(&["/bin/sh"])), "web: /bin/sh");
        assert_eq!(
            title("box", &args(&["/bin/sh", "-c", "echo out; exit 3"])),
            "box: /bin/sh -c 'echo out; …"
        );
        assert_eq!(
            title("b", &args(&["sh", "-c", "it's"])),
            "b: sh -c \"it's\""
        );
        assert_eq!(title("b", &[]), "b: ?");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abcd", 4), "abcd");
    }

    #[test]
    fn the_zoom_chord_is_the_detach_prefix_then_z() {
        for (spec, chord) in [
            ("ctrl-p,ctrl-q", Some("ctrl-p z")),
            ("ctrl-\\,ctrl-q", Some("ctrl-\\ z")),
            ("a,b,c", Some("a z")),
            ("ctrl-a", None),
            ("ctrl-p,z", None),
        ] {
            let keys = parse(spec).expect("valid");
            assert_eq!(
                zoom_prefix(&keys).map(zoom_chord).as_deref(),
                chord,
                "{spec}"
            );
        }
    }
}
