//! `execmux exec` end to end against a private containerd: exit codes, streams, stdin, a
//! tty with size and resize, detach keys, cancel by signal, and bad input.

mod common;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::pty::Pty;
use execmux::domain::ContainerId;

fn run(cmd: &mut std::process::Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn execmux");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait execmux")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_streams() {
    let ctx = common::ctx("exit-codes").await;
    ctx.sleeper("box").await;
    for (script, code) in [("exit 0", 0), ("exit 3", 3), ("kill -9 $$", 137)] {
        let out = run(
            ctx.execmux()
                .args(["exec", "box", "--", "/bin/sh", "-c", script]),
            b"",
        );
        assert_eq!(
            out.status.code(),
            Some(code),
            "{script}: {}",
            text(&out.stderr)
        );
    }
    let out = run(
        ctx.execmux()
            .args(["exec", "box", "/bin/sh", "-c", "echo out; echo err >&2"]),
        b"",
    );
    assert_eq!(
        (text(&out.stdout), text(&out.stderr)),
        ("out\n".into(), "err\n".into())
    );
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_that_cannot_start_exit_126_or_127() {
    let ctx = common::ctx("cli-start-fail").await;
    ctx.sleeper("box").await;
    for (cmd, code, msg) in [
        ("/nonexistent", 127, "no such file or directory"),
        ("nonexistent", 127, "executable file not found"),
        ("/etc", 126, "permission denied"),
    ] {
        let out = run(ctx.execmux().args(["exec", "box", "--", cmd]), b"");
        assert_eq!(out.status.code(), Some(code), "{cmd}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("execmux: ") && err.contains(msg),
            "{cmd}: {err}"
        );
    }
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_is_sent_to_eof_only_with_i() {
    let ctx = common::ctx("cli-stdin").await;
    ctx.sleeper("box").await;
    let out = run(
        ctx.execmux()
            .args(["exec", "-i", "box", "--", "/bin/sh", "-c", "cat; exit 4"]),
        b"hello\nworld\n",
    );
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(4), "hello\nworld\n".into())
    );
    // Without -i the command gets no stdin: cat ends at once.
    let out = run(
        ctx.execmux().args(["exec", "box", "--", "/bin/cat"]),
        b"ignored\n",
    );
    assert_eq!(text(&out.stdout), "");
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tty_has_the_callers_size_follows_resizes_and_restores_the_terminal() {
    let ctx = common::ctx("cli-tty").await;
    ctx.sleeper("box").await;
    let mut cmd = ctx.execmux();
    cmd.args(["exec", "-i", "-t", "box", "--", "/bin/sh"]);
    let mut pty = Pty::spawn(cmd, 30, 100);
    let before = pty.initial_attrs();
    pty.wait_for("# ");
    assert_ne!(
        pty.attrs().local_modes,
        before.local_modes,
        "raw mode while the exec runs"
    );
    pty.write(b"stty size\r");
    pty.wait_for("30 100");
    pty.resize(40, 120);
    std::thread::sleep(Duration::from_millis(200));
    pty.write(b"stty size\r");
    pty.wait_for("40 120");
    pty.write(b"exit 3\r");
    assert_eq!(pty.wait(), Some(3));
    let after = pty.attrs();
    assert_eq!(
        (after.local_modes, after.input_modes, after.output_modes),
        (before.local_modes, before.input_modes, before.output_modes)
    );
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detach_keys_leave_the_exec_running() {
    let ctx = common::ctx("cli-detach").await;
    let c = ctx.sleeper("box").await;
    let mut cmd = ctx.execmux();
    cmd.args([
        "exec",
        "-it",
        "--detach-keys",
        "ctrl-x,ctrl-y",
        "box",
        "--",
        "/bin/sh",
    ]);
    let mut pty = Pty::spawn(cmd, 24, 80);
    pty.wait_for("# ");
    // An incomplete prefix is sent on as typed: ^X then 'e' reaches the shell.
    pty.write(b"\x18echo still-here\r");
    pty.wait_for("still-here");
    pty.write(b"\x18\x19");
    assert_eq!(pty.wait(), Some(0));
    assert!(pty.text().contains("detached"), "{}", pty.text());
    let execs = ctx.exec_pids(&c).await;
    assert_eq!(execs.len(), 1, "the exec keeps running");
    // `execmux execs` does not reap an exec that was detached on purpose ...
    let out = run(ctx.execmux().args(["execs"]), b"");
    assert!(
        !text(&out.stderr).contains("reaped"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(ctx.exec_pids(&c).await, execs);
    // ... and cleans it up once it has exited.
    let key = execmux::domain::ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: execs[0].as_str().into(),
    };
    ctx.rt.exec_kill(&key, 9).await.expect("kill");
    let _ = ctx.rt.exec_wait(&key).await;
    let out = run(ctx.execmux().args(["execs"]), b"");
    assert!(
        text(&out.stderr).contains("reaped orphan exec"),
        "{}",
        text(&out.stderr)
    );
    ctx.leak_check().await;
}

async fn wait_for_exec(ctx: &common::Ctx, c: &ContainerId) {
    common::eventually(10, async || {
        (!ctx.exec_pids(c).await.is_empty()).then_some(())
    })
    .await
    .expect("the exec started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signals_cancel_the_exec_and_it_is_killed_and_deleted() {
    let ctx = common::ctx("cli-cancel").await;
    let c = ctx.sleeper("box").await;
    for sig in [
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGHUP,
    ] {
        // A background job of the exec's: ended with it.
        let job = format!("{}", 74_000 + sig as i32);
        let script = format!("sleep {job} & /bin/sleep 1000");
        let child = ctx
            .execmux()
            .args(["exec", "box", "--", "/bin/sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        wait_for_exec(&ctx, &c).await;
        common::eventually(10, async || {
            (common::live_with_args(&["sleep", &job]).len() == 1).then_some(())
        })
        .await
        .expect("the background job started");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        nix::sys::signal::kill(pid, sig).expect("signal");
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(137), "{sig}: {}", text(&out.stderr));
        assert!(ctx.exec_pids(&c).await.is_empty(), "{sig}: exec killed");
        let left = common::eventually(10, async || {
            common::live_with_args(&["sleep", &job])
                .is_empty()
                .then_some(())
        })
        .await;
        assert!(left.is_some(), "{sig}: its background job killed");
    }
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_one_clear_line_and_creates_nothing() {
    let ctx = common::ctx("cli-bad").await;
    let c = ctx.sleeper("box").await;
    let (_stopped, paused) = ctx.stopped_and_paused().await;
    let cases: &[(&[&str], &str)] = &[
        (
            &["exec", "missing", "--", "/bin/true"],
            "no such container: t-cli-bad/missing",
        ),
        (
            &["exec", "stopped", "--", "/bin/true"],
            "container stopped is not running",
        ),
        (
            &["exec", "paused", "--", "/bin/true"],
            "container paused is paused, unpause the container before exec",
        ),
        (
            &["exec", "--detach-keys", "ctrl-A", "box", "--", "/bin/true"],
            "invalid detach keys (ctrl-A)",
        ),
        (
            &["exec", "-u", "alice", "box", "--", "/bin/true"],
            "unable to find user alice",
        ),
        (
            &["exec", "-n", "bad ns!", "box", "--", "/bin/true"],
            "bad ns!",
        ),
        (
            &["exec", "-u", "", "box", "--", "/bin/true"],
            "user must not be empty",
        ),
        (
            &["exec", "", "--", "/bin/true"],
            "container id must not be empty",
        ),
    ];
    for (args, want) in cases {
        let out = run(ctx.execmux().args(*args), b"");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(
            err.starts_with("execmux: ") && err.contains(want),
            "{args:?}: {err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line: {err}"
        );
    }
    assert!(ctx.exec_pids(&c).await.is_empty());
    ctx.sandbox.resume(&ctx.ns, &paused).await.expect("resume");
    ctx.leak_check().await;
}

/// A container whose `/etc/passwd` is a FIFO (no writer will ever open it) gets a clear
/// error for `exec -u NAME` at once; reading it would block forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passwd_that_is_a_fifo_is_refused_not_waited_on() {
    let ctx = common::ctx("cli-fifo-passwd").await;
    let c = ctx
        .altered("box", "exec sleep 100000", |root| {
            let passwd = root.join("etc/passwd");
            let _ = std::fs::remove_file(&passwd);
            nix::unistd::mkfifo(&passwd, nix::sys::stat::Mode::from_bits_truncate(0o644))
                .expect("mkfifo");
        })
        .await;
    let mut child = ctx
        .execmux()
        .args(["exec", "-u", "nobody", "box", "--", "/bin/id"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn execmux");
    let ended = common::eventually(30, async || child.try_wait().ok().flatten()).await;
    if ended.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("wait execmux");
    let err = text(&out.stderr);
    assert!(ended.is_some(), "exec -u blocked on the FIFO: {err}");
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains("/etc/passwd is a FIFO, not a regular file"),
        "{err}"
    );
    assert!(ctx.exec_pids(&c).await.is_empty());
    ctx.leak_check().await;
}

/// A copy of the execmux binary in a fresh 0755 directory under /tmp, so that another uid
/// can run it whatever the checkout's own permissions (a clone under /root or in a
/// `mktemp -d` directory sits under a 0700 directory). Removed when dropped.
struct PublicCopy {
    dir: std::path::PathBuf,
    exe: std::path::PathBuf,
}

impl PublicCopy {
    fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::path::Path::new("/tmp").join(format!(
            "execmux-bin-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir(&dir).expect("create the binary's dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let exe = dir.join("execmux");
        std::fs::copy(env!("CARGO_BIN_EXE_execmux"), &exe).expect("copy the binary");
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Self { dir, exe }
    }

    /// `template` (environment and all) run from the copy.
    fn command(&self, template: &std::process::Command) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.exe);
        cmd.args(template.get_args());
        for (k, v) in template.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd
    }
}

impl Drop for PublicCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_sockets_are_told_apart() {
    let ctx = common::ctx("cli-connect").await;
    let dir = ctx.fifo_base.parent().expect("dir").join("sockets");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let stale = dir.join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).expect("bind"));
    let cases = [
        (
            dir.join("missing.sock"),
            "does not exist: is containerd running?",
        ),
        (stale, "connection refused"),
        (dir.clone(), "is not a socket"),
    ];
    for (path, want) in cases {
        let out = run(ctx.execmux().arg("-a").arg(&path).arg("ps"), b"");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{err}");
        assert!(err.contains(want), "{}: {err}", path.display());
    }
    // As another user: the copy is reachable by uid 65534, the socket is not.
    let copy = PublicCopy::new();
    let out = run(
        copy.command(ctx.execmux().arg("ps")).uid(65534).gid(65534),
        b"",
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains("permission denied") && err.contains("root or"),
        "{err}"
    );
    ctx.leak_check().await;
}
