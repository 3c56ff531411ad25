//! The exit status of an exec, from the `Status` the API server sends on the exec's status
//! channel: `Success` is 0, `NonZeroExitCode` carries the code in a cause `ExitCode`, and a
//! process that could not be started is 126 (not executable) or 127 (not found) as for
//! containerd, 128 for another start failure, with the runtime's message.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

/// How the exec ended, as the status says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exited(u32),
    /// It did not start (or failed outside the process): a code and the message.
    Failed {
        code: u32,
        message: String,
    },
}

pub fn ending(s: &Status) -> Ending {
    if s.status.as_deref() == Some("Success") {
        return Ending::Exited(0);
    }
    if s.reason.as_deref() == Some("NonZeroExitCode") {
        let code = s
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .into_iter()
            .flatten()
            .filter(|c| c.reason.as_deref() == Some("ExitCode"))
            .find_map(|c| c.message.as_deref()?.trim().parse::<u32>().ok());
        if let Some(code) = code {
            return Ending::Exited(code);
        }
    }
    let message = s
        .message
        .clone()
        .unwrap_or_else(|| "the exec failed".into());
    let lower = message.to_ascii_lowercase();
    let code = if lower.contains("executable file not found") || lower.contains("no such file") {
        127
    } else if lower.contains("permission denied") {
        126
    } else {
        128
    };
    Ending::Failed { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{StatusCause, StatusDetails};

    fn failure(reason: &str, message: &str, causes: Vec<StatusCause>) -> Status {
        Status {
            status: Some("Failure".into()),
            reason: Some(reason.into()),
            message: Some(message.into()),
            details: Some(StatusDetails {
                causes: Some(causes),
                ..StatusDetails::default()
            }),
            ..Status::default()
        }
    }

    #[test]
    fn success_is_zero_and_a_code_is_read_from_its_cause() {
        let ok = Status {
            status: Some("Success".into()),
            ..Status::default()
        };
        assert_eq!(ending(&ok), Ending::Exited(0));
        let three = failure(
            "NonZeroExitCode",
            "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
            vec![StatusCause {
                reason: Some("ExitCode".into()),
                message: Some("3".into()),
                field: None,
            }],
        );
        assert_eq!(ending(&three), Ending::Exited(3));
    }

    #[test]
    fn start_failures_get_126_127_128() {
        let nf = failure(
            "InternalError",
            "exec: \"nope\": executable file not found in $PATH",
            vec![],
        );
        assert!(matches!(ending(&nf), Ending::Failed { code: 127, .. }));
        let perm = failure("InternalError", "exec: \"/etc\": permission denied", vec![]);
        assert!(matches!(ending(&perm), Ending::Failed { code: 126, .. }));
        let other = failure("InternalError", "container not running", vec![]);
        assert!(matches!(ending(&other), Ending::Failed { code: 128, .. }));
        // A NonZeroExitCode without a readable code is a failure, not a guess.
        let odd = failure("NonZeroExitCode", "exit code ?", vec![]);
        assert!(matches!(ending(&odd), Ending::Failed { code: 128, .. }));
    }
}
