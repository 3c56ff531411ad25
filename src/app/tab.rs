//! One exec tab: its exec, its emulated screen, its scroll position and its detach matcher.

use crate::domain::{ExecKey, Link};
use crate::registry::detach_keys::Matcher;
use crate::session::shared::SharedTerminal;

use super::msg::TabId;

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

impl Tab {
    /// The state as the tab's title shows it: a pending kill or an outage say so.
    pub fn label(&self) -> String {
        match (&self.state, &self.pending, &self.link) {
            (TabState::Closing, Some(why), _) => format!("kill pending ({why})"),
            (s, _, Link::Reconnecting { .. }) if s.is_running() => "reconnecting".into(),
            (s, _, _) => s.label(),
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
    /// Fed by the tab's own reader task; drawn and asked for its modes here.
    pub terminal: SharedTerminal,
    /// Rows scrolled back (0: the live screen).
    pub scroll: usize,
    /// The terminal's count of rows scrolled off, when the tab last looked.
    pub seen_scrolled_off: u64,
    /// A kill was sent and is pending (why), while the tab closes.
    pub pending: Option<String>,
    /// Whether containerd answers the tab's session (its I/O goes on either way).
    pub link: Link,
    pub matcher: Matcher,
}

impl Tab {
    pub fn new(
        id: TabId,
        key: ExecKey,
        title: String,
        tty: bool,
        terminal: SharedTerminal,
        detach: Vec<u8>,
    ) -> Self {
        Self {
            id,
            key,
            title,
            tty,
            state: TabState::Starting,
            terminal,
            scroll: 0,
            seen_scrolled_off: 0,
            pending: None,
            link: Link::Up,
            matcher: Matcher::new(detach),
        }
    }
}
