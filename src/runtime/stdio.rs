//! The FIFO set of one exec: a private 0700 directory holding 0600 FIFOs and an owner record
//! (see `owner`), opened off the async runtime, released and removed so that nothing blocks
//! or leaks.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::sys::stat::Mode;
use tokio::net::unix::pipe;
use tokio::task::JoinHandle;

use super::error::{Result, RuntimeError};
pub use super::fifo_base::{base_dir, default_base, ensure_private_dir};
use super::owner::{DETACHED_FILE, OWNER_FILE, Owner};
use crate::domain::ExecKey;

/// The FIFOs of one exec. Paths are empty strings for streams the exec does not have.
#[derive(Debug, Clone)]
pub struct StdioSet {
    dir: PathBuf,
    stdin: Option<PathBuf>,
    stdout: PathBuf,
    stderr: Option<PathBuf>,
}

/// The three ends, opened once the shim opens its side (at Start).
#[derive(Debug)]
pub struct Opened {
    pub stdin: Option<pipe::Sender>,
    pub stdout: pipe::Receiver,
    pub stderr: Option<pipe::Receiver>,
}

/// Opens in progress on blocking threads.
#[derive(Debug)]
pub struct PendingOpen {
    stdin: Option<JoinHandle<std::io::Result<File>>>,
    stdout: JoinHandle<std::io::Result<File>>,
    stderr: Option<JoinHandle<std::io::Result<File>>>,
}

fn mkfifo(path: &Path) -> Result<()> {
    nix::unistd::mkfifo(path, Mode::from_bits_truncate(0o600))
        .map_err(|e| RuntimeError::io(format!("mkfifo {}", path.display()), e.into()))
}

impl StdioSet {
    /// Makes `base/<exec id>` (0700, never reused) with the FIFOs and the owner record.
    pub fn create(base: &Path, key: &ExecKey, stdin: bool, tty: bool) -> Result<Self> {
        ensure_private_dir(base)?;
        let dir = base.join(key.exec.as_str());
        DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| RuntimeError::io(format!("create {}", dir.display()), e))?;
        let set = Self {
            stdin: stdin.then(|| dir.join("stdin")),
            stdout: dir.join("stdout"),
            stderr: (!tty).then(|| dir.join("stderr")),
            dir,
        };
        let made = (|| {
            let owner = serde_json::to_vec(&Owner::current(key))
                .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
            crate::safe_file::create_new_private(&set.dir.join(OWNER_FILE))
                .and_then(|mut f| std::io::Write::write_all(&mut f, &owner))
                .map_err(|e| RuntimeError::io("write owner record", e))?;
            for p in set.paths() {
                mkfifo(p)?;
            }
            Ok(())
        })();
        if let Err(e) = made {
            set.remove();
            return Err(e);
        }
        Ok(set)
    }

    /// The FIFO set already in `dir` (made by `create`, here or in another execmux): a
    /// stream exists when its FIFO does.
    pub fn existing(dir: &Path) -> Self {
        let has = |name: &str| {
            let p = dir.join(name);
            p.exists().then_some(p)
        };
        Self {
            stdin: has("stdin"),
            stdout: dir.join("stdout"),
            stderr: has("stderr"),
            dir: dir.to_owned(),
        }
    }

    /// Opens the FIFOs of an exec that already runs, without blocking: the shim holds its
    /// ends open. A stdin no one reads any more (ENXIO) is left out.
    pub fn open_existing(&self) -> Result<Opened> {
        let stdout = pipe::OpenOptions::new()
            .open_receiver(&self.stdout)
            .map_err(|e| RuntimeError::io(format!("open {}", self.stdout.display()), e))?;
        let stderr = match &self.stderr {
            Some(p) => Some(
                pipe::OpenOptions::new()
                    .open_receiver(p)
                    .map_err(|e| RuntimeError::io(format!("open {}", p.display()), e))?,
            ),
            None => None,
        };
        let stdin = match &self.stdin {
            Some(p) => match pipe::OpenOptions::new().open_sender(p) {
                Ok(s) => Some(s),
                Err(e) if e.raw_os_error() == Some(nix::libc::ENXIO) => {
                    tracing::warn!(fifo = %p.display(), "no reader on the exec's stdin");
                    None
                }
                Err(e) => return Err(RuntimeError::io(format!("open {}", p.display()), e)),
            },
            None => None,
        };
        Ok(Opened {
            stdin,
            stdout,
            stderr,
        })
    }

    fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.stdin
            .iter()
            .chain(std::iter::once(&self.stdout))
            .chain(self.stderr.iter())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Paths as containerd's Exec wants them: empty for a missing stream.
    pub fn stdin_path(&self) -> String {
        path_string(self.stdin.as_deref())
    }
    pub fn stdout_path(&self) -> String {
        path_string(Some(&self.stdout))
    }
    pub fn stderr_path(&self) -> String {
        path_string(self.stderr.as_deref())
    }

    /// Starts the blocking opens on worker threads: each returns when the shim opens its end.
    pub fn open(&self) -> PendingOpen {
        let read =
            |p: PathBuf| tokio::task::spawn_blocking(move || OpenOptions::new().read(true).open(p));
        PendingOpen {
            stdin: self.stdin.clone().map(|p| {
                tokio::task::spawn_blocking(move || OpenOptions::new().write(true).open(p))
            }),
            stdout: read(self.stdout.clone()),
            stderr: self.stderr.clone().map(read),
        }
    }

    /// Gives up on opens still waiting for the shim (Exec or Start failed) and removes the
    /// directory. Each FIFO is held open read-write until every open has returned, so no
    /// thread stays in `open(2)`, whether it had begun its open yet or not.
    pub async fn abort(&self, pending: PendingOpen) {
        let holders: Vec<File> = self
            .paths()
            .filter_map(|p| {
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .custom_flags(nix::libc::O_NONBLOCK)
                    .open(p)
                    .ok()
            })
            .collect();
        pending.join_all().await;
        drop(holders);
        self.remove();
    }

    /// Records that the exec was left running on purpose, so it is not reaped as an orphan
    /// while it runs.
    pub fn mark_detached(&self) {
        // The mark is its name alone: one that exists already (even a symlink) is the mark.
        match crate::safe_file::create_new_private(&self.dir.join(DETACHED_FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                tracing::warn!(dir = %self.dir.display(), error = %e, "cannot mark exec detached");
            }
            _ => {}
        }
    }

    /// Removes the directory with everything in it (after the opens have finished).
    pub fn remove(&self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.display(), error = %e, "cannot remove FIFO dir");
        }
    }
}

