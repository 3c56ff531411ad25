//! Errors of the runtime layer: connection failures and gRPC statuses, as domain values.

use std::path::PathBuf;

/// Why the containerd socket could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "containerd socket {0} does not exist: is containerd running? (set -a or $CONTAINERD_ADDRESS)"
    )]
    Missing(PathBuf),
    #[error("connection refused on {0}: the socket is stale, containerd is not running")]
    Refused(PathBuf),
    #[error("permission denied on {0}: run as root or as a member of the socket's group")]
    PermissionDenied(PathBuf),
    #[error("{0} is not a socket")]
    NotASocket(PathBuf),
    #[error("cannot connect to {path}: {source}")]
    Other {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The gRPC status codes we tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    NotFound,
    AlreadyExists,
    InvalidArgument,
    FailedPrecondition,
    Unavailable,
    Cancelled,
    DeadlineExceeded,
    Unknown,
    Other,
}

/// A failed call to containerd, or a failure around it.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("{op}: {message}")]
    Rpc {
        op: &'static str,
        code: Code,
        message: String,
    },
    #[error("{op}: {message}")]
    Decode { op: &'static str, message: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("{op} timed out after {secs} s")]
    Timeout { op: &'static str, secs: u64 },
}

impl RuntimeError {
    pub fn code(&self) -> Option<Code> {
        match self {
            Self::Rpc { code, .. } => Some(*code),
            Self::Connect(_) => Some(Code::Unavailable),
            Self::Timeout { .. } => Some(Code::DeadlineExceeded),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code() == Some(Code::NotFound)
    }

    /// Whether containerd could not be reached or did not answer (stopped, restarting, hung,
    /// its connection cut), as opposed to an answer from it. An outage says nothing about
    /// the processes: they live on in their shims.
    pub fn is_outage(&self) -> bool {
        match self {
            Self::Connect(_) | Self::Timeout { .. } => true,
            Self::Rpc { code, message, .. } => match code {
                Code::Unavailable | Code::Cancelled => true,
                Code::Unknown | Code::Other => is_transport_text(message),
                _ => false,
            },
            _ => false,
        }
    }

    /// The runtime's message without our operation prefix.
    pub fn message(&self) -> String {
        match self {
            Self::Rpc { message, .. } | Self::Decode { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    pub(crate) fn rpc(op: &'static str, status: &tonic::Status) -> Self {
        let code = match status.code() {
            tonic::Code::NotFound => Code::NotFound,
            tonic::Code::AlreadyExists => Code::AlreadyExists,
            tonic::Code::InvalidArgument => Code::InvalidArgument,
            tonic::Code::FailedPrecondition => Code::FailedPrecondition,
            tonic::Code::Unavailable => Code::Unavailable,
            tonic::Code::Cancelled => Code::Cancelled,
            tonic::Code::DeadlineExceeded => Code::DeadlineExceeded,
            tonic::Code::Unknown => Code::Unknown,
            _ => Code::Other,
        };
        Self::Rpc {
            op,
            code,
            message: status.message().to_owned(),
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}

pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;

/// Texts tonic and hyper give when the connection itself failed. "ttrpc: closed" is not one:
/// that is containerd answering that a shim went away.
fn is_transport_text(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "transport error",
        "transport is closing",
        "connection reset",
        "connection refused",
        "broken pipe",
        "h2 protocol error",
        "error reading a body from connection",
        "connection closed",
        "operation was canceled",
    ]
    .iter()
    .any(|t| m.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_told_from_answers() {
        let status = |code, msg: &str| RuntimeError::rpc("wait", &tonic::Status::new(code, msg));
        assert!(status(tonic::Code::Unavailable, "transport is closing").is_outage());
        assert!(status(tonic::Code::Cancelled, "").is_outage());
        assert!(status(tonic::Code::Unknown, "h2 protocol error: broken pipe").is_outage());
        assert!(RuntimeError::Timeout { op: "get", secs: 1 }.is_outage());
        assert!(!status(tonic::Code::Unknown, "ttrpc: closed").is_outage());
        assert!(!status(tonic::Code::NotFound, "process does not exist x").is_outage());
        assert!(!RuntimeError::Invalid("bad".into()).is_outage());
    }
}
