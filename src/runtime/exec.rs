//! Exec operations on containerd's Tasks API: create, start, resize, close stdin, kill,
//! wait, delete. Each is one call with containerd's quirks turned into plain results.

use std::time::Duration;

use containerd_client::services::v1::{
    CloseIoRequest, DeleteProcessRequest, ExecProcessRequest, KillRequest, ResizePtyRequest,
    StartRequest, WaitRequest,
};

use super::error::{Code, Result, RuntimeError};
use super::stdio::StdioSet;
use super::{Runtime, deadline, request, spec, time_of};
use tokio::sync::watch;

use crate::domain::{ConsoleSize, ExecId, ExecKey, ExitInfo, Link};

pub use crate::domain::EXEC_ID_PREFIX;

/// A fresh exec id, `execmux-` and 16 random hex digits.
pub fn new_exec_id() -> ExecId {
    ExecId::from(format!("{EXEC_ID_PREFIX}{:016x}", rand::random::<u64>()))
}

/// First pause before probing containerd again after an outage; doubles up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);
/// How often a Wait that containerd answered with an error is retried while Get still
/// shows the process running.
const ANSWERED_RETRIES: u32 = 3;

/// Sets the link state, waking watchers only on a change.
fn set_link(link: &watch::Sender<Link>, to: Link) {
    link.send_if_modified(|l| {
        if *l == to {
            false
        } else {
            *l = to;
            true
        }
    });
}

/// The error for an exec containerd no longer knows: its exit status is lost.
fn lost(key: &ExecKey, why: &RuntimeError) -> RuntimeError {
    RuntimeError::Rpc {
        op: "wait",
        code: Code::NotFound,
        message: format!(
            "exec {} is gone: containerd no longer knows it, its exit status is lost ({})",
            key.exec,
            why.message()
        ),
    }
}

impl Runtime {
    /// Builds the process from the container's spec and registers the exec (`Exec`).
    pub async fn exec_create(
        &self,
        key: &ExecKey,
        req: &spec::ProcessRequest,
        stdio: &StdioSet,
    ) -> Result<()> {
        let base = self.container_spec(&key.namespace, &key.container).await?;
        let root = if req
            .user
            .as_deref()
            .is_some_and(|u| u.chars().any(|c| !c.is_ascii_digit() && c != ':'))
        {
            let task = self.task(&key.namespace, &key.container).await?;
            Some(std::path::PathBuf::from(format!("/proc/{}/root", task.pid)))
        } else {
            None
        };
        // Reading the container's passwd and group files is file I/O on a root the
        // container controls: off the async workers.
        let process = {
            // The mark by which the exec's own processes are found at its end.
            let mut req = req.clone();
            let prefix = format!("{}=", crate::family::MARK);
            req.env.retain(|e| !e.starts_with(&prefix));
            req.env.push(crate::family::mark(&key.exec));
            tokio::task::spawn_blocking(move || spec::build(&base, &req, root.as_deref()))
                .await
                .map_err(|e| RuntimeError::Invalid(format!("the user lookup ended: {e}")))??
        };
        let json = spec::to_json(&process)?;
        if json.len() >= 4 << 20 {
            return Err(RuntimeError::Invalid(format!(
                "exec spec is {} bytes; containerd's shim accepts less than 4 MiB",
                json.len()
            )));
        }
        let msg = ExecProcessRequest {
            container_id: key.container.to_string(),
            exec_id: key.exec.to_string(),
            stdin: stdio.stdin_path(),
            stdout: stdio.stdout_path(),
            stderr: stdio.stderr_path(),
            terminal: req.tty,
            spec: Some(prost_types::Any {
                type_url: "types.containerd.io/opencontainers/runtime-spec/1/Process".into(),
                value: json,
            }),
        };
        let mut client = self.tasks();
        let call = client.exec(request(&key.namespace, msg)?);
        deadline::call("exec", self.deadlines.call, call).await?;
        Ok(())
    }

    /// Starts a created exec; returns its pid. The shim opens the FIFOs here.
    pub async fn exec_start(&self, key: &ExecKey) -> Result<u32> {
        let msg = StartRequest {
            container_id: key.container.to_string(),
            exec_id: key.exec.to_string(),
        };
        let mut client = self.tasks();
        let call = client.start(request(&key.namespace, msg)?);
        Ok(deadline::call("start", self.deadlines.start, call)
            .await?
            .pid)
    }

    /// Resizes the exec's console (a no-op for a pipe exec).
    pub async fn exec_resize(&self, key: &ExecKey, size: ConsoleSize) -> Result<()> {
        let size = size.clamped();
        let msg = ResizePtyRequest {
            container_id: key.container.to_string(),
            exec_id: key.exec.to_string(),
            width: u32::from(size.cols),
            height: u32::from(size.rows),
        };
        let mut client = self.tasks();
        let call = client.resize_pty(request(&key.namespace, msg)?);
        deadline::call("resize", self.deadlines.call, call).await?;
        Ok(())
    }

