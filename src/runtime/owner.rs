//! Owner records: who made an exec of ours (pid, start time, boot id), written into its
//! FIFO directory, and what a record proves about that owner today. The reaper acts only on
//! what a record proves.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{ContainerId, ExecId, ExecKey, Namespace};

/// The owner record's file name in an exec's FIFO directory.
pub(crate) const OWNER_FILE: &str = "owner.json";
/// Present when the exec was left running on purpose.
pub(crate) const DETACHED_FILE: &str = "detached";

/// Who made an exec: written into its FIFO directory so that a later execmux can tell an
/// orphan (owner gone) from an exec another execmux still serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub pid: u32,
    /// The owner's start time in clock ticks after boot (`/proc/PID/stat` field 22), so that
    /// a reused pid is not mistaken for the owner.
    pub start_time: u64,
    /// The kernel's boot id when the record was written: start times only compare within
    /// one boot. Records written before it existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    /// The owner's pid namespace (inode of `/proc/self/ns/pid`): its pid means something
    /// only there. Records written before it existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_ns: Option<u64>,
    pub namespace: String,
    pub container: String,
    pub exec: String,
}

impl Owner {
    /// The record for an exec made by this process.
    pub fn current(key: &ExecKey) -> Self {
        let pid = std::process::id();
        Self {
            pid,
            start_time: match process_start_time(pid) {
                Probe::Started(t) => t,
                Probe::NoProcess | Probe::Unreadable => 0,
            },
            boot_id: boot_id(),
            pid_ns: pid_ns(),
            namespace: key.namespace.to_string(),
            container: key.container.to_string(),
            exec: key.exec.to_string(),
        }
    }

    pub fn key(&self) -> ExecKey {
        ExecKey {
            namespace: Namespace::from(self.namespace.as_str()),
            container: ContainerId::from(self.container.as_str()),
            exec: ExecId::from(self.exec.as_str()),
        }
    }

    /// Whether the owning process still runs: same boot, same pid, same start time.
    pub fn is_alive(&self) -> bool {
        self.liveness() == Liveness::Alive
    }

    /// What the record proves about its owner. A record without a boot id, a pid
    /// namespace or a start time, or from another pid namespace, proves nothing: its owner
    /// is unknown, never taken for dead. So is a pid whose `/proc` entry cannot be read.
    pub fn liveness(&self) -> Liveness {
        let (Some(recorded), Some(now)) = (self.boot_id.as_deref(), boot_id()) else {
            return Liveness::Unknown;
        };
        if recorded != now {
            // Every process of an earlier boot is gone.
            return Liveness::Dead;
        }
        if self.start_time == 0 || self.pid == 0 || self.pid_ns.is_none() || self.pid_ns != pid_ns()
        {
            return Liveness::Unknown;
        }
        match process_start_time(self.pid) {
            Probe::Started(t) if t == self.start_time => Liveness::Alive,
            // The pid now names another process: the owner is gone.
            Probe::Started(_) | Probe::NoProcess => Liveness::Dead,
            Probe::Unreadable => Liveness::Unknown,
        }
    }
}

/// What `/proc` says of a pid.
enum Probe {
    Started(u64),
    /// No process has the pid in this pid namespace.
    NoProcess,
    /// Its entry could not be read or parsed: proves nothing.
    Unreadable,
}

/// What an owner record says about the process that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    /// Provably gone: another boot, or no process with that pid and start time.
    Dead,
    /// The record lacks what would prove either.
    Unknown,
}

/// The kernel's id of the current boot.
fn boot_id() -> Option<String> {
    let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// The inode of this process's pid namespace.
fn pid_ns() -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self/ns/pid").ok().map(|m| m.ino())
}

/// Field 22 of `/proc/PID/stat`. Gone only when the kernel says no such process (a read
/// error alone may be `hidepid` or a mount of another namespace's `/proc`).
fn process_start_time(pid: u32) -> Probe {
    use std::io::Read as _;
    let mut stat = String::new();
    let read = std::fs::File::open(format!("/proc/{pid}/stat"))
        .and_then(|f| f.take(4096).read_to_string(&mut stat));
    if read.is_err() {
        let Ok(raw) = i32::try_from(pid) else {
            return Probe::Unreadable;
        };
        return match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
            Err(nix::errno::Errno::ESRCH) => Probe::NoProcess,
            _ => Probe::Unreadable,
        };
    }
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    let parsed = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().nth(19))
        .and_then(|t| t.parse().ok());
    parsed.map_or(Probe::Unreadable, Probe::Started)
}

/// The owner record's bytes: a regular file (no symlink, no FIFO that would block), at most
/// 64 KiB.
fn read_record(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_flags())
        .open(path)?;
    if !f.metadata()?.file_type().is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    f.take(64 * 1024).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn libc_flags() -> i32 {
    (nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK).bits()
}

/// What an exec's FIFO directory says about its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Found(Owner),
    Missing,
    /// The file exists but could not be read or parsed.
    Unreadable(String),
}

impl Record {
    /// The owner's liveness; a missing or unreadable record proves nothing.
    pub fn liveness(&self) -> Liveness {
        match self {
            Self::Found(o) => o.liveness(),
            Self::Missing | Self::Unreadable(_) => Liveness::Unknown,
        }
    }

    pub fn owner(&self) -> Option<&Owner> {
        match self {
            Self::Found(o) => Some(o),
            Self::Missing | Self::Unreadable(_) => None,
        }
    }
}

