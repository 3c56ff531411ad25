//! Orphans: execs with our id prefix whose owning execmux is provably gone (the owner
//! record's boot id, pid and start time match no process) are reaped: killed, waited for
//! (bounded), deleted, their FIFO directory removed. An exec whose owner cannot be proven
//! gone (record missing, unreadable or without a boot id) is reported and left running
//! unless the caller asks for those too. An exec detached on purpose is left alone while it
//! runs. Nothing is killed that is not proven ours (`runtime::proof`), nor while an attach
//! holds its directory's lock. Every orphan's outcome is reported; one failure does not
//! stop the rest.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::domain::{ExecKey, ExitInfo, Namespace, TaskState};
use crate::monitor::Scope;
use crate::runtime::exec::EXEC_ID_PREFIX;
use crate::runtime::owner::{self, FifoDir, Liveness, Record};
use crate::runtime::{Result, Runtime, adopt, proof};

/// What the caller allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also reap execs of ours whose owner cannot be proven gone.
    pub reap_unknown: bool,
}

/// What an orphan line is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Exec(ExecKey),
    /// A FIFO directory no exec could be tied to (its record is missing or unreadable).
    Dir(PathBuf),
    /// A namespace that could not be searched.
    Namespace(Namespace),
}

/// What is known of the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerState {
    /// Provably gone.
    Gone { pid: u32 },
    /// Not provable either way, and why.
    Unknown(String),
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Killed if it ran, deleted, FIFO directory removed; the exit containerd still held.
    Reaped { exit: Option<ExitInfo> },
    /// Left as it is: its owner is unknown and the caller did not ask.
    NotReaped,
    /// Left as it is: it is not proven ours (why).
    NotOurs(String),
    /// Left as it is: an attach is taking it over.
    Busy,
    /// Reaping failed; the FIFO directory stays so that a later run tries again.
    Failed(String),
}

/// One line of the reaper's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub subject: Subject,
    pub owner: OwnerState,
    pub outcome: Outcome,
}

impl Orphan {
    pub fn key(&self) -> Option<&ExecKey> {
        match &self.subject {
            Subject::Exec(k) => Some(k),
            Subject::Dir(_) | Subject::Namespace(_) => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exec(k) => write!(f, "exec {k}"),
            Self::Dir(d) => write!(f, "FIFO directory {}", d.display()),
            Self::Namespace(ns) => write!(f, "namespace {ns}"),
        }
    }
}

impl fmt::Display for OwnerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gone { pid } => write!(f, "owner pid {pid} is gone"),
            Self::Unknown(why) => write!(f, "owner unknown: {why}"),
        }
    }
}

impl fmt::Display for Orphan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (subject, owner) = (&self.subject, &self.owner);
        match &self.outcome {
            Outcome::Reaped { exit } => {
                write!(f, "reaped orphan {subject} ({owner})")?;
                if let Some(e) = exit {
                    write!(f, ", exit {}", e.code)?;
                }
                Ok(())
            }
            Outcome::NotReaped => match subject {
                Subject::Exec(_) => write!(
                    f,
                    "not reaped: {owner}: {subject} left running (`execmux execs --reap-unknown` reaps it)"
                ),
                _ => write!(f, "not reaped: {owner}: {subject} left in place"),
            },
            Outcome::NotOurs(why) => {
                write!(
                    f,
                    "not reaped: {subject} is not proven ours ({why}): left as it is"
                )
            }
            Outcome::Busy => write!(
                f,
                "not reaped: {subject} is being attached by another execmux: left to it"
            ),
            Outcome::Failed(e) if matches!(subject, Subject::Namespace(_)) => {
                write!(f, "could not look for orphans in {subject}: {e}")
            }
            Outcome::Failed(e) => write!(f, "could not reap orphan {subject} ({owner}): {e}"),
        }
    }
}

