//! Opening the files execmux writes (its log, the audit log, transcripts, saved selections,
//! owner records, man pages) where a path from the environment or the command line points:
//! never through a symlink in the last component, only regular files that are ours, never
//! a chmod of anything else, in a directory no other user can change; a clear error when
//! any of that does not hold.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::fd::AsFd as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use nix::fcntl::{FcntlArg, OFlag};
use nix::sys::stat::Mode;

const STICKY: u32 = 0o1000;

fn refused(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, format!("{what} (refused)"))
}

fn me() -> (u32, u32) {
    (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    )
}

/// The error of an open that met something other than a regular file.
fn explain(path: &Path, e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(nix::libc::ELOOP) => refused(format!("{} is a symbolic link", path.display())),
        Some(nix::libc::ENXIO) => refused(format!("{} is not a regular file", path.display())),
        _ => io::Error::new(e.kind(), format!("{}: {e}", path.display())),
    }
}

/// The directory `path` is in, and the name in it.
fn split(path: &Path) -> io::Result<(PathBuf, &std::ffi::OsStr)> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names no file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

/// Opens the directory `dir` (made 0700 with its parents when missing) and checks that no
/// other user can change what is in it: it belongs to us or root, and it is writable by
/// nobody else unless sticky (as `/tmp`: then no one removes or renames another's file).
pub fn checked_dir(dir: &Path, create: bool) -> io::Result<File> {
    if create && std::fs::symlink_metadata(dir).is_err() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io::Error::new(e.kind(), format!("create {}: {e}", dir.display())))?;
    }
    let f = OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_DIRECTORY | OFlag::O_CLOEXEC).bits())
        .open(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let meta = f.metadata()?;
    let (uid, gid) = me();
    if meta.uid() != uid && meta.uid() != 0 {
        return Err(refused(format!(
            "{} belongs to uid {}, neither to uid {uid} nor to root",
            dir.display(),
            meta.uid()
        )));
    }
    let mode = meta.mode();
    let others = mode & 0o002 != 0;
    let group = mode & 0o020 != 0 && meta.gid() != gid;
    if mode & STICKY == 0 && (others || group) {
        return Err(refused(format!(
            "{} is writable by other users",
            dir.display()
        )));
    }
    Ok(f)
}

/// Checks that the open file is a regular file of ours with no other name.
fn check_ours(f: &File, path: &Path) -> io::Result<std::fs::Metadata> {
    let meta = f.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refused(format!("{} is not a regular file", path.display())));
    }
    let (uid, _) = me();
    if meta.uid() != uid {
        return Err(refused(format!(
            "{} belongs to uid {}, not to uid {uid}",
            path.display(),
            meta.uid()
        )));
    }
    if meta.nlink() != 1 {
        return Err(refused(format!(
            "{} has {} hard links",
            path.display(),
            meta.nlink()
        )));
    }
    Ok(meta)
}

/// Opens `name` in the directory `dir` with `flags` (never following a symlink, never
/// blocking on a FIFO); the descriptor is left blocking.
fn open_at(dir: &File, name: &std::ffi::OsStr, flags: OFlag, mode: u32) -> io::Result<File> {
    let flags = flags | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
    let fd = nix::fcntl::openat(dir.as_fd(), name, flags, Mode::from_bits_truncate(mode))?;
    let f = File::from(fd);
    let fl = nix::fcntl::fcntl(&f, FcntlArg::F_GETFL)?;
    let fl = OFlag::from_bits_truncate(fl) - OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(&f, FcntlArg::F_SETFL(fl))?;
    Ok(f)
}

/// A log to append to: `path` (its directory made 0700 when missing, and checked), created
/// 0600 or, when it exists, a regular file of ours that is made 0600 if it was looser.
pub fn open_append_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, name) = split(path)?;
    let dir = checked_dir(&dir, true)?;
    let f = open_at(
        &dir,
        name,
        OFlag::O_WRONLY | OFlag::O_APPEND | OFlag::O_CREAT,
        0o600,
    )
    .map_err(|e| explain(path, &e))?;
    let meta = check_ours(&f, path)?;
    if meta.mode() & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// A new file `path`, 0600; fails when anything (a symlink too) has that name.
pub fn create_new_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC).bits())
        .open(path)
}

/// A new file `name` (0600) in the open directory `dir`; fails when the name exists.
pub fn create_new_at(dir: &File, name: &str) -> io::Result<File> {
    open_at(
        dir,
        std::ffi::OsStr::new(name),
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL,
        0o600,
    )
}

/// Writes `bytes` as the whole content of `path` (mode 0644 when new): an existing file is
/// rewritten only when it is a regular file of ours with no other name.
pub fn rewrite(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (dir, name) = split(path)?;
    let dir = OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_DIRECTORY | OFlag::O_CLOEXEC).bits())
        .open(&dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let mut f = open_at(&dir, name, OFlag::O_WRONLY | OFlag::O_CREAT, 0o644)
        .map_err(|e| explain(path, &e))?;
    check_ours(&f, path)?;
    f.set_len(0)?;
    f.write_all(bytes)
}

#[cfg(test)]
#[path = "safe_file_tests.rs"]
mod tests;
