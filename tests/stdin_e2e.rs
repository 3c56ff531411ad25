//! Input with backpressure, end to end against a private containerd: 50 MB reach a slow
//! reader byte for byte through `execmux exec -i` and through a console tab's pastes,
//! a tty and `execmux attach` carry large input whole, and input the exec does not take
//! ends with a clear error and a non-zero status.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::pty::Pty;

/// Deterministic bytes: a xorshift stream, or printable ASCII for paths that a terminal
/// or the detach keys could change.
fn data(len: usize, printable: bool) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = (x >> 24).to_le_bytes()[0];
            if printable { b' ' + b % 95 } else { b }
        })
        .collect()
}

/// The host's md5sum of `bytes` (the container answers with busybox's).
fn md5(bytes: &[u8]) -> String {
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("md5sum");
    let mut stdin = child.stdin.take().expect("stdin");
    let owned = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&owned));
    let out = child.wait_with_output().expect("md5sum output");
    writer.join().expect("writer").expect("write to md5sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Runs `cmd` with `input` on its stdin from a thread of its own; its status, stdout and
/// stderr.
fn run_with(cmd: &mut Command, input: Vec<u8>) -> (Option<i32>, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn execmux");
    let mut stdin = child.stdin.take().expect("stdin");
    // A write refused because execmux stopped reading is what some tests expect.
    let writer = std::thread::spawn(move || stdin.write_all(&input).is_ok());
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    let out = child.wait_with_output().expect("wait execmux");
    let _ = writer.join();
    (
        out.status.code(),
        stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FIFTY_MB: usize = 50_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_megabytes_reach_a_slow_reader_through_exec_i() {
    let ctx = common::ctx("stdin-50mb").await;
    ctx.sleeper("box").await;
    let input = data(FIFTY_MB, false);
    let want = md5(&input);
    // The exec reads nothing for 3 s: execmux must wait, not drop.
    let (code, out, err) = run_with(
        ctx.execmux().args([
            "exec",
            "-i",
            "box",
            "--",
            "/bin/sh",
            "-c",
            "sleep 3; tee /tmp/in | md5sum; wc -c < /tmp/in; rm /tmp/in",
        ]),
        input,
    );
    assert_eq!(code, Some(0), "stderr: {err}");
    let mut lines = out.lines();
    let got = lines.next().unwrap_or_default();
    assert!(got.starts_with(&want), "md5 {got:?}, want {want}");
    assert_eq!(lines.next().map(str::trim), Some("50000000"), "{out}");
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_the_exec_does_not_read_is_an_error_not_a_silent_success() {
    let ctx = common::ctx("stdin-unread").await;
    ctx.sleeper("box").await;
    // `true` takes none of it: execmux says so and fails, though the exec exited 0.
    let (code, _, err) = run_with(
        ctx.execmux().args(["exec", "-i", "box", "--", "/bin/true"]),
        data(FIFTY_MB, false),
    );
    assert_eq!(code, Some(125), "stderr: {err}");
    assert!(
        err.contains("ended before it read all of its input"),
        "{err}"
    );
    // An exec that fails keeps its own code, with the same line.
    let (code, _, err) = run_with(
        ctx.execmux()
            .args(["exec", "-i", "box", "--", "/bin/sh", "-c", "exit 3"]),
        data(FIFTY_MB, false),
    );
    assert_eq!(code, Some(3), "stderr: {err}");
    assert!(
        err.contains("ended before it read all of its input"),
        "{err}"
    );
    // Input read whole is no error, whatever its size.
    let (code, out, err) = run_with(
        ctx.execmux()
            .args(["exec", "-i", "box", "--", "/bin/sh", "-c", "wc -c"]),
        data(1_000_000, false),
    );
    assert_eq!((code, out.trim()), (Some(0), "1000000"), "stderr: {err}");
    assert!(err.is_empty(), "{err}");
    ctx.leak_check().await;
}

/// Waits until the pty's output holds `needle`, for up to `secs`.
fn wait_long(pty: &Pty, needle: &str, secs: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while !pty.text().contains(needle) && !pty.screen().contains(needle) {
        assert!(
            std::time::Instant::now() < deadline,
            "no {needle:?} within {secs} s: {:?}",
            pty.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Input for a reader on a raw tty that does not echo: the md5 it prints is the answer.
const RAW_READER: &str = "stty raw -echo; sleep 2; head -c {N} | md5sum; stty sane";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tty_carries_large_input_whole_through_exec_it() {
    let ctx = common::ctx("stdin-tty").await;
    ctx.sleeper("box").await;
    let n = 8_000_000;
    let input = data(n, true);
    let want = md5(&input);
    let mut cmd = ctx.execmux();
    let script = RAW_READER.replace("{N}", &n.to_string());
    cmd.args(["exec", "-i", "-t", "box", "--", "/bin/sh", "-c", &script]);
    let mut pty = Pty::spawn(cmd, 24, 80);
    // The container's tty is raw once stty has run: wait for sleep to be running.
    wait_for_process(&ctx, "sleep 2").await;
    pty.write(&input);
    wait_long(&pty, &want, 120);
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paste_of_fifty_megabytes_reaches_the_tab_whole() {
    let ctx = common::ctx("stdin-paste").await;
    ctx.sleeper("box").await;
    let input = data(FIFTY_MB, true);
    let want = md5(&input);
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm");
    let mut pty = Pty::spawn(cmd, 30, 120);
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("/ #");
    let script = RAW_READER.replace("{N}", &FIFTY_MB.to_string());
    pty.write(format!("{script}\r").as_bytes());
    wait_for_process(&ctx, "sleep 2").await;
    // As a host terminal sends pastes once the console asked for bracketed paste: a
    // thousand of them, faster than the exec reads (it sleeps first), each its own event.
    let mut pastes = Vec::with_capacity(input.len() + 12_000);
    for part in input.chunks(FIFTY_MB / 1000) {
        pastes.extend_from_slice(b"\x1b[200~");
        pastes.extend_from_slice(part);
        pastes.extend_from_slice(b"\x1b[201~");
    }
    // Written from a thread: a console that stops reading its terminal (a read that
    // leaves bytes behind on an edge-triggered poll did) fails here, within the bound.
    let written = pty.write_behind(pastes);
    assert!(
        written.recv_timeout(Duration::from_secs(180)).is_ok(),
        "the console stopped reading its terminal: {:?}",
        pty.screen()
    );
    wait_long(&pty, &want, 180);
    pty.write(b"exit\r");
    pty.wait_screen("exit 0");
    pty.write(b"\x10q");
    let _ = pty.wait();
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_carries_large_input_whole() {
    let ctx = common::ctx("stdin-attach").await;
    let c = ctx.sleeper("box").await;
    let n = 8_000_000;
    let input = data(n, true);
    let want = md5(&input);
    // A detached exec: started with a tty, left with the detach keys.
    let script = format!(
        "echo re''ady; read go; {}",
        RAW_READER.replace("{N}", &n.to_string())
    );
    let mut first = ctx.execmux();
    first.args(["exec", "-i", "-t", "box", "--", "/bin/sh", "-c", &script]);
    let mut pty = Pty::spawn(first, 24, 80);
    // The exec's own output (not the echo of the command line): the console is attached
    // and its terminal raw, so the detach keys reach it rather than the line discipline.
    pty.wait_for("ready");
    pty.write(b"\x10\x11");
    assert_eq!(pty.wait(), Some(0), "detached");
    let exec = ctx.exec_pids(&c).await.remove(0);
    let mut cmd = ctx.execmux();
    cmd.args(["attach", &exec]);
    let mut pty = Pty::spawn(cmd, 24, 80);
    pty.wait_for("attached to exec");
    pty.write(b"go\r");
    wait_for_process(&ctx, "sleep 2").await;
    pty.write(&input);
    wait_long(&pty, &want, 120);
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

/// Waits until a process of the sandbox runs `cmdline` (its arguments joined by spaces).
async fn wait_for_process(ctx: &common::Ctx, cmdline: &str) {
    let found = common::eventually(20, async || {
        let c = execmux::domain::ContainerId::from("box");
        let pids = ctx.rt.pids(&ctx.ns, &c).await.ok()?;
        pids.into_iter()
            .map(|p| p.pid)
            .any(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").trim() == cmdline)
            })
            .then_some(())
    })
    .await;
    assert!(found.is_some(), "no process {cmdline:?} in the container");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn type_ahead_longer_than_one_terminal_read_reaches_the_tab_at_once() {
    let ctx = common::ctx("stdin-ahead").await;
    ctx.sleeper("box").await;
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm");
    let mut pty = Pty::spawn(cmd, 30, 120);
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("/ #");
    // Typed ahead, the lines wait in the exec's terminal until head reads them.
    pty.write(b"echo rea''dy; head -c 3000 | wc -c | sed 's/^/got /'\r");
    pty.wait_screen("ready");
    // 3000 bytes in one write, as a terminal sends a burst of typing: more than the
    // console takes from its terminal at once, and nothing typed after it. A console
    // that leaves the rest unread until the next key (an edge-triggered poll) shows no
    // count.
    let line = format!("{}\r", "x".repeat(59));
    pty.write(line.repeat(50).as_bytes());
    pty.wait_screen("got 3000");
    pty.write(b"exit\r");
    pty.wait_screen("exit 0");
    pty.write(b"\x10q");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}
