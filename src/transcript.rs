//! Transcripts and saved selections: the header of an exec's record (namespace, container,
//! exec id, command, user, tty, started, ended, exit code), the directory they go to
//! (`$XDG_STATE_HOME/execmux/transcripts`, else `~/.local/state/...`, else the working
//! directory, one that no other user can change) and files made 0600 with `O_EXCL`, so
//! that no file is ever overwritten and no planted symlink followed.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::domain::format_time;
use crate::registry::ExecRecord;

/// Tries at most this many names (`stem.txt`, `stem-1.txt`, ...) before giving up.
const NAMES_TRIED: u32 = 1000;

/// Where transcripts go, from `$XDG_STATE_HOME` and `$HOME`; the working directory when
/// neither is set.
pub fn default_dir() -> PathBuf {
    choose_dir(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
}

fn choose_dir(state_home: Option<OsString>, home: Option<OsString>) -> PathBuf {
    let nonempty = |v: Option<OsString>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
    nonempty(state_home)
        .or_else(|| nonempty(home).map(|h| h.join(".local/state")))
        .map_or_else(
            || PathBuf::from("."),
            |s| s.join("execmux").join("transcripts"),
        )
}

/// Creates `path` 0600; fails when anything has that name (never follows or overwrites
/// anything, a symlink included).
pub fn create_exclusive(path: &Path) -> io::Result<File> {
    crate::safe_file::create_new_private(path)
}

/// A new file `stem.txt` (or `stem-N.txt`) in `dir`, made 0700 when missing; refused when
/// `dir` belongs to another user or others can change what is in it.
pub fn create_in(dir: &Path, stem: &str) -> io::Result<(File, PathBuf)> {
    let handle = crate::safe_file::checked_dir(dir, true)?;
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    for n in 0..NAMES_TRIED {
        let name = if n == 0 {
            format!("{stem}.txt")
        } else {
            format!("{stem}-{n}.txt")
        };
        match crate::safe_file::create_new_at(&handle, &name) {
            Ok(f) => return Ok((f, dir.join(name))),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{NAMES_TRIED} files named {stem} exist already"),
    ))
}

/// Writes `parts` to a new file named after `stem` in `dir`; returns its path.
pub fn save(dir: &Path, stem: &str, parts: &[&str]) -> io::Result<PathBuf> {
    let (mut f, path) = create_in(dir, stem)?;
    for p in parts {
        f.write_all(p.as_bytes())?;
    }
    f.sync_all()?;
    Ok(path)
}

fn time_or_dash(t: Option<SystemTime>) -> String {
    t.map_or_else(|| "-".to_owned(), format_time)
}

/// The header lines of an exec's transcript, each starting with `# `; the end and the exit
/// code are left out when `with_end` is false (the command line writes them at the end).
pub fn header(rec: &ExecRecord, with_end: bool) -> String {
    let mut s = String::from("# execmux transcript\n");
    let command = shlex::try_join(rec.command.iter().map(String::as_str))
        .unwrap_or_else(|_| rec.command.join(" "));
    let fields = [
        ("namespace", rec.key.namespace.to_string()),
        ("container", rec.key.container.to_string()),
        ("exec", rec.key.exec.to_string()),
        ("command", command),
        (
            "user",
            rec.user
                .clone()
                .unwrap_or_else(|| "(the container's)".into()),
        ),
        ("tty", rec.tty.to_string()),
        ("started", time_or_dash(rec.started_at)),
    ];
    for (k, v) in fields {
        let _ = writeln!(s, "# {k}: {}", one_line(&v));
    }
    if with_end {
        s.push_str(&footer(rec.finished_at, rec.exit_code, rec.is_live()));
    }
    s.push_str("#\n");
    s
}

/// The end and the exit code of an exec (`running` while it runs).
pub fn footer(ended: Option<SystemTime>, code: Option<u32>, live: bool) -> String {
    let code = match (code, live) {
        (Some(c), _) => c.to_string(),
        (None, true) => "running".into(),
        (None, false) => "unknown".into(),
    };
    format!("# ended: {}\n# exit code: {code}\n", time_or_dash(ended))
}

/// A value on one line, without control characters.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::DirBuilderExt as _;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn the_directory_follows_xdg_then_home_then_the_cwd() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(
            choose_dir(s("/st"), s("/h")),
            PathBuf::from("/st/execmux/transcripts")
        );
        assert_eq!(
            choose_dir(s(""), s("/h")),
            PathBuf::from("/h/.local/state/execmux/transcripts")
        );
        assert_eq!(choose_dir(None, None), PathBuf::from("."));
    }

    #[test]
    fn files_are_private_and_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("execmux-tr-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = save(&dir, "t/x y", &["one"]).expect("first");
        let b = save(&dir, "t/x y", &["two"]).expect("second");
        assert_eq!(a.file_name().and_then(|n| n.to_str()), Some("t_x_y.txt"));
        assert_eq!(b.file_name().and_then(|n| n.to_str()), Some("t_x_y-1.txt"));
        assert_eq!(std::fs::read_to_string(&a).expect("read"), "one");
        let mode = std::fs::metadata(&b).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(create_exclusive(&a).is_err(), "an existing file is refused");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_directory_others_can_change_or_a_planted_symlink_is_refused() {
        let dir = std::env::temp_dir().join(format!("execmux-tr2-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .expect("mkdir");
        let open = dir.join("open");
        std::fs::create_dir(&open).expect("mkdir");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let e = save(&open, "sel", &["secret"]).expect_err("refused");
        assert!(e.to_string().contains("writable by other users"), "{e}");
        assert_eq!(std::fs::read_dir(&open).expect("list").count(), 0);
        let target = dir.join("target");
        std::fs::write(&target, b"keep").expect("write");
        std::os::unix::fs::symlink(&target, dir.join("t.txt")).expect("symlink");
        let (_, path) = create_in(&dir, "t").expect("the next name");
        assert_eq!(path, dir.join("t-1.txt"));
        assert_eq!(std::fs::read(&target).expect("read"), b"keep");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
