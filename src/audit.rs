//! The audit log: one JSON line per step of an exec's life (create, start, start failure,
//! detach, attach, kill, exit) with who asked, where, what ran and how it ended; never environment
//! values. `$EXECMUX_AUDIT_LOG`, else `$XDG_STATE_HOME/execmux/audit.log`, else
//! `~/.local/state/execmux/audit.log`; the file is created 0600 in a 0700 directory, and
//! only a regular file of ours is ever written or tightened. A failed write is logged and
//! never stops the exec.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::ExecKey;
use crate::registry::StartPlan;

/// Which step of the exec's life a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    Create,
    Start,
    StartFailed,
    Detach,
    /// Taken over from the execmux that made it.
    Attach,
    Kill,
    Exit,
}

/// What one line says about the exec. There is deliberately no field for the environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub event: AuditKind,
    pub namespace: String,
    pub container: String,
    pub exec: String,
    pub argv: Vec<String>,
    /// The user asked for; None keeps the container's.
    pub user: Option<String>,
    pub tty: bool,
    pub privileged: bool,
    pub exit_code: Option<u32>,
    /// Why a start or a kill failed.
    pub error: Option<String>,
}

impl AuditEvent {
    /// An event about the exec a start plan describes (its env is left out).
    pub fn from_plan(event: AuditKind, plan: &StartPlan) -> Self {
        Self {
            argv: plan.args.clone(),
            user: plan.user.clone(),
            tty: plan.tty,
            privileged: plan.privileged,
            ..Self::for_key(event, &plan.key)
        }
    }

    /// An event about `key` with nothing else known.
    pub fn for_key(event: AuditKind, key: &ExecKey) -> Self {
        Self {
            event,
            namespace: key.namespace.to_string(),
            container: key.container.to_string(),
            exec: key.exec.to_string(),
            argv: Vec::new(),
            user: None,
            tty: false,
            privileged: false,
            exit_code: None,
            error: None,
        }
    }

    #[must_use]
    pub fn with_exit(mut self, code: u32) -> Self {
        self.exit_code = Some(code);
        self
    }

    #[must_use]
    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }
}

/// One line as written: the event with the time and the acting process.
#[derive(Serialize)]
struct Line<'a> {
    time: String,
    actor_pid: u32,
    actor_uid: u32,
    #[serde(flatten)]
    event: &'a AuditEvent,
}

/// Where the log goes, from the override, `$XDG_STATE_HOME` and `$HOME`.
fn choose_path(
    explicit: Option<OsString>,
    state_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let nonempty = |v: Option<OsString>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(p) = nonempty(explicit) {
        return Some(p);
    }
    let state = nonempty(state_home).or_else(|| nonempty(home).map(|h| h.join(".local/state")))?;
    Some(state.join("execmux").join("audit.log"))
}

/// The audit log's path, or None when there is no home to put it in.
pub fn path() -> Option<PathBuf> {
    choose_path(
        std::env::var_os("EXECMUX_AUDIT_LOG"),
        std::env::var_os("XDG_STATE_HOME"),
        std::env::var_os("HOME"),
    )
}

/// Why the audit log, as it stands, would be refused: checked once at start so that a
/// bad `$EXECMUX_AUDIT_LOG` is said where the user sees it (a write refused later is only
/// logged, as the console may be on the screen). Creates nothing.
pub fn preflight() -> Option<String> {
    let path = path()?;
    let refusal = if std::fs::symlink_metadata(&path).is_ok() {
        crate::safe_file::open_append_private(&path).err()
    } else {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
        std::fs::symlink_metadata(dir)
            .is_ok()
            .then(|| crate::safe_file::checked_dir(dir, false).err())
            .flatten()
    };
    refusal.map(|e| e.to_string())
}

/// Appends `event` to the audit log. Failures are logged, never returned.
pub fn record(event: &AuditEvent) {
    let Some(path) = path() else {
        tracing::warn!(
            ?event,
            "no place for the audit log (no $HOME); event not recorded"
        );
        return;
    };
    if let Err(e) = record_to(&path, event) {
        tracing::warn!(path = %path.display(), error = %e, ?event, "cannot write the audit log");
    }
}