/// Why a record proves nothing.
fn unknown_why(record: &Record) -> String {
    match record {
        Record::Missing => "no owner record".into(),
        Record::Unreadable(e) => format!("unreadable owner record ({e})"),
        Record::Found(_) => "owner record without boot id or start time".into(),
    }
}

/// Reaps with the default options: provable orphans only.
pub async fn reap(rt: &Runtime, base: &Path, scope: &Scope) -> Result<Vec<Orphan>> {
    reap_with(rt, base, scope, Options::default()).await
}

/// Looks at the FIFO directories under `base` and, within `scope`, at every running exec
/// with our prefix; reaps the provable orphans (and, with `reap_unknown`, those whose owner
/// is unknown). Never fails as a whole: each failure is a line of the report.
pub async fn reap_with(
    rt: &Runtime,
    base: &Path,
    scope: &Scope,
    opts: Options,
) -> Result<Vec<Orphan>> {
    let mut out = Vec::new();
    let mut unclaimed = Vec::new();
    for dir in owner::stale_dirs(base) {
        let Some(o) = dir.record.owner() else {
            unclaimed.push(dir);
            continue;
        };
        let key = o.key();
        if scope.namespace().is_some_and(|ns| *ns != key.namespace) {
            continue;
        }
        out.extend(judge(rt, base, key, &dir, opts).await);
    }
    let namespaces = match crate::monitor::namespaces(rt, scope).await {
        Ok(n) => n,
        Err(e) => {
            out.push(scan_failed(Namespace::from("(all)"), &e));
            Vec::new()
        }
    };
    for ns in namespaces {
        let running = match rt.running_execs(&ns).await {
            Ok(r) => r,
            Err(e) => {
                out.push(scan_failed(ns, &e));
                continue;
            }
        };
        for (key, _pid) in running {
            if !key.exec.as_str().starts_with(EXEC_ID_PREFIX)
                || out.iter().any(|o| o.key() == Some(&key))
            {
                continue;
            }
            if let Some(o) = running_exec(rt, base, key, opts, &mut unclaimed).await {
                out.push(o);
            }
        }
    }
    for dir in unclaimed {
        out.push(Orphan {
            owner: OwnerState::Unknown(unknown_why(&dir.record)),
            subject: Subject::Dir(dir.dir),
            outcome: Outcome::NotReaped,
        });
    }
    Ok(out)
}

/// A running exec of ours found through containerd: judged by the record in its FIFO
/// directory, if it has one.
async fn running_exec(
    rt: &Runtime,
    base: &Path,
    key: ExecKey,
    opts: Options,
    unclaimed: &mut Vec<FifoDir>,
) -> Option<Orphan> {
    let status = match rt
        .process(&key.namespace, &key.container, Some(&key.exec))
        .await
    {
        Ok(s) => s,
        // Ended and deleted since it was listed.
        Err(e) if e.is_not_found() => return None,
        Err(e) => return Some(status_unknown(key, &e)),
    };
    let dir = FifoDir::of_fifo(Path::new(&status.stdout)).unwrap_or_else(|| FifoDir {
        dir: PathBuf::new(),
        record: Record::Missing,
        detached: false,
    });
    unclaimed.retain(|d| d.dir != dir.dir);
    if dir.record.liveness() == Liveness::Alive {
        return None;
    }
    judge(rt, base, key, &dir, opts).await
}

