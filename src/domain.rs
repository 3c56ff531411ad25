//! Domain types shared by every layer: ids as newtypes, task and exec states, events.

use std::fmt;
use std::time::SystemTime;

use serde::Serialize;

/// Prefix of the exec ids execmux makes; how orphans are recognised.
pub const EXEC_ID_PREFIX: &str = "execmux-";

/// Longest exec id containerd accepts.
pub const MAX_EXEC_ID_LEN: usize = 76;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

string_id!(
    /// A containerd namespace such as `default`, `moby` or `k8s.io`.
    Namespace
);
string_id!(
    /// A container id, unique within its namespace.
    ContainerId
);
string_id!(
    /// An exec id, unique within its container's task.
    ExecId
);

impl ExecId {
    /// Checks containerd's identifier rule: `^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$`, at most 76
    /// characters.
    pub fn validate(s: &str) -> Result<Self, InvalidId> {
        if s.is_empty() {
            return Err(InvalidId(String::from("exec id cannot be empty")));
        }
        if s.len() > MAX_EXEC_ID_LEN {
            return Err(InvalidId(format!(
                "exec id {s:?} is longer than {MAX_EXEC_ID_LEN} characters"
            )));
        }
        let mut prev_sep = true;
        for c in s.chars() {
            let sep = matches!(c, '.' | '_' | '-');
            if !(c.is_ascii_alphanumeric() || sep) || (sep && prev_sep) {
                return Err(InvalidId(format!(
                    "exec id {s:?} must be letters and digits separated by single '.', '_' or '-'"
                )));
            }
            prev_sep = sep;
        }
        if prev_sep {
            return Err(InvalidId(format!(
                "exec id {s:?} must not end with a separator"
            )));
        }
        Ok(Self(s.to_owned()))
    }
}

/// An identifier that containerd would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidId(pub String);

/// The full key of an exec on a node: exec ids are only unique within one container.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ExecKey {
    pub namespace: Namespace,
    pub container: ContainerId,
    pub exec: ExecId,
}

#[cfg(test)]
impl ExecKey {
    /// A key in namespace `ns`, for tests.
    pub(crate) fn test(container: &str, exec: &str) -> Self {
        Self {
            namespace: "ns".into(),
            container: container.into(),
            exec: exec.into(),
        }
    }
}

impl fmt::Display for ExecKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.container, self.exec)
    }
}

/// The key of a container on a node.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ContainerKey {
    pub namespace: Namespace,
    pub container: ContainerId,
}

impl fmt::Display for ContainerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.container)
    }
}

/// State of a container's task (its init process), as containerd reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Unknown,
    Created,
    Running,
    Stopped,
    Paused,
    Pausing,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unknown => "unknown",
            Self::Created => "created",
            Self::Running => "running",
            Self::Stopped => "stopped",
            Self::Paused => "paused",
            Self::Pausing => "pausing",
        })
    }
}

/// A container's task: state and init pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TaskInfo {
    pub state: TaskState,
    pub pid: u32,
}

/// A container as listed by containerd, with its task when it has one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContainerInfo {
    pub namespace: Namespace,
    pub id: ContainerId,
    pub image: String,
    pub runtime: String,
    pub labels: std::collections::BTreeMap<String, String>,
    #[serde(serialize_with = "ser_time_opt")]
    pub created_at: Option<SystemTime>,
    pub task: Option<TaskInfo>,
}

impl ContainerInfo {
    pub fn key(&self) -> ContainerKey {
        ContainerKey {
            namespace: self.namespace.clone(),
            container: self.id.clone(),
        }
    }

    /// A human name from well-known labels (nerdctl, Kubernetes), if any.
    pub fn display_name(&self) -> Option<&str> {
        [
            "nerdctl/name",
            "io.kubernetes.container.name",
            "io.kubernetes.pod.name",
        ]
        .iter()
        .find_map(|k| self.labels.get(*k).map(String::as_str))
    }
}

/// One process of a task as `ListPids` reports it; `exec` is set on an exec's top process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProcessEntry {
    pub pid: u32,
    pub exec: Option<ExecId>,
}

/// Status of one exec process as `Tasks.Get` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessStatus {
    pub state: TaskState,
    pub pid: u32,
    pub terminal: bool,
    /// The FIFO paths the process was created with (empty when it has none).
    pub stdin: String,
    pub stdout: String,
    pub stderr: String,
    pub exit: Option<ExitInfo>,
}

/// How and when a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ExitInfo {
    pub code: u32,
    #[serde(serialize_with = "ser_time_opt")]
    pub at: Option<SystemTime>,
}

