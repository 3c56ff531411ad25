//! The FIFO base directory: where exec FIFO directories live, and the checks that make it
//! ours alone (created 0700; an existing one not a symlink, owned by our euid, not writable
//! by group or others).

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::{Result, RuntimeError};

const NO_BASE: &str = "no directory for exec FIFOs: $XDG_RUNTIME_DIR is not set; \
    pass --runtime-dir DIR (or set $EXECMUX_RUNTIME_DIR) to a directory only you can use";

/// Where FIFO directories live: `$EXECMUX_RUNTIME_DIR`, else `/run/execmux` for root, else
/// `$XDG_RUNTIME_DIR/execmux`. Never a predictable name in a shared temp dir: without
/// `$XDG_RUNTIME_DIR` a non-root user must name one.
pub fn base_dir() -> Result<PathBuf> {
    choose_base(
        std::env::var_os("EXECMUX_RUNTIME_DIR"),
        nix::unistd::geteuid().is_root(),
        std::env::var_os("XDG_RUNTIME_DIR"),
    )
}

fn choose_base(
    explicit: Option<std::ffi::OsString>,
    root: bool,
    xdg: Option<std::ffi::OsString>,
) -> Result<PathBuf> {
    match (explicit, root, xdg) {
        (Some(dir), _, _) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        (_, true, _) => Ok(PathBuf::from("/run/execmux")),
        (_, false, Some(dir)) if !dir.is_empty() => Ok(PathBuf::from(dir).join("execmux")),
        _ => Err(RuntimeError::Invalid(NO_BASE.into())),
    }
}

/// `base_dir`, or an empty path when there is none: `StdioSet::create` then fails with the
/// message asking for `--runtime-dir`.
pub fn default_base() -> PathBuf {
    base_dir().unwrap_or_default()
}

/// Makes sure the FIFO base `dir` is ours alone: created 0700 when missing; an existing one
/// is accepted only if it is a real directory (not a symlink) owned by our euid and not
/// writable by group or others. Such a directory with looser read bits (0755) is tightened
/// to 0700, since nobody else could have put anything in it; a writable or foreign one is
/// refused.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let refuse = |why: String| {
        Err(RuntimeError::Invalid(format!(
            "FIFO directory base {} {why}; refusing to keep FIFOs there (pass --runtime-dir)",
            dir.display()
        )))
    };
    if dir.as_os_str().is_empty() {
        return Err(RuntimeError::Invalid(NO_BASE.into()));
    }
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => return refuse("is a symbolic link".into()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| RuntimeError::io(format!("create {}", dir.display()), e))?,
        Err(e) => return Err(RuntimeError::io(format!("stat {}", dir.display()), e)),
    }
    // Checked on an open descriptor that cannot follow a link, so that what is checked and
    // what is changed are the same directory.
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_DIRECTORY)
        .open(dir)
        .map_err(|e| RuntimeError::io(format!("open {}", dir.display()), e))?;
    let meta = handle
        .metadata()
        .map_err(|e| RuntimeError::io(format!("stat {}", dir.display()), e))?;
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return refuse(format!(
            "is owned by uid {}, not by us (uid {me})",
            meta.uid()
        ));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return refuse(format!("is writable by group or others (mode {mode:04o})"));
    }
    if mode != 0o700 {
        tracing::info!(dir = %dir.display(), mode = format!("{mode:04o}"), "tightening FIFO base to 0700");
        handle
            .set_permissions(std::fs::Permissions::from_mode(0o700))
            .map_err(|e| RuntimeError::io(format!("chmod {}", dir.display()), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ExecKey;
    use crate::runtime::stdio::StdioSet;

    fn key() -> ExecKey {
        ExecKey::test("c", "execmux-base1")
    }

    fn scratch(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("execmux-base-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        let _ = std::fs::remove_file(&p);
        p
    }

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p)
            .expect("stat")
            .permissions()
            .mode()
            & 0o7777
    }

    fn refused(base: &Path, needle: &str) {
        let e = StdioSet::create(base, &key(), false, true).expect_err("refused");
        assert!(e.to_string().contains(needle), "{e}");
        assert!(
            !base.join(key().exec.as_str()).exists(),
            "nothing made in it"
        );
    }

    #[test]
    fn fresh_base_is_created_0700() {
        let base = scratch("fresh").join("nested");
        let set = StdioSet::create(&base, &key(), false, true).expect("create");
        assert_eq!(mode(&base), 0o700);
        set.remove();
        std::fs::remove_dir_all(base.parent().expect("parent")).expect("cleanup");
    }

    #[test]
    fn symlinked_base_is_refused() {
        let target = scratch("target");
        DirBuilder::new()
            .mode(0o700)
            .create(&target)
            .expect("mkdir");
        let link = scratch("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        refused(&link, "is a symbolic link");
        std::fs::remove_file(&link).expect("cleanup");
        std::fs::remove_dir(&target).expect("cleanup");
    }

    #[test]
    fn foreign_owned_base_is_refused() {
        assert!(nix::unistd::geteuid().is_root(), "chown needs root");
        let base = scratch("foreign");
        DirBuilder::new().mode(0o700).create(&base).expect("mkdir");
        let nobody = nix::unistd::Uid::from_raw(65534);
        nix::unistd::chown(&base, Some(nobody), None).expect("chown");
        refused(&base, "is owned by uid 65534, not by us");
        std::fs::remove_dir(&base).expect("cleanup");
    }

    #[test]
    fn writable_base_is_refused_and_a_readable_one_tightened() {
        for loose in [0o770, 0o707, 0o1777] {
            let base = scratch("loose");
            DirBuilder::new().create(&base).expect("mkdir");
            std::fs::set_permissions(&base, std::fs::Permissions::from_mode(loose)).expect("chmod");
            refused(&base, "is writable by group or others");
            assert_eq!(mode(&base), loose, "a refused base is left as it was");
            std::fs::remove_dir(&base).expect("cleanup");
        }
        let base = scratch("readable");
        DirBuilder::new().create(&base).expect("mkdir");
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let set = StdioSet::create(&base, &key(), false, true).expect("accepted");
        assert_eq!(mode(&base), 0o700);
        set.remove();
        std::fs::remove_dir(&base).expect("cleanup");
    }

    #[test]
    fn base_choice_never_falls_back_to_a_shared_temp_dir() {
        use std::ffi::OsString;
        let some = |s: &str| Some(OsString::from(s));
        let pick = |e, r, x| choose_base(e, r, x).map_err(|e| e.to_string());
        assert_eq!(pick(some("/x"), false, None), Ok(PathBuf::from("/x")));
        assert_eq!(
            pick(None, true, some("/run/user/0")),
            Ok(PathBuf::from("/run/execmux"))
        );
        assert_eq!(
            pick(None, false, some("/run/user/1000")),
            Ok(PathBuf::from("/run/user/1000/execmux"))
        );
        let e = pick(None, false, None).expect_err("no base");
        assert!(
            e.contains("--runtime-dir") && e.contains("XDG_RUNTIME_DIR"),
            "{e}"
        );
        assert!(pick(None, false, some("")).is_err());
        let e = StdioSet::create(Path::new(""), &key(), false, true).expect_err("empty base");
        assert!(e.to_string().contains("--runtime-dir"), "{e}");
    }
}
