//! Taking over a running exec of ours from the execmux that made it: who may (its owner is
//! gone, or detached it on purpose), and the move itself (the owner record rewritten to this
//! process, the detached mark cleared), under a lock so that two takers cannot both win.

use std::fs::File;
use std::path::Path;

use nix::fcntl::{Flock, FlockArg};

use super::exec::EXEC_ID_PREFIX;
use super::owner::{DETACHED_FILE, FifoDir, Liveness, OWNER_FILE, Owner, Record};
use super::stdio::StdioSet;
use super::{Runtime, RuntimeError};
use crate::domain::{ExecKey, ProcessStatus};

/// Why an exec cannot be taken over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "exec {0}: its output cannot be read without stealing it from its owner, which is not \
         execmux (ctr, Docker, kubelet ...), so it cannot be attached"
    )]
    Foreign(String),
    #[error("exec {0} is not running")]
    NotRunning(String),
    #[error(
        "exec {exec} has no readable owner record ({why}): it cannot be told whether another \
         execmux serves it, so it is not attached"
    )]
    NoRecord { exec: String, why: String },
    #[error("exec {exec} is owned by execmux pid {pid}; detach it there first")]
    Owned { exec: String, pid: u32 },
    #[error(
        "the owner of exec {exec} (pid {pid}) cannot be proven gone and did not detach it; \
         detach it there first"
    )]
    Unproven { exec: String, pid: u32 },
    #[error("exec {0} is being attached by another execmux")]
    Busy(String),
    /// Kubernetes keeps no exec that a new stream could join.
    #[error(
        "a Kubernetes exec cannot be taken up again: the API has no call that joins a \
         running exec's streams"
    )]
    NoReattach,
}

/// Why an attach failed.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// An exec now ours: its status when taken, its FIFO set, and whom it came from.
#[derive(Debug)]
pub struct Claim {
    pub status: ProcessStatus,
    pub stdio: StdioSet,
    /// The execmux that made or last held it.
    pub previous: Owner,
    /// It had been detached on purpose (handed over).
    pub was_detached: bool,
}

/// Whether `dir`'s record lets this process take `key` over.
pub fn judge(key: &ExecKey, dir: &FifoDir) -> Result<Owner, Refusal> {
    let exec = key.exec.to_string();
    let owner = match &dir.record {
        Record::Found(o) => o.clone(),
        Record::Missing => {
            return Err(Refusal::NoRecord {
                exec,
                why: "none in its FIFO directory".into(),
            });
        }
        Record::Unreadable(e) => {
            return Err(Refusal::NoRecord {
                exec,
                why: e.clone(),
            });
        }
    };
    if owner.key() != *key {
        return Err(Refusal::NoRecord {
            exec,
            why: format!("the record names exec {}", owner.key()),
        });
    }
    if dir.detached || owner.pid == std::process::id() {
        return Ok(owner);
    }
    match owner.liveness() {
        Liveness::Dead => Ok(owner),
        Liveness::Alive => Err(Refusal::Owned {
            exec,
            pid: owner.pid,
        }),
        Liveness::Unknown => Err(Refusal::Unproven {
            exec,
            pid: owner.pid,
        }),
    }
}