/// Appends `event` as one line to the log at `path`, creating it 0600 (and its directory
/// 0700) when missing; refused (an error) where `path` is a symlink, a device, a FIFO or a
/// file that is not ours, or lies in a directory another user can change.
pub fn record_to(path: &Path, event: &AuditEvent) -> std::io::Result<()> {
    let time = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let line = Line {
        time,
        actor_pid: std::process::id(),
        actor_uid: nix::unistd::getuid().as_raw(),
        event,
    };
    let mut bytes = serde_json::to_vec(&line).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let mut file = crate::safe_file::open_append_private(path)?;
    // One write of the whole line: appends from several processes do not interleave.
    file.write_all(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::DirBuilder;
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};

    fn plan() -> StartPlan {
        StartPlan {
            key: ExecKey::test("web", "execmux-00aa"),
            args: vec!["/bin/sh".into(), "-c".into(), "id".into()],
            env: vec!["API_TOKEN=hunter2-secret".into(), "PATH=/bin".into()],
            cwd: "/".into(),
            user: Some("1000:1000".into()),
            tty: true,
            stdin: true,
            console: None,
            privileged: true,
        }
    }

    #[test]
    fn lines_hold_every_field_and_no_env() {
        let dir = std::env::temp_dir().join(format!("execmux-audit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let log = dir.join("state/execmux/audit.log");
        record_to(&log, &AuditEvent::from_plan(AuditKind::Create, &plan())).expect("create");
        let exit = AuditEvent::from_plan(AuditKind::Exit, &plan()).with_exit(3);
        record_to(&log, &exit).expect("exit");
        let failed = AuditEvent::for_key(AuditKind::StartFailed, &plan().key).with_error("nope");
        record_to(&log, &failed).expect("failed");

        let text = std::fs::read_to_string(&log).expect("read");
        assert!(!text.contains("hunter2"), "an env value leaked: {text}");
        assert!(!text.contains("API_TOKEN"), "an env name leaked: {text}");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 3);
        let first = &lines[0];
        for field in [
            "time",
            "actor_pid",
            "actor_uid",
            "event",
            "namespace",
            "container",
            "exec",
            "argv",
            "user",
            "tty",
            "privileged",
            "exit_code",
        ] {
            assert!(first.get(field).is_some(), "{field} missing in {first}");
        }
        assert_eq!(first["event"], "create");
        assert_eq!(first["actor_pid"], std::process::id());
        assert_eq!(first["argv"], serde_json::json!(["/bin/sh", "-c", "id"]));
        assert_eq!(
            (&first["namespace"], &first["container"], &first["exec"]),
            (
                &serde_json::json!("ns"),
                &serde_json::json!("web"),
                &serde_json::json!("execmux-00aa")
            )
        );
        assert_eq!(
            (&first["user"], &first["tty"]),
            (&serde_json::json!("1000:1000"), &serde_json::json!(true))
        );
        assert_eq!(first["privileged"], true);
        assert!(first["time"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert_eq!(
            (lines[1]["event"].as_str(), lines[1]["exit_code"].as_u64()),
            (Some("exit"), Some(3))
        );
        assert_eq!(
            (lines[2]["event"].as_str(), lines[2]["error"].as_str()),
            (Some("start_failed"), Some("nope"))
        );

        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(log.parent().expect("dir")), 0o700);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_loose_existing_log_is_tightened_and_an_unwritable_one_is_an_error() {
        let dir = std::env::temp_dir().join(format!("execmux-audit2-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let log = dir.join("audit.log");
        std::fs::write(&log, b"").expect("touch");
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        record_to(&log, &AuditEvent::for_key(AuditKind::Kill, &plan().key)).expect("kill");
        assert_eq!(
            std::fs::metadata(&log).expect("stat").permissions().mode() & 0o777,
            0o600
        );
        // A directory where the file should be: the write fails, `record` would only log it.
        let blocked = dir.join("blocked");
        std::fs::create_dir(&blocked).expect("mkdir");
        assert!(record_to(&blocked, &AuditEvent::for_key(AuditKind::Kill, &plan().key)).is_err());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_device_or_a_file_not_ours_is_neither_written_nor_chmod_ed() {
        assert!(nix::unistd::geteuid().is_root(), "chown needs root");
        let dir = std::env::temp_dir().join(format!("execmux-audit3-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        DirBuilder::new().mode(0o700).create(&dir).expect("mkdir");
        let event = AuditEvent::for_key(AuditKind::Kill, &plan().key);
        // Another user's file (as EXECMUX_AUDIT_LOG=/dev/null is root's device, not our log).
        let theirs = dir.join("theirs.log");
        std::fs::write(&theirs, b"").expect("touch");
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        nix::unistd::chown(&theirs, Some(nix::unistd::Uid::from_raw(65534)), None).expect("chown");
        let e = record_to(&theirs, &event).expect_err("refused");
        assert!(e.to_string().contains("belongs to uid 65534"), "{e}");
        let meta = std::fs::metadata(&theirs).expect("stat");
        assert_eq!((meta.permissions().mode() & 0o777, meta.len()), (0o644, 0));
        // A symlink to a file of ours.
        let ours = dir.join("ours");
        std::fs::write(&ours, b"").expect("touch");
        let link = dir.join("link.log");
        std::os::unix::fs::symlink(&ours, &link).expect("symlink");
        let e = record_to(&link, &event).expect_err("refused");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::metadata(&ours).expect("stat").len(), 0);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn path_from_override_state_home_or_home() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(
            choose_path(s("/a/log"), s("/st"), s("/h")),
            Some("/a/log".into())
        );
        assert_eq!(
            choose_path(None, s("/st"), s("/h")),
            Some("/st/execmux/audit.log".into())
        );
        assert_eq!(
            choose_path(s(""), None, s("/h")),
            Some("/h/.local/state/execmux/audit.log".into())
        );
        assert_eq!(choose_path(None, None, None), None);
    }
}
