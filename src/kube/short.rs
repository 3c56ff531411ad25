//! A short command in a container whose output is wanted (which shell exists): no tty, no
//! stdin, its stdout read up to a bound, the whole bounded in time.

use std::time::Duration;

use tokio::io::AsyncReadExt as _;

use super::KubeError;
use super::status::{Ending, ending};
use super::stream::{self, Target};

/// At most this much of the command's stdout is kept.
const OUTPUT_MAX: u64 = 4096;
/// How long the command may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `command` in `pod` (its `container`, else the default one) of `namespace`; its exit
/// code and stdout (at most 4 KiB, lossy UTF-8).
pub async fn output(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    command: Vec<String>,
) -> Result<(u32, String), KubeError> {
    let run = async {
        let opened = stream::open(
            client,
            Target {
                namespace,
                pod,
                container,
                command,
                tty: false,
                stdin: false,
                stdout: true,
            },
            None,
        )
        .await?;
        let mut out = Vec::new();
        if let Some(stdout) = opened.stdout {
            let mut limited = stdout.take(OUTPUT_MAX);
            let _ = limited.read_to_end(&mut out).await;
        }
        let status = opened
            .status
            .await
            .map_err(|_| KubeError::NoStatus(String::new()))?;
        drop(opened.tasks);
        let code = match ending(&status) {
            Ending::Exited(c) | Ending::Failed { code: c, .. } => c,
        };
        Ok((code, String::from_utf8_lossy(&out).into_owned()))
    };
    tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| KubeError::Api(format!("no answer from pod {pod} in 10 s")))?
}

/// The first of `shells` that is an executable file in the container, found by `sh`; the
/// last one when none is (its start will say why) or the container has no `sh`.
pub async fn first_shell(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    shells: &[String],
) -> Result<String, KubeError> {
    let fallback = shells.last().cloned().unwrap_or_else(|| "/bin/sh".into());
    let mut command: Vec<String> = [
        "sh",
        "-c",
        r#"for s in "$@"; do if [ -f "$s" ] && [ -x "$s" ]; then echo "$s"; exit 0; fi; done; exit 1"#,
        "sh",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    command.extend(shells.iter().cloned());
    match output(client, namespace, pod, container, command).await {
        Ok((0, out)) => {
            let found = out.lines().next().unwrap_or_default().trim();
            Ok(shells
                .iter()
                .find(|s| s.as_str() == found)
                .cloned()
                .unwrap_or(fallback))
        }
        // Only what says the container cannot be reached stops the shell; anything else
        // (an old sh, a missing `[`) falls back to the last shell configured.
        Err(
            e @ (KubeError::PodNotFound { .. }
            | KubeError::Forbidden(_)
            | KubeError::Unauthorized(_)
            | KubeError::Unreachable(_)
            | KubeError::Refused(_)),
        ) => Err(e),
        Ok(_) | Err(_) => Ok(fallback),
    }
}
