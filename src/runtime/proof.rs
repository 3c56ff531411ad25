//! What proves that an exec and a FIFO directory are ours before anything is killed or
//! removed: our id prefix, a directory named after the exec that is a real directory right
//! under the runtime dir, and FIFO paths (as containerd reports them) inside it.

use std::path::{Path, PathBuf};

use super::exec::EXEC_ID_PREFIX;
use crate::domain::{ExecKey, ProcessStatus};

/// Why an exec or a directory is not proven ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotOurs {
    #[error("its id lacks the {EXEC_ID_PREFIX} prefix")]
    Prefix,
    #[error("no FIFO directory of ours holds it")]
    NoDir,
    #[error("its directory {0} is not named after it")]
    DirName(String),
    #[error("{0} is not a directory right under the runtime dir")]
    OutsideBase(String),
    #[error("containerd reports its FIFO {0} outside its directory")]
    FifoElsewhere(String),
}

/// The directory of `key` when it is `base/<exec id>`, a real directory (no symlink) right
/// under `base`, and the id has our prefix. Returns the directory's canonical path.
pub fn our_dir(base: &Path, dir: &Path, key: &ExecKey) -> Result<PathBuf, NotOurs> {
    if !key.exec.as_str().starts_with(EXEC_ID_PREFIX) {
        return Err(NotOurs::Prefix);
    }
    if dir.as_os_str().is_empty() {
        return Err(NotOurs::NoDir);
    }
    if dir.file_name() != Some(std::ffi::OsStr::new(key.exec.as_str())) {
        return Err(NotOurs::DirName(dir.display().to_string()));
    }
    in_base(base, dir)
}

/// `dir` canonicalized, when it is a real directory (not a symlink) whose parent is `base`.
pub fn in_base(base: &Path, dir: &Path) -> Result<PathBuf, NotOurs> {
    let outside = || NotOurs::OutsideBase(dir.display().to_string());
    let real_dir = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_dir());
    if !real_dir {
        return Err(outside());
    }
    let (Ok(base), Ok(canon)) = (base.canonicalize(), dir.canonicalize()) else {
        return Err(outside());
    };
    if canon.parent() != Some(base.as_path()) {
        return Err(outside());
    }
    Ok(canon)
}

/// Whether every FIFO containerd reports for the process lies in `dir` (canonical), and it
/// has a stdout there at all.
pub fn fifos_in(dir: &Path, status: &ProcessStatus) -> Result<(), NotOurs> {
    if status.stdout.is_empty() {
        return Err(NotOurs::NoDir);
    }
    for fifo in [&status.stdin, &status.stdout, &status.stderr] {
        if fifo.is_empty() {
            continue;
        }
        let parent = Path::new(fifo).parent().map(Path::canonicalize);
        if !matches!(parent, Some(Ok(p)) if p == dir) {
            return Err(NotOurs::FifoElsewhere(fifo.clone()));
        }
    }
    Ok(())
}

/// Removes a FIFO directory only when it is a real directory right under `base`; a symlink
/// or anything elsewhere is refused. `remove_dir_all` does not follow symlinks inside.
pub fn remove_dir(base: &Path, dir: &Path) -> Result<(), String> {
    let canon = match in_base(base, dir) {
        Ok(c) => c,
        // Already gone: nothing to do.
        Err(_) if std::fs::symlink_metadata(dir).is_err() => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    match std::fs::remove_dir_all(&canon) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TaskState;

    fn status(stdin: &str, stdout: &str, stderr: &str) -> ProcessStatus {
        ProcessStatus {
            state: TaskState::Running,
            pid: 1,
            terminal: false,
            stdin: stdin.into(),
            stdout: stdout.into(),
            stderr: stderr.into(),
            exit: None,
        }
    }

    #[test]
    fn only_a_real_directory_named_after_the_exec_under_the_base_with_its_fifos_is_ours() {
        let tmp = std::env::temp_dir().join(format!("execmux-proof-{}", std::process::id()));
        let base = tmp.join("base");
        let elsewhere = tmp.join("elsewhere");
        let key = ExecKey::test("c", "execmux-p1");
        let dir = base.join("execmux-p1");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::create_dir_all(&elsewhere).expect("mkdir");
        let canon = our_dir(&base, &dir, &key).expect("ours");
        let ok = |n: &str| dir.join(n).display().to_string();
        assert_eq!(
            fifos_in(&canon, &status(&ok("stdin"), &ok("stdout"), "")),
            Ok(())
        );
        let far = elsewhere.join("stdout").display().to_string();
        assert_eq!(
            fifos_in(&canon, &status(&ok("stdin"), &far, "")),
            Err(NotOurs::FifoElsewhere(far.clone()))
        );
        let sneaky = format!("{}/../elsewhere/stderr", dir.display());
        assert!(fifos_in(&canon, &status("", &ok("stdout"), &sneaky)).is_err());
        assert_eq!(fifos_in(&canon, &status("", "", "")), Err(NotOurs::NoDir));

        let foreign = ExecKey::test("c", "fgn");
        assert_eq!(our_dir(&base, &dir, &foreign), Err(NotOurs::Prefix));
        let other = ExecKey::test("c", "execmux-p2");
        assert!(matches!(
            our_dir(&base, &dir, &other),
            Err(NotOurs::DirName(_))
        ));
        let link = base.join("execmux-p2");
        std::os::unix::fs::symlink(&elsewhere, &link).expect("symlink");
        assert!(matches!(
            our_dir(&base, &link, &other),
            Err(NotOurs::OutsideBase(_))
        ));
        assert!(remove_dir(&base, &link).is_err(), "a symlink is refused");
        assert!(elsewhere.exists());
        let nested = elsewhere.join("execmux-p1");
        std::fs::create_dir_all(&nested).expect("mkdir");
        assert!(our_dir(&base, &nested, &key).is_err(), "not under the base");
        assert!(remove_dir(&base, &nested).is_err());
        assert!(nested.exists());

        assert_eq!(remove_dir(&base, &dir), Ok(()));
        assert!(!dir.exists());
        assert_eq!(remove_dir(&base, &dir), Ok(()), "already gone");
        std::fs::remove_dir_all(&tmp).expect("cleanup");
    }
}
