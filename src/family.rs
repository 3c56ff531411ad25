//! An exec's own processes, and their end. Killing an exec's top process alone (what
//! containerd and Docker do) leaves what it started running: a shell's `sleep 1000 &`, a
//! grandchild, a job in its own process group. An exec of ours counts as its own, among the
//! processes of its container (containerd's `ListPids`, host pids):
//!
//! - its top process, while it runs;
//! - every process in its session or process group (a tty exec leads both; a job-control
//!   shell puts each job in a group of the session);
//! - every process whose environment (as it was at its `execve`) carries `EXECMUX_EXEC=ID`,
//!   which each exec of ours is started with and children inherit: so an orphan reparented
//!   to the container's init, or a daemon that called `setsid`, still counts;
//! - every descendant of one of these (the kernel's parent links).
//!
//! A process that left the session, cleared its environment and was orphaned is not ours to
//! tell apart from the container's own, and is left running.
//!
//! A container chooses its processes' names, so `/proc/PID/stat` is read with a parser that
//! counts from the last `)`. Each process is opened as a pidfd and its start time checked
//! against the scan, so a pid reused in between is never signalled. All of them are
//! stopped first, and the children they forked before their stop looked for again, until
//! none is new; then each is killed (the top process is continued instead: containerd's
//! kill follows and its exit is the exec's).

use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use crate::domain::ExecId;
use crate::procfs::{self, Stat};

/// The environment variable every exec of ours is started with.
pub const MARK: &str = "EXECMUX_EXEC";
/// At most this much of a process's environment is searched for the mark (the kernel
/// allows a quarter of the stack limit, often 2 MiB).
const ENVIRON_MAX: usize = 1 << 20;
/// Stop rounds before the kill: each round stops the children forked since the last one.
const ROUNDS: usize = 64;

/// `EXECMUX_EXEC=ID`, as it stands in the environment of exec `exec`.
pub fn mark(exec: &ExecId) -> String {
    format!("{MARK}={exec}")
}

/// Which of `procs` (one container's) are the exec's own: see the module's rules. `root` is
/// the exec's top process while it runs; `marked` the pids whose environment holds the mark.
pub fn chosen(procs: &[Stat], root: Option<u32>, marked: &BTreeSet<u32>) -> BTreeSet<u32> {
    let live: Vec<&Stat> = procs.iter().filter(|p| p.state != 'Z').collect();
    let mut own: BTreeSet<u32> = live
        .iter()
        .filter(|p| {
            marked.contains(&p.pid)
                || root.is_some_and(|r| p.pid == r || p.session == r || p.pgrp == r)
        })
        .map(|p| p.pid)
        .collect();
    loop {
        let before = own.len();
        for p in &live {
            if own.contains(&p.ppid) {
                own.insert(p.pid);
            }
        }
        if own.len() == before {
            return own;
        }
    }
}

/// Whether host process `pid`'s environment holds `mark` as one whole entry.
fn has_mark(pid: u32, mark: &str) -> bool {
    procfs::read(Path::new(&format!("/proc/{pid}/environ")), ENVIRON_MAX)
        .is_ok_and(|(env, _)| env.split(|b| *b == 0).any(|e| e == mark.as_bytes()))
}

/// The children of host process `pid`, from each of its threads.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in tasks.flatten() {
        if let Ok(list) = procfs::read_small(t.path().join("children")) {
            out.extend(
                list.split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    out
}

/// A pidfd of the process `st` describes, None when that process is gone (its pid gone or
/// taken by another since the scan).
fn open_checked(st: &Stat) -> Option<OwnedFd> {
    let pid = Pid::from_raw(i32::try_from(st.pid).ok()?)?;
    let fd = pidfd_open(pid, PidfdFlags::empty()).ok()?;
    // The pidfd names whatever held the pid when it was opened: the same start time after
    // the open means it is the process of the scan.
    (procfs::stat(st.pid)?.start == st.start).then_some(fd)
}

/// What an end did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    /// Processes killed (the top process not counted).
    pub killed: usize,
}

