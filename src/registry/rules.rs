//! Docker's rules for an exec request, as pure functions: container state checks, env
//! merge, user and working-directory defaults, and the exit code of a failed start.

use crate::domain::{ContainerKey, TaskState};

use super::RegistryError;

/// Checks that a container can take an exec, in moby's order: missing, not running,
/// paused, restarting (containerd's transitional states).
pub fn check_container(
    key: &ContainerKey,
    task: Option<Option<TaskState>>,
) -> Result<(), RegistryError> {
    let id = &key.container;
    match task {
        None => Err(RegistryError::NoSuchContainer(key.clone())),
        Some(None) => Err(RegistryError::NoTask(id.to_string())),
        Some(Some(TaskState::Stopped)) => Err(RegistryError::NotRunning(id.to_string())),
        Some(Some(TaskState::Paused | TaskState::Pausing)) => {
            Err(RegistryError::Paused(id.to_string()))
        }
        Some(Some(TaskState::Created | TaskState::Unknown)) => {
            Err(RegistryError::Restarting(id.to_string()))
        }
        Some(Some(TaskState::Running)) => Ok(()),
    }
}

/// The container's env with the user's entries replacing a variable of the same name or
/// appended. An entry without `=` removes the variable (Docker's `ReplaceOrAppendEnvValues`).
pub fn merge_env(base: &[String], overrides: &[String]) -> Vec<String> {
    fn name(e: &str) -> &str {
        e.split_once('=').map_or(e, |(n, _)| n)
    }
    let mut out: Vec<String> = base.to_vec();
    for o in overrides {
        if !o.contains('=') {
            out.retain(|e| name(e) != o);
            continue;
        }
        match out.iter_mut().find(|e| name(e) == name(o)) {
            Some(slot) => o.clone_into(slot),
            None => out.push(o.clone()),
        }
    }
    out
}

/// The working directory: the user's, else the container's, else `/`.
pub fn working_dir(requested: Option<&str>, container: &str) -> String {
    requested
        .filter(|s| !s.is_empty())
        .or(Some(container).filter(|s| !s.is_empty()))
        .unwrap_or("/")
        .to_owned()
}

/// The exit code of an exec that could not start, from the runtime's message, checked in
/// moby's order.
pub fn start_failure_code(message: &str) -> u32 {
    let m = message.to_lowercase();
    if m.contains("permission denied") || m.contains("is a directory") {
        126
    } else if m.contains("not a directory")
        || m.contains("executable file not found")
        || m.contains("no such file or directory")
        || m.contains("failed to run runc create/exec call")
    {
        127
    } else {
        128
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_checks_in_order() {
        let k = ContainerKey {
            namespace: "n".into(),
            container: "c".into(),
        };
        let msg = |t| check_container(&k, t).map_err(|e| e.to_string());
        assert_eq!(msg(None), Err("no such container: n/c".into()));
        assert!(
            msg(Some(None))
                .is_err_and(|e| e.starts_with("c has no running task (created, not started)"))
        );
        assert_eq!(
            msg(Some(Some(TaskState::Stopped))),
            Err("container c is not running".into())
        );
        assert_eq!(
            msg(Some(Some(TaskState::Paused))),
            Err("container c is paused, unpause the container before exec".into())
        );
        assert_eq!(
            msg(Some(Some(TaskState::Created))),
            Err("container c is restarting, wait until the container is running".into())
        );
        assert_eq!(msg(Some(Some(TaskState::Running))), Ok(()));
    }

    #[test]
    fn env_merge_replaces_and_appends() {
        let base = vec!["PATH=/bin".to_owned(), "HOME=/root".to_owned()];
        let got = merge_env(&base, &["HOME=/tmp".into(), "NEW=1".into(), "PATH".into()]);
        assert_eq!(got, vec!["HOME=/tmp", "NEW=1"]);
        assert_eq!(merge_env(&base, &["A=x=y".into()])[2], "A=x=y");
    }

    #[test]
    fn cwd_defaults() {
        assert_eq!(working_dir(Some("/srv"), "/app"), "/srv");
        assert_eq!(working_dir(None, "/app"), "/app");
        assert_eq!(working_dir(Some(""), ""), "/");
        assert_eq!(working_dir(None, ""), "/");
    }

    #[test]
    fn failure_codes_in_moby_order() {
        let table = [
            ("exec: \"/bin\": permission denied: unknown", 126),
            ("read /x: is a directory", 126),
            ("stat /etc/passwd/x: not a directory", 127),
            (
                "exec: \"nope\": executable file not found in $PATH: unknown",
                127,
            ),
            (
                "exec: \"/nope\": stat /nope: no such file or directory: unknown",
                127,
            ),
            ("failed to run runc create/exec call", 127),
            ("Permission Denied while no such file or directory", 126),
            ("context deadline exceeded", 128),
        ];
        for (m, code) in table {
            assert_eq!(start_failure_code(m), code, "{m}");
        }
    }
}
