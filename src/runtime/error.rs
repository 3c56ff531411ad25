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
