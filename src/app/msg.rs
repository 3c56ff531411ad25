//! What reaches the app (`Msg`) and what it asks the effects runner to do (`Effect`).

use crossterm::event::{KeyEvent, MouseEvent};

use crate::domain::FeedItem;
use crate::domain::Scope;
use crate::domain::{
    ConsoleSize, ContainerKey, ExecKey, ExitInfo, Namespace, Notice, ProcessDefaults,
};
use crate::registry::sync::Snapshot;
use crate::registry::{ExecConfig, StartPlan};
use crate::session::terminal::{TermChange, TerminalWriter};

/// A tab's identity, never reused within a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TabId(pub u64);

/// An exec asked for, waiting for its container's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingExec {
    pub container: ContainerKey,
    pub config: ExecConfig,
    /// The command is "the container's shell": the first of these that exists.
    pub shell: Option<Vec<String>>,
}

/// What preparing an exec found out.
#[derive(Debug)]
pub struct Prepared {
    pub pending: PendingExec,
    pub result: Result<(ProcessDefaults, ExecKey, Vec<String>), String>,
}

/// Inputs of `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    /// The host terminal gained (true) or lost the focus.
    Focus(bool),
    Resize(u16, u16),
    /// containerd's event stream.
    Feed(FeedItem),
    /// What a resync read (its generation inside).
    Snapshot(Snapshot),
    /// A resync could not read containerd.
    ResyncFailed {
        generation: u64,
        error: String,
    },
    Namespaces(Vec<Namespace>),
    /// The container's defaults are known, an exec id chosen and the shell resolved (the
    /// command to run): create and start.
    Prepared(Box<Prepared>),
    Started {
        tab: TabId,
        pid: u32,
    },
    StartFailed {
        tab: TabId,
        message: String,
    },
    /// A running exec of another execmux was taken over into the tab (see `Effect::Attach`).
    Attached {
        tab: TabId,
        pid: u32,
        tty: bool,
        stdin: bool,
        /// The size its terminal was given.
        size: ConsoleSize,
    },
    /// The exec could not be taken over (why, for the status bar); the tab goes.
    AttachRefused {
        tab: TabId,
        message: String,
    },
    /// The tab's terminal changed (output parsed, a resize applied): what the model needs
    /// of it.
    Changed {
        tab: TabId,
        change: Box<TermChange>,
    },
    /// Something the tab's session reports while it runs or closes.
    Notice {
        tab: TabId,
        notice: Notice,
    },
    /// The exec ended and was deleted (its FIFOs removed).
    Ended {
        tab: TabId,
        exit: Result<ExitInfo, String>,
    },
    /// What was read about an exec of another client (command, start time, tty, origin).
    Described {
        key: ExecKey,
        facts: crate::registry::Facts,
    },
    /// A kill asked with `K` went through or failed.
    KillDone {
        key: ExecKey,
        result: Result<(), String>,
    },
    /// Orphans reaped at start-up.
    Reaped(Vec<String>),
    GcTick,
    /// A second passed: the exec list's times move on.
    Tick,
    /// A file was written (its path), or could not be.
    Saved {
        what: &'static str,
        result: Result<String, String>,
    },
    /// SIGTERM or SIGHUP: close every tab (killing its exec) and leave.
    Terminate,
    Error(String),
}

/// Outputs of `update`: I/O for the effects runner.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Read containers and execs again (after a subscription, a namespace change); the
    /// answer (`Snapshot` or `ResyncFailed`) carries the generation back.
    Resync {
        scope: Scope,
        believed: Vec<ExecKey>,
        generation: u64,
    },
    /// List namespaces (for cycling).
    ListNamespaces,
    /// Load a container's defaults and resolve its shell, then answer `Prepared`.
    Prepare(PendingExec),
    /// Create the exec, start it and stream its output into the tab's terminal.
    Launch {
        tab: TabId,
        plan: StartPlan,
        /// For the tab's own task, which alone changes the terminal.
        terminal: TerminalWriter,
    },
    /// Take over a running exec of ours left by another execmux and stream it into the
    /// tab's terminal; answers `Attached` or `AttachRefused`.
    Attach {
        tab: TabId,
        key: ExecKey,
        terminal: TerminalWriter,
    },
    /// The tab is gone from the console: its terminal's task ends.
    Dismiss { tab: TabId },
    /// Bytes typed into a tab.
    Input { tab: TabId, bytes: Vec<u8> },
    /// The tab's pane has this size: its terminal takes it, and its exec with a tty.
    Resize { tab: TabId, size: ConsoleSize },
    /// Kill (SIGKILL), wait, delete, remove FIFOs; answers `Ended`.
    Close { tab: TabId },
    /// A close is taking too long: stop waiting for the exit, delete what can be.
    Force { tab: TabId },
    /// End of input for a tab without a tty (its stdin is closed).
    Eof { tab: TabId },
    /// SIGKILL an exec that is not ours (or not in a tab); answers `KillDone`.
    Kill { key: ExecKey },
    /// Text for the host clipboard: the event loop writes one OSC 52 with it.
    Clipboard(String),
    /// Writes text to a new file (0600, never overwriting) in the transcripts directory;
    /// answers `Saved`.
    SaveText { stem: String, text: String },
    /// Writes a tab's transcript (header, scrollback, screen) to a new file; answers `Saved`.
    Transcript {
        tab: TabId,
        stem: String,
        header: String,
        sgr: bool,
    },
    /// Everything is closed: leave.
    Exit,
}