    /// Tells the shim to close the exec's stdin (pipe mode only: on a tty it hangs up the
    /// terminal, so callers send ^D there instead).
    pub async fn exec_close_stdin(&self, key: &ExecKey) -> Result<()> {
        let msg = CloseIoRequest {
            container_id: key.container.to_string(),
            exec_id: key.exec.to_string(),
            stdin: true,
        };
        let mut client = self.tasks();
        let call = client.close_io(request(&key.namespace, msg)?);
        deadline::call("close stdin", self.deadlines.call, call).await?;
        Ok(())
    }

    /// Sends `signal` to the exec. A process that already finished counts as killed.
    pub async fn exec_kill(&self, key: &ExecKey, signal: u32) -> Result<()> {
        let msg = KillRequest {
            container_id: key.container.to_string(),
            exec_id: key.exec.to_string(),
            signal,
            all: false,
        };
        let mut client = self.tasks();
        let call = client.kill(request(&key.namespace, msg)?);
        match deadline::call("kill", self.deadlines.call, call).await {
            Ok(()) => Ok(()),
            Err(e)
                if e.code() == Some(Code::NotFound) && e.message().contains("already finished") =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Waits for the exec to exit.
    pub async fn exec_wait(&self, key: &ExecKey) -> Result<ExitInfo> {
        let msg = WaitRequest {
            container_id: key.container.to_string(),
            exec_id: key.exec.to_string(),
        };
        let resp = self
            .tasks()
            .wait(request(&key.namespace, msg)?)
            .await
            .map_err(|s| RuntimeError::rpc("wait", &s))?
            .into_inner();
        Ok(ExitInfo {
            code: resp.exit_status,
            at: time_of(resp.exited_at.as_ref()),
        })
    }

    /// Waits for the exec to exit through containerd outages. A Wait that fails because
    /// containerd is unreachable is not an exit: `link` goes `Reconnecting`, containerd is
    /// probed with backoff (100 ms doubling to 2 s), and once it answers `link` goes `Up`
    /// and Wait is issued again (it returns at once for an exit that happened meanwhile).
    /// When containerd answers Wait with an error, the process status from Get decides: its
    /// exit, or a clear `NotFound` error when containerd no longer knows the process.
    pub async fn exec_wait_resilient(
        &self,
        key: &ExecKey,
        link: &watch::Sender<Link>,
    ) -> Result<ExitInfo> {
        let mut backoff = RETRY_FIRST;
        let mut answered = 0;
        loop {
            let err = match self.exec_wait(key).await {
                Ok(exit) => {
                    set_link(link, Link::Up);
                    return Ok(exit);
                }
                Err(e) => e,
            };
            let err = if err.is_outage() {
                err
            } else {
                set_link(link, Link::Up);
                tracing::debug!(%key, error = %err, "wait failed; asking for the status");
                match self.exit_from_status(key, &err).await {
                    Ok(Some(exit)) => return Ok(exit),
                    Ok(None) if answered < ANSWERED_RETRIES => {
                        answered += 1;
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(RETRY_MAX);
                        continue;
                    }
                    Ok(None) => return Err(err),
                    Err(e) if e.is_outage() => e,
                    Err(e) => return Err(e),
                }
            };
            tracing::warn!(%key, error = %err, "containerd unreachable; waiting for it");
            set_link(
                link,
                Link::Reconnecting {
                    error: err.to_string(),
                },
            );
            self.await_containerd(key, link, backoff).await?;
            set_link(link, Link::Up);
            backoff = RETRY_FIRST;
        }
    }

    /// After Wait failed with an answer: the exit Get reports, None while the process still
    /// runs, `NotFound` when containerd no longer knows it.
    async fn exit_from_status(
        &self,
        key: &ExecKey,
        wait: &RuntimeError,
    ) -> Result<Option<ExitInfo>> {
        match self
            .process(&key.namespace, &key.container, Some(&key.exec))
            .await
        {
            Ok(status) => Ok(status.exit),
            Err(e) if e.is_not_found() => Err(lost(key, wait)),
            Err(e) => Err(e),
        }
    }

    /// Probes containerd with backoff until it answers about `key`. `NotFound` means the
    /// process is gone: that is the error returned.
    async fn await_containerd(
        &self,
        key: &ExecKey,
        link: &watch::Sender<Link>,
        mut backoff: Duration,
    ) -> Result<()> {
        loop {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(RETRY_MAX);
            match self
                .process(&key.namespace, &key.container, Some(&key.exec))
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if e.is_outage() => set_link(
                    link,
                    Link::Reconnecting {
                        error: e.to_string(),
                    },
                ),
                Err(e) if e.is_not_found() => {
                    set_link(link, Link::Up);
                    return Err(lost(key, &e));
                }
                Err(e) => {
                    set_link(link, Link::Up);
                    return Err(e);
                }
            }
        }
    }

    /// Deletes the exec's process record in containerd; returns its exit status.
    pub async fn exec_delete(&self, key: &ExecKey) -> Result<ExitInfo> {
        let msg = DeleteProcessRequest {
            container_id: key.container.to_string(),
            exec_id: key.exec.to_string(),
        };
        let mut client = self.tasks();
        let call = client.delete_process(request(&key.namespace, msg)?);
        let resp = deadline::call("delete", self.deadlines.call, call).await?;
        Ok(ExitInfo {
            code: resp.exit_status,
            at: time_of(resp.exited_at.as_ref()),
        })
    }
}
