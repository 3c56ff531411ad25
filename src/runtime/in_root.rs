//! Files read inside a container's root (which the container controls): resolved with
//! `RESOLVE_IN_ROOT` so links cannot lead out of it, never blocking on a FIFO or a device,
//! regular files only, bounded in size.

use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;

use super::error::{Result, RuntimeError};

/// Largest file (`/etc/passwd`, `/etc/group`) we read from a container.
pub const MAX_FILE: u64 = 1 << 20;

/// Whether `path` names an executable file inside a container root (resolved with
/// `RESOLVE_IN_ROOT`, so links cannot lead out of it).
pub fn executable_in_root(root: &Path, path: &str) -> bool {
    use nix::fcntl::{OFlag, OpenHow, ResolveFlag, open, openat2};
    use nix::sys::stat::Mode;
    let Ok(dir) = open(
        root,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    ) else {
        return false;
    };
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let Ok(fd) = openat2(dir.as_fd(), path.trim_start_matches('/'), how) else {
        return false;
    };
    nix::sys::stat::fstat(&fd)
        .is_ok_and(|st| st.st_mode & 0o170_000 == 0o100_000 && st.st_mode & 0o111 != 0)
}

/// What a non-regular file is, for the error that refuses it.
fn kind_of(mode: u32) -> &'static str {
    match mode & 0o170_000 {
        0o010_000 => "FIFO",
        0o020_000 => "character device",
        0o040_000 => "directory",
        0o060_000 => "block device",
        0o140_000 => "socket",
        _ => "special file",
    }
}

/// Reads a small file inside a container root (the container controls it): resolved with
/// `RESOLVE_IN_ROOT` so links cannot lead out of it, opened non-blocking so a FIFO or a
/// device cannot hold the open, refused unless it is a regular file, at most 1 MiB.
/// `Ok(None)` when the root is not visible from here or the file does not exist.
pub fn read_in_root(root: &Path, rel: &str) -> Result<Option<String>> {
    use nix::errno::Errno;
    use nix::fcntl::{OFlag, OpenHow, ResolveFlag, open, openat2};
    use nix::sys::stat::Mode;
    let Ok(dir) = open(
        root,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    ) else {
        return Ok(None);
    };
    let how = OpenHow::new()
        .flags(OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let shown = format!("/{rel}");
    let fd = match openat2(dir.as_fd(), rel, how) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => return Ok(None),
        Err(e) => {
            return Err(RuntimeError::Invalid(format!(
                "cannot read the container's {shown}: {}",
                e.desc()
            )));
        }
    };
    let st = nix::sys::stat::fstat(&fd).map_err(|e| {
        RuntimeError::Invalid(format!("cannot read the container's {shown}: {}", e.desc()))
    })?;
    if st.st_mode & 0o170_000 != 0o100_000 {
        return Err(RuntimeError::Invalid(format!(
            "the container's {shown} is a {}, not a regular file",
            kind_of(st.st_mode)
        )));
    }
    let too_big = || {
        RuntimeError::Invalid(format!(
            "the container's {shown} is larger than {} KiB",
            MAX_FILE >> 10
        ))
    };
    if u64::try_from(st.st_size).unwrap_or(u64::MAX) > MAX_FILE {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::from(fd)
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| RuntimeError::Io {
            what: format!("read the container's {shown}"),
            source: e,
        })?;
    // It may have grown since the fstat.
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_big());
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}