/// The state of our connection to containerd as one waiter sees it: up, or lost and being
/// retried (the exec itself lives on in its shim meanwhile).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "link", rename_all = "lowercase")]
pub enum Link {
    #[default]
    Up,
    Reconnecting {
        error: String,
    },
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Up => f.write_str("running"),
            Self::Reconnecting { error } => write!(f, "reconnecting ({error})"),
        }
    }
}

/// What an exec's driver reports to its owner while the exec runs (a console tab, the
/// command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// containerd stopped or started answering (the exec and its I/O go on meanwhile).
    Link(Link),
    /// A kill was sent but the exec has not exited yet (why, e.g. "container paused").
    KillPending(String),
    /// The exec stopped reading its input (it closed it or exited) with this many bytes
    /// of typed or pasted input not delivered.
    InputLost(usize),
}

/// A container event or a task event, decoded from containerd's event stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeEvent {
    TaskCreate {
        container: ContainerKey,
        pid: u32,
    },
    TaskStart {
        container: ContainerKey,
        pid: u32,
    },
    TaskExit {
        container: ContainerKey,
        id: String,
        pid: u32,
        exit: ExitInfo,
    },
    TaskDelete {
        container: ContainerKey,
        id: String,
        pid: u32,
        exit: ExitInfo,
    },
    TaskPaused {
        container: ContainerKey,
    },
    TaskResumed {
        container: ContainerKey,
    },
    TaskOom {
        container: ContainerKey,
    },
    ExecAdded {
        exec: ExecKey,
    },
    ExecStarted {
        exec: ExecKey,
        pid: u32,
    },
    ContainerCreate {
        container: ContainerKey,
        image: String,
    },
    ContainerUpdate {
        container: ContainerKey,
        image: String,
    },
    ContainerDelete {
        container: ContainerKey,
    },
}

impl RuntimeEvent {
    /// The container the event is about.
    pub fn container(&self) -> ContainerKey {
        match self {
            Self::TaskCreate { container, .. }
            | Self::TaskStart { container, .. }
            | Self::TaskExit { container, .. }
            | Self::TaskDelete { container, .. }
            | Self::TaskPaused { container }
            | Self::TaskResumed { container }
            | Self::TaskOom { container }
            | Self::ContainerCreate { container, .. }
            | Self::ContainerUpdate { container, .. }
            | Self::ContainerDelete { container } => container.clone(),
            Self::ExecAdded { exec } | Self::ExecStarted { exec, .. } => ContainerKey {
                namespace: exec.namespace.clone(),
                container: exec.container.clone(),
            },
        }
    }
}

/// Which namespaces a view or a watch covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    One(Namespace),
}

impl Scope {
    /// The one namespace, or None for all.
    pub fn namespace(&self) -> Option<&Namespace> {
        match self {
            Self::All => None,
            Self::One(ns) => Some(ns),
        }
    }
}

/// What containerd's event feed delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedItem {
    /// Subscribed (first time or again): nothing is replayed, so resync from List now.
    Subscribed,
    /// One decoded event.
    Event {
        at: Option<SystemTime>,
        event: RuntimeEvent,
    },
    /// The stream ended or failed; a resubscription follows after a backoff.
    Lost(String),
    /// The backend's view changed (a cluster's pods): read it again.
    Changed,
}

/// Serialises a time as RFC 3339 (UTC), or null.
pub fn ser_time_opt<S: serde::Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_time(*t)),
        None => s.serialize_none(),
    }
}

/// RFC 3339 in UTC with second precision.
pub fn format_time(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    dt.format(&fmt).unwrap_or_else(|_| String::from("?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_id_rule() {
        for ok in ["a", "execmux-1f2e", "a.b_c-d", "A9"] {
            assert!(ExecId::validate(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "a b", "é", "a/b", &"x".repeat(77)] {
            assert!(ExecId::validate(bad).is_err(), "{bad:?}");
        }
        assert!(ExecId::validate(&"x".repeat(76)).is_ok());
    }
}

/// A terminal size in character cells. Never 0x0 when given to a tty exec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ConsoleSize {
    pub rows: u16,
    pub cols: u16,
}

impl ConsoleSize {
    /// The size with each side at least 1.
    #[must_use]
    pub fn clamped(self) -> Self {
        Self {
            rows: self.rows.max(1),
            cols: self.cols.max(1),
        }
    }
}

/// What a container's own process gives an exec by default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessDefaults {
    pub env: Vec<String>,
    pub cwd: String,
    /// `uid:gid` of the container's process.
    pub user: String,
}