/// Takes `key` over: it must be a running exec with our id prefix whose FIFO directory's
/// owner is gone or detached it. On success the record names this process and the
/// detached mark is gone; the FIFOs are not opened yet.
pub async fn claim(rt: &Runtime, key: &ExecKey) -> Result<Claim, AttachError> {
    if !key.exec.as_str().starts_with(EXEC_ID_PREFIX) {
        return Err(Refusal::Foreign(key.exec.to_string()).into());
    }
    let status = match rt
        .process(&key.namespace, &key.container, Some(&key.exec))
        .await
    {
        Ok(s) => s,
        Err(e) if e.is_not_found() => return Err(Refusal::NotRunning(key.exec.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    if status.exit.is_some() || status.pid == 0 {
        return Err(Refusal::NotRunning(key.exec.to_string()).into());
    }
    let Some(dir) = FifoDir::of_fifo(Path::new(&status.stdout)) else {
        return Err(Refusal::Foreign(key.exec.to_string()).into());
    };
    // Our FIFO sets name their output `stdout`, in a directory named after the exec that
    // holds every FIFO containerd reports; another client's are named otherwise.
    let ours = Path::new(&status.stdout).file_name() == Some(std::ffi::OsStr::new("stdout"))
        && dir.dir.file_name() == Some(std::ffi::OsStr::new(key.exec.as_str()))
        && dir
            .dir
            .canonicalize()
            .is_ok_and(|d| super::proof::fifos_in(&d, &status).is_ok());
    if !ours {
        return Err(Refusal::Foreign(key.exec.to_string()).into());
    }
    // The lock is taken before the record is read: a second taker reads our record.
    let _lock = lock(&dir.dir, key)?;
    let dir = FifoDir::read(&dir.dir);
    let previous = judge(key, &dir)?;
    write_owner(&dir.dir, &Owner::current(key))?;
    if dir.detached
        && let Err(e) = std::fs::remove_file(dir.dir.join(DETACHED_FILE))
        && e.kind() != std::io::ErrorKind::NotFound
    {
        return Err(RuntimeError::io("clear the detached mark", e).into());
    }
    tracing::info!(exec = %key, from = previous.pid, detached = dir.detached, "exec taken over");
    Ok(Claim {
        stdio: StdioSet::existing(&dir.dir),
        status,
        previous,
        was_detached: dir.detached,
    })
}

/// An exclusive, non-blocking lock on the FIFO directory itself (released on drop, or when
/// this process dies). The reaper takes it too: an exec is killed or taken over, not both.
pub(crate) fn lock(dir: &Path, key: &ExecKey) -> Result<Flock<File>, AttachError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let flags = nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_DIRECTORY;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(dir)
        .map_err(|e| RuntimeError::io(format!("open {}", dir.display()), e))?;
    Flock::lock(f, FlockArg::LockExclusiveNonblock).map_err(|(_, errno)| {
        if errno == nix::errno::Errno::EWOULDBLOCK {
            AttachError::from(Refusal::Busy(key.exec.to_string()))
        } else {
            RuntimeError::io("lock the FIFO directory", errno.into()).into()
        }
    })
}

/// Replaces the owner record at once (a reader sees the old one or the new one).
fn write_owner(dir: &Path, owner: &Owner) -> Result<(), RuntimeError> {
    let bytes = serde_json::to_vec(owner).map_err(|e| RuntimeError::Invalid(e.to_string()))?;
    let tmp = dir.join(format!("{OWNER_FILE}.new"));
    // A file left by a write that died halfway (or anything else there) goes first: the
    // new record is a new file, never written through a name that exists.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(RuntimeError::io("remove a stale owner record", e));
        }
        _ => {}
    }
    crate::safe_file::create_new_private(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &bytes))
        .map_err(|e| RuntimeError::io("write owner record", e))?;
    std::fs::rename(&tmp, dir.join(OWNER_FILE))
        .map_err(|e| RuntimeError::io("replace owner record", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ExecKey {
        ExecKey::test("c", "execmux-adopt1")
    }

    fn dir(record: Record, detached: bool) -> FifoDir {
        FifoDir {
            dir: "/nonexistent".into(),
            record,
            detached,
        }
    }

    /// The record of a live process that is not this one: our parent (cargo or a shell).
    fn other_live_owner() -> Owner {
        let parent = std::os::unix::process::parent_id();
        let mut o = Owner::current(&key());
        let stat = std::fs::read_to_string(format!("/proc/{parent}/stat")).expect("stat");
        let rest = &stat[stat.rfind(')').expect(")") + 1..];
        o.pid = parent;
        o.start_time = rest
            .split_whitespace()
            .nth(19)
            .and_then(|t| t.parse().ok())
            .expect("start time");
        o
    }

    #[test]
    fn only_a_gone_or_detached_owner_hands_an_exec_over() {
        let alive = other_live_owner();
        assert_eq!(alive.liveness(), Liveness::Alive);
        let dead = Owner {
            start_time: alive.start_time + 1,
            ..alive.clone()
        };
        let unknown = Owner {
            boot_id: None,
            ..alive.clone()
        };
        let exec = "execmux-adopt1".to_owned();
        let pid = alive.pid;
        let cases = [
            (
                Record::Found(alive.clone()),
                false,
                Err(Refusal::Owned {
                    exec: exec.clone(),
                    pid,
                }),
            ),
            (Record::Found(alive.clone()), true, Ok(pid)),
            (Record::Found(dead.clone()), false, Ok(pid)),
            (
                Record::Found(unknown.clone()),
                false,
                Err(Refusal::Unproven {
                    exec: exec.clone(),
                    pid,
                }),
            ),
            (Record::Found(unknown), true, Ok(pid)),
        ];
        for (record, detached, want) in cases {
            let got = judge(&key(), &dir(record.clone(), detached)).map(|o| o.pid);
            assert_eq!(got, want, "{record:?} detached={detached}");
        }
        assert!(matches!(
            judge(&key(), &dir(Record::Missing, true)),
            Err(Refusal::NoRecord { .. })
        ));
        let other = Owner {
            exec: "execmux-else".into(),
            ..dead
        };
        assert!(matches!(
            judge(&key(), &dir(Record::Found(other), true)),
            Err(Refusal::NoRecord { .. })
        ));
        let message = Refusal::Owned { exec, pid: 42 }.to_string();
        assert_eq!(
            message,
            "exec execmux-adopt1 is owned by execmux pid 42; detach it there first"
        );
    }

    #[test]
    fn the_record_moves_to_this_process_and_a_second_taker_is_locked_out() {
        let base = std::env::temp_dir().join(format!("execmux-adopt-{}", std::process::id()));
        let set = StdioSet::create(&base, &key(), true, true).expect("create");
        let held = lock(set.dir(), &key()).expect("first lock");
        assert!(matches!(
            lock(set.dir(), &key()),
            Err(AttachError::Refused(Refusal::Busy(_)))
        ));
        drop(held);
        let mut me = Owner::current(&key());
        me.start_time += 1;
        write_owner(set.dir(), &me).expect("write");
        let read = FifoDir::read(set.dir());
        assert_eq!(read.record, Record::Found(me));
        let names: Vec<String> = std::fs::read_dir(set.dir())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(OWNER_FILE))
            .collect();
        assert_eq!(names, [OWNER_FILE], "no temporary file left");
        let again = StdioSet::existing(set.dir());
        assert_eq!(
            (again.stdin_path(), again.stderr_path()),
            (set.stdin_path(), String::new())
        );
        set.remove();
        let _ = std::fs::remove_dir(&base);
    }

    #[test]
    fn a_symlink_planted_in_the_fifo_dir_is_not_written_through() {
        let base = std::env::temp_dir().join(format!("execmux-adopt2-{}", std::process::id()));
        let set = StdioSet::create(&base, &key(), false, true).expect("create");
        let target = base.join("target");
        std::fs::write(&target, b"keep").expect("write");
        let tmp = set.dir().join(format!("{OWNER_FILE}.new"));
        std::os::unix::fs::symlink(&target, &tmp).expect("symlink");
        std::os::unix::fs::symlink(&target, set.dir().join(DETACHED_FILE)).expect("symlink");
        write_owner(set.dir(), &Owner::current(&key())).expect("write");
        set.mark_detached();
        assert_eq!(std::fs::read(&target).expect("read"), b"keep");
        let record = std::fs::symlink_metadata(set.dir().join(OWNER_FILE)).expect("record");
        assert!(record.file_type().is_file(), "{record:?}");
        set.remove();
        let _ = std::fs::remove_file(&target);
        let _ = std::fs::remove_dir(&base);
    }
}