/// Reaps `key` when it is proven ours (see `proof`) and its owner provably gone (or
/// unknown and the caller asked), under the lock an attach takes, after reading the record
/// again. None when it is not an orphan (detached on purpose and still running).
async fn judge(
    rt: &Runtime,
    base: &Path,
    key: ExecKey,
    dir: &FifoDir,
    opts: Options,
) -> Option<Orphan> {
    let owner = owner_state(&dir.record);
    let line = |owner, outcome| {
        Some(Orphan {
            subject: Subject::Exec(key.clone()),
            owner,
            outcome,
        })
    };
    let canon = match proof::our_dir(base, &dir.dir, &key) {
        Ok(c) => c,
        Err(why) => return line(owner, Outcome::NotOurs(why.to_string())),
    };
    let status = match rt
        .process(&key.namespace, &key.container, Some(&key.exec))
        .await
    {
        Ok(s) => Some(s),
        Err(e) if e.is_not_found() => None,
        Err(e) => return status_unknown(key, &e).into(),
    };
    if let Some(s) = &status {
        if let Err(why) = proof::fifos_in(&canon, s) {
            return line(owner, Outcome::NotOurs(why.to_string()));
        }
        // Detached on purpose and still running: not an orphan yet.
        if dir.detached && s.pid != 0 && s.state != TaskState::Stopped {
            return None;
        }
    }
    if !matches!(owner, OwnerState::Gone { .. }) && !opts.reap_unknown {
        return line(owner, Outcome::NotReaped);
    }
    // An attach holds this lock while it takes the exec over: it wins, and once it has,
    // the record names a live owner.
    let Ok(_lock) = adopt::lock(&dir.dir, &key) else {
        return line(owner, Outcome::Busy);
    };
    let now = FifoDir::read(&dir.dir);
    if now.record != dir.record || now.detached != dir.detached {
        return line(owner, Outcome::Busy);
    }
    let mut removed = Ok(());
    let reaped = crate::ending::reap(rt, &key, || removed = proof::remove_dir(base, &dir.dir));
    let outcome = match reaped.await {
        Ok(exit) => match removed {
            Ok(()) => Outcome::Reaped { exit },
            Err(e) => Outcome::Failed(format!("cannot remove its FIFO directory: {e}")),
        },
        Err(e) => {
            tracing::warn!(%key, error = %e, "cannot reap orphan exec");
            Outcome::Failed(e.to_string())
        }
    };
    line(owner, outcome)
}

fn owner_state(record: &Record) -> OwnerState {
    match (record, record.liveness()) {
        (Record::Found(o), Liveness::Dead) => OwnerState::Gone { pid: o.pid },
        (record, _) => OwnerState::Unknown(unknown_why(record)),
    }
}

/// A failed Get proves nothing: the exec is left as it is.
fn status_unknown(key: ExecKey, e: &crate::runtime::RuntimeError) -> Orphan {
    Orphan {
        subject: Subject::Exec(key),
        owner: OwnerState::Unknown("its status could not be read".into()),
        outcome: Outcome::Failed(e.to_string()),
    }
}

fn scan_failed(ns: Namespace, e: &crate::runtime::RuntimeError) -> Orphan {
    tracing::warn!(%ns, error = %e, "cannot look for orphans");
    Orphan {
        subject: Subject::Namespace(ns),
        owner: OwnerState::Unknown("not searched".into()),
        outcome: Outcome::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ExecKey {
        ExecKey::test("c", "execmux-1")
    }

    #[test]
    fn report_lines() {
        let line = |owner, outcome| {
            Orphan {
                subject: Subject::Exec(key()),
                owner,
                outcome,
            }
            .to_string()
        };
        let exit = Some(ExitInfo {
            code: 137,
            at: None,
        });
        assert_eq!(
            line(OwnerState::Gone { pid: 7 }, Outcome::Reaped { exit }),
            "reaped orphan exec ns/c/execmux-1 (owner pid 7 is gone), exit 137"
        );
        assert_eq!(
            line(
                OwnerState::Unknown("no owner record".into()),
                Outcome::NotReaped
            ),
            "not reaped: owner unknown: no owner record: exec ns/c/execmux-1 left running \
             (`execmux execs --reap-unknown` reaps it)"
        );
        assert_eq!(
            line(
                OwnerState::Gone { pid: 7 },
                Outcome::Failed("kill: boom".into())
            ),
            "could not reap orphan exec ns/c/execmux-1 (owner pid 7 is gone): kill: boom"
        );
    }
}