/// Ends the exec's own processes among `pids` (its container's, from containerd): stopped
/// to a fixed point, then killed; `root`, the exec's top process while it runs, is
/// continued instead for containerd's kill. Blocking (`/proc`): run off the async workers.
pub fn end(pids: &[u32], root: Option<u32>, mark: &str) -> Ended {
    let stats: Vec<Stat> = pids.iter().filter_map(|p| procfs::stat(*p)).collect();
    let marked: BTreeSet<u32> = stats
        .iter()
        .filter(|s| s.state != 'Z' && has_mark(s.pid, mark))
        .map(|s| s.pid)
        .collect();
    let own = chosen(&stats, root, &marked);
    let mut todo: Vec<Stat> = stats.into_iter().filter(|s| own.contains(&s.pid)).collect();
    let mut held: BTreeMap<u32, OwnedFd> = BTreeMap::new();
    for _ in 0..ROUNDS {
        if todo.is_empty() {
            break;
        }
        for st in todo.drain(..) {
            if held.contains_key(&st.pid) {
                continue;
            }
            if let Some(fd) = open_checked(&st)
                && pidfd_send_signal(&fd, Signal::STOP).is_ok()
            {
                held.insert(st.pid, fd);
            }
        }
        // Children forked before their parent's stop.
        for pid in held.keys() {
            for c in children(*pid) {
                if !held.contains_key(&c)
                    && let Some(st) = procfs::stat(c)
                    && st.state != 'Z'
                {
                    todo.push(st);
                }
            }
        }
    }
    let mut ended = Ended::default();
    for (pid, fd) in &held {
        if Some(*pid) == root {
            let _ = pidfd_send_signal(fd, Signal::CONT);
        } else if pidfd_send_signal(fd, Signal::KILL).is_ok() {
            ended.killed += 1;
        }
    }
    ended
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: u32, parent: u32, group: u32, sess: u32) -> Stat {
        Stat {
            pid,
            state: 'S',
            ppid: parent,
            pgrp: group,
            session: sess,
            start: u64::from(pid),
        }
    }

    #[test]
    fn the_exec_owns_its_session_groups_marks_and_their_descendants() {
        let procs = [
            p(1, 0, 1, 1),     // the container's init
            p(2, 1, 1, 1),     // one of its children
            p(10, 5, 10, 10),  // the exec (its parent, the shim, is outside the container)
            p(11, 10, 11, 10), // a job of the exec's shell, in a group of its session
            p(12, 1, 12, 10),  // an orphan of the session, reparented to init
            p(20, 1, 20, 20),  // a marked daemon that called setsid
            p(21, 20, 20, 20), // its child, unmarked
            p(30, 1, 30, 30),  // another exec, unmarked
            p(31, 30, 10, 30), // a process of another session (its group is a number)
            p(40, 12, 40, 40), // a child of the orphan that called setsid
        ];
        let marked = BTreeSet::from([20]);
        let own = chosen(&procs, Some(10), &marked);
        assert_eq!(
            own.into_iter().collect::<Vec<_>>(),
            vec![10, 11, 12, 20, 21, 31, 40]
        );
        // Without the top process (the exec has exited): the marks and their descendants.
        let own = chosen(&procs, None, &marked);
        assert_eq!(own.into_iter().collect::<Vec<_>>(), vec![20, 21]);
    }

    #[test]
    fn zombies_and_the_rest_of_the_container_are_never_chosen() {
        let mut zombie = p(11, 10, 10, 10);
        zombie.state = 'Z';
        let procs = [p(1, 0, 1, 1), p(10, 1, 10, 10), zombie];
        let own = chosen(&procs, Some(10), &BTreeSet::new());
        assert_eq!(own.into_iter().collect::<Vec<_>>(), vec![10]);
        assert!(chosen(&procs, Some(99), &BTreeSet::new()).is_empty());
    }

    #[test]
    fn the_mark_is_one_whole_environment_entry() {
        let mut child = std::process::Command::new("/bin/sleep")
            .arg("30")
            .env_clear()
            .env(MARK, "abc")
            .env("OTHER", "EXECMUX_EXEC=abcd")
            .spawn()
            .expect("spawn sleep");
        let pid = child.id();
        // Until the new program's stack is set up, its environment reads empty.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while procfs::read_small(format!("/proc/{pid}/environ")).is_ok_and(|e| e.is_empty())
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let found = (
            has_mark(pid, "EXECMUX_EXEC=abc"),
            has_mark(pid, "EXECMUX_EXEC=ab"),
        );
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(found, (true, false));
    }

    #[test]
    fn an_end_kills_a_marked_tree_and_spares_the_rest() {
        // A marked shell with a background child and a grandchild, and an unmarked sleep.
        let mut tree = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 300 & sh -c 'sleep 301 & wait' & wait"])
            .env(MARK, "t1")
            .spawn()
            .expect("spawn tree");
        let mut other = std::process::Command::new("/bin/sleep")
            .arg("302")
            .spawn()
            .expect("spawn other");
        let root = tree.id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let descendants = |pid: u32| {
            let mut all = vec![pid];
            let mut i = 0;
            while i < all.len() {
                all.extend(children(all[i]));
                i += 1;
            }
            all
        };
        while descendants(root).len() < 4 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let pids = descendants(root);
        assert_eq!(pids.len(), 4, "{pids:?}");
        let mut all = pids.clone();
        all.push(other.id());
        // The shell as the top process: continued, not killed; the other three killed.
        let ended = end(&all, Some(root), "EXECMUX_EXEC=t1");
        let gone = |pid: u32| procfs::stat(pid).is_none_or(|s| s.state == 'Z');
        while !pids[1..].iter().all(|p| gone(*p)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let left: Vec<u32> = pids[1..].iter().copied().filter(|p| !gone(*p)).collect();
        let other_alive = !gone(other.id());
        // Its jobs gone, the shell's `wait` returns and it exits on its own, unkilled.
        let mut root_exit = None;
        while root_exit.is_none() && std::time::Instant::now() < deadline {
            root_exit = tree.try_wait().ok().flatten();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = tree.kill();
        let _ = tree.wait();
        let _ = other.kill();
        let _ = other.wait();
        assert_eq!(ended.killed, 3);
        assert!(left.is_empty(), "left running: {left:?}");
        assert_eq!(root_exit.and_then(|e| e.code()), Some(0), "{root_exit:?}");
        assert!(other_alive);
    }
}
