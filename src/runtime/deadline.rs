//! Bounds on containerd's unary calls: the limits in one place and the one helper that
//! applies them, so that a hung daemon gives an error naming the call instead of a hang.
//! Only Wait and the event stream run unbounded.

use std::future::Future;
use std::time::Duration;

use super::error::{Result, RuntimeError};

/// Default bound of a unary call (Get, List, Exec, Kill, Delete, `ResizePty`, `CloseIO`...).
pub const CALL: Duration = Duration::from_secs(10);
/// Default bound of Start: the shim runs `runc exec`, which a loaded node makes slow.
pub const START: Duration = Duration::from_secs(30);
/// Default bound of connecting to the socket.
pub const CONNECT: Duration = Duration::from_secs(10);
/// Default bound of the wait for an exit after a SIGKILL when reaping (Docker's 30 s).
pub const KILL_WAIT: Duration = Duration::from_secs(30);

/// The bounds one `Runtime` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub call: Duration,
    pub start: Duration,
    pub connect: Duration,
    /// How long a reap waits for the exit after its SIGKILL (a paused container holds it).
    pub kill_wait: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            call: CALL,
            start: START,
            connect: CONNECT,
            kill_wait: KILL_WAIT,
        }
    }
}

impl Deadlines {
    /// The same bound for every call (tests use short ones).
    pub fn uniform(limit: Duration) -> Self {
        Self {
            call: limit,
            start: limit,
            connect: limit,
            kill_wait: limit,
        }
    }
}

/// Whole seconds for the error text, rounded up so that a sub-second bound never reads 0.
fn secs(limit: Duration) -> u64 {
    let whole = limit.as_secs();
    if limit.subsec_nanos() > 0 {
        whole + 1
    } else {
        whole
    }
}

/// Runs `fut`, or gives `Timeout { op }` once `limit` has passed. The call is boxed so that
/// callers' futures stay small however many bounded calls they hold.
pub(crate) async fn within<T>(
    op: &'static str,
    limit: Duration,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, Box::pin(fut)).await {
        Ok(r) => r,
        Err(_) => Err(RuntimeError::Timeout {
            op,
            secs: secs(limit),
        }),
    }
}

/// One gRPC call, bounded by `limit`; a status becomes `RuntimeError::Rpc { op }`.
pub(crate) async fn call<T>(
    op: &'static str,
    limit: Duration,
    fut: impl Future<Output = std::result::Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T> {
    within(op, limit, async {
        fut.await
            .map(tonic::Response::into_inner)
            .map_err(|s| RuntimeError::rpc(op, &s))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_that_never_answers_times_out_naming_it() {
        let started = std::time::Instant::now();
        let r: Result<()> =
            within("probe", Duration::from_millis(50), std::future::pending()).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        match r {
            Err(
                e @ RuntimeError::Timeout {
                    op: "probe",
                    secs: 1,
                },
            ) => {
                assert_eq!(e.to_string(), "probe timed out after 1 s");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn an_answer_within_the_bound_passes_through() {
        let r = call("get", Duration::from_secs(1), async {
            Ok::<_, tonic::Status>(tonic::Response::new(7))
        })
        .await;
        assert_eq!(r.ok(), Some(7));
        let e = call::<()>("get", Duration::from_secs(1), async {
            Err(tonic::Status::not_found(
                "process does not exist x: not found",
            ))
        })
        .await;
        assert!(e.is_err_and(|e| e.is_not_found()));
    }

    #[test]
    fn defaults_and_rounding() {
        let d = Deadlines::default();
        assert_eq!((d.call, d.start, d.connect), (CALL, START, CONNECT));
        assert_eq!(secs(Duration::from_millis(1500)), 2);
        assert_eq!(secs(Duration::from_secs(10)), 10);
    }
}
