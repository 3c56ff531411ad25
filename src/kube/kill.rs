//! Ending an exec in a pod. Kubernetes has no call that kills an exec: the end of its
//! stream leaves the process running (checked on the test cluster, see the README). So
//! every exec of ours runs under a wrapper shell that exports `EXECMUX_EXEC=ID` and prints
//! the process's pid and start time (see `marker`) before it becomes the command, and an
//! end runs a second exec in the same container with [`KILL`]: it SIGKILLs the exec's
//! process (when its start time still matches, so a reused pid is spared), every
//! descendant of it, and every process whose environment carries the exec's id (what was
//! reparented after its parent died), in rounds until none is left or 100 rounds (about
//! 5 s) passed. Zombies count as gone. It exits 0 when it killed and nothing of the exec
//! is left, 3 when nothing of it was running in the first place, 1 when some is left.
//!
//! Both scripts need `sh` in the container, and [`KILL`] also `tr`, `grep` and `kill`
//! (busybox and coreutils have them); a container without them runs the command
//! unwrapped and cannot be ended but by its stream (the README says so).

/// The wrapper: `sh -c WRAP execmux ID CMD...`. A bare command name that the
/// container's PATH lacks ends with `NAME: command not found` and 127 (the shell's own
/// message would name the wrapper's line).
pub const WRAP: &str = r#"EXECMUX_EXEC=$1; export EXECMUX_EXEC; shift
s() { read -r l < /proc/$$/stat && l=${l##*) } && set -- $l && t=${20}; }
s; printf '\033_execmux;%s;%s;%s\033\\' "$EXECMUX_EXEC" "$$" "${t:-0}"
case $1 in */*) ;; *) command -v "$1" >/dev/null 2>&1 || { printf '%s: command not found\n' "$1" >&2; exit 127; };; esac
exec "$@""#;

/// The killer: `sh -c KILL execmux-kill ID PID START`.
pub const KILL: &str = r#"id=$1; root=$2; start=$3; me=$$; round=0
while [ "$round" -lt 100 ]; do
  round=$((round + 1))
  table=
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$me" ] && continue
    read -r l 2>/dev/null < "$d/stat" || continue
    l=${l##*) }; set -- $l
    case "$1" in Z|X|x) continue;; esac
    m=0
    if [ "$p" = "$root" ] && [ "${20}" = "$start" ]; then m=1
    elif tr '\000' '\n' 2>/dev/null < "$d/environ" | grep -qx "EXECMUX_EXEC=$id"; then m=1; fi
    table="$table$p $2 $m
"
  done
  marked=" "
  while read -r p pp m; do
    [ "$m" = 1 ] && marked="$marked$p "
  done <<E
$table
E
  changed=1
  while [ "$changed" = 1 ]; do
    changed=0
    while read -r p pp m; do
      [ -n "$p" ] || continue
      case "$marked" in *" $p "*) continue;; esac
      case "$marked" in *" $pp "*) marked="$marked$p "; changed=1;; esac
    done <<E
$table
E
  done
  if [ "$marked" = " " ]; then [ "$round" = 1 ] && exit 3; exit 0; fi
  kill -9 $marked 2>/dev/null
  sleep 0.05 2>/dev/null || sleep 1
done
echo "processes of exec $id still running after 100 rounds:$marked" >&2
exit 1"#;

/// The prober: `sh -c ALIVE execmux-alive PID START` exits 0 while that process runs,
/// 1 when it is gone (or a zombie, or another process has its pid).
pub const ALIVE: &str = r#"p=$1; s=$2
read -r l 2>/dev/null < "/proc/$p/stat" || exit 1
l=${l##*) }; set -- $l
case "$1" in Z|X|x) exit 1;; esac
[ "${20}" = "$s" ] || exit 1"#;

pub fn alive(pid: u32, start: u64) -> Vec<String> {
    vec![
        "sh".to_owned(),
        "-c".to_owned(),
        ALIVE.to_owned(),
        "execmux-alive".to_owned(),
        pid.to_string(),
        start.to_string(),
    ]
}

/// The command line that runs `command` as exec `id`.
pub fn wrapped(id: &str, command: &[String]) -> Vec<String> {
    let mut v = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        WRAP.to_owned(),
        "execmux".to_owned(),
        id.to_owned(),
    ];
    v.extend(command.iter().cloned());
    v
}

/// The command line that ends exec `id` (its process `pid` started at `start`, when the
/// marker said; 0 0 otherwise).
pub fn killer(id: &str, pid: u32, start: u64) -> Vec<String> {
    vec![
        "sh".to_owned(),
        "-c".to_owned(),
        KILL.to_owned(),
        "execmux-kill".to_owned(),
        id.to_owned(),
        pid.to_string(),
        start.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// The scripts are run by the host's sh here against the host's /proc: the wrapper's
    /// marker names the process that runs the command, and the killer ends it and its
    /// children (a background job and a grandchild) and nothing else.
    #[test]
    fn the_wrapper_names_its_process_and_the_killer_ends_it_and_its_children() {
        let id = format!("t{}", std::process::id());
        let args = wrapped(
            &id,
            &[
                "sh".into(),
                "-c".into(),
                "sleep 101 & sh -c 'sleep 102 & wait' & echo ready; wait".into(),
            ],
        );
        let mut child = Command::new(&args[0])
            .args(&args[1..])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut out = child.stdout.take().expect("stdout");
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !got.ends_with(b"ready\n") {
            let n = std::io::Read::read(&mut out, &mut buf).expect("read");
            assert!(n > 0, "early end: {got:?}");
            got.extend_from_slice(&buf[..n]);
        }
        let opening = crate::kube::marker::opening(&id);
        assert!(got.starts_with(&opening), "no marker: {got:?}");
        let body = &got[opening.len()..];
        let end = body
            .windows(2)
            .position(|w| w == b"\x1b\\")
            .expect("marker end");
        let text = std::str::from_utf8(&body[..end]).expect("utf8");
        let (pid, start) = text.split_once(';').expect("pid;start");
        assert_eq!(
            pid,
            child.id().to_string(),
            "the marker names the exec's process"
        );
        // A bystander with the same command is not ours.
        let mut bystander = Command::new("sleep").arg("103").spawn().expect("bystander");
        let killed = Command::new("sh")
            .arg("-c")
            .arg(KILL)
            .arg("execmux-kill")
            .arg(&id)
            .arg(pid)
            .arg(start)
            .status()
            .expect("killer");
        assert!(killed.success(), "the killer says something is left");
        let status = child.wait().expect("wait");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "the exec's process was SIGKILLed"
        );
        let left: Vec<String> = std::fs::read_dir("/proc")
            .expect("proc")
            .filter_map(|e| {
                let p = e.ok()?.path();
                let environ = std::fs::read(p.join("environ")).ok()?;
                let line = std::fs::read_to_string(p.join("stat")).ok()?;
                let state = line.rsplit_once(") ")?.1.split(' ').next()?.to_owned();
                let ours = environ
                    .split(|b| *b == 0)
                    .any(|v| v == format!("EXECMUX_EXEC={id}").as_bytes());
                (ours && state != "Z").then(|| p.display().to_string())
            })
            .collect();
        assert!(left.is_empty(), "left running: {left:?}");
        assert!(
            bystander.try_wait().expect("try_wait").is_none(),
            "a bystander was killed"
        );
        let _ = bystander.kill();
        let _ = bystander.wait();
    }

    #[test]
    fn a_stale_pid_is_spared() {
        // The right pid with the wrong start time: not killed.
        let mut victim = Command::new("sleep").arg("104").spawn().expect("spawn");
        let status = Command::new("sh")
            .arg("-c")
            .arg(KILL)
            .arg("execmux-kill")
            .arg("nobody-has-this-id")
            .arg(victim.id().to_string())
            .arg("1")
            .status()
            .expect("killer");
        assert_eq!(status.code(), Some(3), "the killer says it found nothing");
        assert!(
            victim.try_wait().expect("try_wait").is_none(),
            "a reused pid was killed"
        );
        let _ = victim.kill();
        let _ = victim.wait();
    }
}
