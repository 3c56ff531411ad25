//! Bounded reads of `/proc`: a process writes its own command line (any size up to the
//! kernel's argument limit, rewritable at will), so no read of a `/proc` file takes more
//! than a fixed number of bytes.

use std::io::{self, Read as _};
use std::path::Path;

/// At most this much of a command line is kept (the cut is marked with `…`).
pub const CMDLINE_MAX: usize = 16 * 1024;
/// At most this many arguments of a command line are kept.
pub const ARGS_MAX: usize = 256;
/// Enough for `stat`, `status` and the small files of `/proc/sys`.
pub const SMALL_MAX: usize = 64 * 1024;

/// Runs blocking `/proc` or file work on the runtime's blocking pool, never on an async
/// worker (on a 2-core machine there are two, and the event loop runs on one); None when
/// the work panicked or the runtime is shutting down.
pub async fn off_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = %e, "blocking read failed");
            None
        }
    }
}

/// At most `limit` bytes of `path`, and whether there was more.
pub fn read(path: &Path, limit: usize) -> io::Result<(Vec<u8>, bool)> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    std::fs::File::open(path)?
        .take(cap)
        .read_to_end(&mut bytes)?;
    let more = bytes.len() > limit;
    bytes.truncate(limit);
    Ok((bytes, more))
}

/// At most `SMALL_MAX` bytes of `path` as text (lossy).
pub fn read_small(path: impl AsRef<Path>) -> io::Result<String> {
    let (bytes, _) = read(path.as_ref(), SMALL_MAX)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The command line of host process `pid` (empty when unreadable): at most `CMDLINE_MAX`
/// bytes in at most `ARGS_MAX` arguments, the last one ending in `…` when cut.
pub fn cmdline(pid: u32) -> Vec<String> {
    let Ok((bytes, more)) = read(Path::new(&format!("/proc/{pid}/cmdline")), CMDLINE_MAX) else {
        return Vec::new();
    };
    let parts: Vec<&[u8]> = bytes.split(|c| *c == 0).filter(|s| !s.is_empty()).collect();
    let cut = more || parts.len() > ARGS_MAX;
    let mut args: Vec<String> = parts
        .into_iter()
        .take(ARGS_MAX)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    if cut && let Some(last) = args.last_mut() {
        last.push('…');
    }
    args
}

/// The fields of a `/proc/PID/stat` line that name a process's place among others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    /// The state letter (`R`, `S`, `T`, `Z`, ...).
    pub state: char,
    pub ppid: u32,
    pub pgrp: u32,
    pub session: u32,
    /// Start time in clock ticks after boot: with the pid, it names one process.
    pub start: u64,
}

/// Parses a `/proc/PID/stat` line. The name between the parentheses is the process's own
/// choice (up to 15 bytes of anything but NUL, `) ` and digits included), so the fields are
/// counted from the last `)`; the pid is the number before the first space.
pub fn parse_stat(line: &str) -> Option<Stat> {
    let pid = line.split(' ').next()?.parse().ok()?;
    let rest = line.get(line.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().take(20).collect();
    let num = |i: usize| f.get(i)?.parse().ok();
    Some(Stat {
        pid,
        state: f.first()?.chars().next()?,
        ppid: num(1)?,
        pgrp: num(2)?,
        session: num(3)?,
        start: f.get(19)?.parse().ok()?,
    })
}

/// The stat of host process `pid`, None when it is gone or unreadable.
pub fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&read_small(format!("/proc/{pid}/stat")).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_count_from_the_last_parenthesis_whatever_the_name_holds() {
        let tail = "S 10 20 30 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 4242 1 2 3";
        for name in ["sh", "x) S 1 1 1", "x) R 7 ", ") ) )", "a b c d e f"] {
            let st = parse_stat(&format!("77 ({name}) {tail}")).expect(name);
            assert_eq!(
                (st.pid, st.state, st.ppid, st.pgrp, st.session, st.start),
                (77, 'S', 10, 20, 30, 4242),
                "{name}"
            );
        }
        assert_eq!(parse_stat("77 (sh"), None);
        assert_eq!(parse_stat("77 (sh) S 1 2"), None);
        let me = stat(std::process::id()).expect("our own stat");
        assert_eq!(me.pid, std::process::id());
        assert_eq!(me.ppid, nix::unistd::getppid().as_raw().cast_unsigned());
    }

    #[test]
    fn a_read_stops_at_its_limit_and_says_so() {
        let (bytes, more) = read(Path::new("/proc/self/status"), 8).expect("read");
        assert_eq!((bytes.len(), more), (8, true));
        let (bytes, more) = read(Path::new("/proc/self/status"), SMALL_MAX).expect("read");
        assert!(!more && String::from_utf8_lossy(&bytes).contains("CapBnd:"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn blocking_work_runs_beside_the_async_thread_not_on_it() {
        let here = std::thread::current().id();
        let there = off_workers(|| std::thread::current().id()).await;
        assert!(there.is_some_and(|t| t != here), "{there:?} is {here:?}");
        assert_eq!(off_workers(|| -> u8 { panic!("boom") }).await, None);
    }

    #[test]
    fn many_short_arguments_are_cut_to_the_count() {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 30; true", "sh"])
            .args(std::iter::repeat_n("x", 2 * ARGS_MAX))
            .spawn()
            .expect("spawn sh");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let args = loop {
            let args = cmdline(child.id());
            if args.len() > 3 || std::time::Instant::now() > deadline {
                break args;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(args.len(), ARGS_MAX);
        assert_eq!(args.last().map(String::as_str), Some("x…"));
    }
}