fn path_string(p: Option<&Path>) -> String {
    p.map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl PendingOpen {
    /// Waits for every open, whatever its outcome.
    async fn join_all(self) {
        let _ = self.stdout.await;
        if let Some(h) = self.stdin {
            let _ = h.await;
        }
        if let Some(h) = self.stderr {
            let _ = h.await;
        }
    }

    /// Waits for every open and wraps the files as async pipes.
    pub async fn finish(self) -> Result<Opened> {
        async fn join(h: JoinHandle<std::io::Result<File>>, what: &str) -> Result<File> {
            h.await
                .map_err(|e| RuntimeError::io(format!("open {what}"), std::io::Error::other(e)))?
                .map_err(|e| RuntimeError::io(format!("open {what}"), e))
        }
        let stdout = pipe::Receiver::from_file(join(self.stdout, "stdout").await?)
            .map_err(|e| RuntimeError::io("stdout pipe", e))?;
        let stderr = match self.stderr {
            Some(h) => Some(
                pipe::Receiver::from_file(join(h, "stderr").await?)
                    .map_err(|e| RuntimeError::io("stderr pipe", e))?,
            ),
            None => None,
        };
        let stdin = match self.stdin {
            Some(h) => Some(
                pipe::Sender::from_file(join(h, "stdin").await?)
                    .map_err(|e| RuntimeError::io("stdin pipe", e))?,
            ),
            None => None,
        };
        Ok(Opened {
            stdin,
            stdout,
            stderr,
        })
    }
}

/// The FIFO directories under `base` (for leak checks).
pub fn list_dirs(base: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn key() -> ExecKey {
        ExecKey::test("c", "execmux-test1")
    }

    #[test]
    fn modes_and_removal() {
        let base = std::env::temp_dir().join(format!("execmux-stdio-{}", std::process::id()));
        let set = StdioSet::create(&base, &key(), true, false).expect("create");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&base), 0o700);
        assert_eq!(mode(set.dir()), 0o700);
        for p in ["stdin", "stdout", "stderr"] {
            assert_eq!(mode(&set.dir().join(p)), 0o600, "{p}");
        }
        // A second exec with the same id never reuses the directory.
        assert!(StdioSet::create(&base, &key(), false, true).is_err());
        assert!(
            super::super::owner::stale_dirs(&base).is_empty(),
            "our own dir is not stale"
        );
        set.remove();
        assert!(!set.dir().exists());
        let _ = std::fs::remove_dir(&base);
    }

    #[test]
    fn tty_has_no_stderr_and_no_stdin_without_i() {
        let base = std::env::temp_dir().join(format!("execmux-stdio2-{}", std::process::id()));
        let set = StdioSet::create(&base, &key(), false, true).expect("create");
        assert_eq!(set.stdin_path(), "");
        assert_eq!(set.stderr_path(), "");
        assert!(set.stdout_path().ends_with("/stdout"));
        set.remove();
        let _ = std::fs::remove_dir(&base);
    }

    #[tokio::test]
    async fn abort_unblocks_pending_opens() {
        let base = std::env::temp_dir().join(format!("execmux-stdio3-{}", std::process::id()));
        for _ in 0..20 {
            let set = StdioSet::create(&base, &key(), true, false).expect("create");
            let pending = set.open();
            // Returns only once every blocking open has returned.
            set.abort(pending).await;
            assert!(!set.dir().exists());
        }
        let _ = std::fs::remove_dir(&base);
    }
}