/// One exec's FIFO directory with its record and detached mark.
#[derive(Debug, Clone)]
pub struct FifoDir {
    pub dir: PathBuf,
    pub record: Record,
    /// The exec was detached on purpose: reap it only once it has exited.
    pub detached: bool,
}

impl FifoDir {
    /// Reads the record of the directory `dir`.
    pub fn read(dir: &Path) -> Self {
        let record = match read_record(&dir.join(OWNER_FILE)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Record::Missing,
            Err(e) => Record::Unreadable(e.to_string()),
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(o) => Record::Found(o),
                Err(e) => Record::Unreadable(e.to_string()),
            },
        };
        Self {
            dir: dir.to_owned(),
            record,
            detached: std::fs::symlink_metadata(dir.join(DETACHED_FILE)).is_ok(),
        }
    }

    /// The directory holding `fifo` (any FIFO path `Tasks.Get` reports), or None for an
    /// exec without FIFOs.
    pub fn of_fifo(fifo: &Path) -> Option<Self> {
        if fifo.as_os_str().is_empty() {
            return None;
        }
        fifo.parent().map(Self::read)
    }
}

/// The owner record and detached mark of an exec's FIFO directory, found from any of its
/// FIFO paths, when the record is there and readable.
pub fn owner_of_fifo(fifo: &Path) -> Option<(Owner, bool)> {
    let d = FifoDir::of_fifo(fifo)?;
    match d.record {
        Record::Found(o) => Some((o, d.detached)),
        Record::Missing | Record::Unreadable(_) => None,
    }
}

/// Every FIFO directory under `base` whose owner is not provably alive.
pub fn stale_dirs(base: &Path) -> Vec<FifoDir> {
    let Ok(entries) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut v: Vec<FifoDir> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| FifoDir::read(&e.path()))
        .filter(|d| d.record.liveness() != Liveness::Alive)
        .collect();
    v.sort_by(|a, b| a.dir.cmp(&b.dir));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ExecKey {
        ExecKey::test("c", "execmux-test1")
    }

    #[test]
    fn liveness_needs_pid_start_time_and_boot_id() {
        let me = Owner::current(&key());
        assert!(
            me.boot_id.as_deref().is_some_and(|b| b.len() >= 32),
            "{me:?}"
        );
        assert_eq!(me.liveness(), Liveness::Alive);
        let reused = Owner {
            start_time: me.start_time + 1,
            ..me.clone()
        };
        assert_eq!(reused.liveness(), Liveness::Dead);
        let other_boot = Owner {
            boot_id: Some("00000000-0000-0000-0000-000000000000".into()),
            ..me.clone()
        };
        assert_eq!(
            other_boot.liveness(),
            Liveness::Dead,
            "same pid, another boot"
        );
        let no_start = Owner {
            start_time: 0,
            ..me.clone()
        };
        assert_eq!(no_start.liveness(), Liveness::Unknown);
        // A pid of another pid namespace says nothing here, even when no such pid is seen.
        let elsewhere = Owner {
            pid_ns: me.pid_ns.map(|n| n + 1),
            start_time: me.start_time + 1,
            ..me.clone()
        };
        assert_eq!(elsewhere.liveness(), Liveness::Unknown);
        let no_ns = Owner {
            pid_ns: None,
            ..reused.clone()
        };
        assert_eq!(no_ns.liveness(), Liveness::Unknown);
        // A record from before boot ids were kept parses, and proves nothing.
        let old: Owner = serde_json::from_str(&format!(
            r#"{{"pid":{},"start_time":{},"namespace":"ns","container":"c","exec":"e"}}"#,
            me.pid, me.start_time
        ))
        .expect("old record");
        assert_eq!(old.boot_id, None);
        assert_eq!(old.liveness(), Liveness::Unknown);
        assert!(!old.is_alive());
    }

    #[test]
    fn stale_dirs_tell_dead_and_unknown_owners_apart() {
        let base = std::env::temp_dir().join(format!("execmux-owner-{}", std::process::id()));
        let mk = |name: &str, record: Option<&[u8]>| {
            let dir = base.join(name);
            std::fs::create_dir_all(&dir).expect("mkdir");
            if let Some(r) = record {
                std::fs::write(dir.join(OWNER_FILE), r).expect("write");
            }
        };
        let me = Owner::current(&key());
        let dead = Owner {
            start_time: me.start_time + 1, // same pid, another start: a reused pid
            ..me.clone()
        };
        mk("alive", Some(&serde_json::to_vec(&me).expect("json")));
        mk("dead", Some(&serde_json::to_vec(&dead).expect("json")));
        mk("missing", None);
        mk("garbled", Some(b"{not json"));
        // A record that is a FIFO is refused at once, never waited on.
        mk("fifo", None);
        nix::unistd::mkfifo(
            &base.join("fifo").join(OWNER_FILE),
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .expect("mkfifo");
        let stale = stale_dirs(&base);
        let names: Vec<(String, Liveness)> = stale
            .iter()
            .map(|d| {
                let name = d
                    .dir
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                (name, d.record.liveness())
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("dead".into(), Liveness::Dead),
                ("fifo".into(), Liveness::Unknown),
                ("garbled".into(), Liveness::Unknown),
                ("missing".into(), Liveness::Unknown),
            ]
        );
        assert_eq!(stale[0].record.owner().map(Owner::key), Some(key()));
        assert!(matches!(stale[1].record, Record::Unreadable(_)));
        assert!(matches!(stale[2].record, Record::Unreadable(_)));
        assert_eq!(stale[3].record, Record::Missing);
        std::fs::remove_dir_all(&base).expect("cleanup");
    }
}
