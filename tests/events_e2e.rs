//! A stream of foreign execs in the real console: `ctr task exec` in two loops (the
//! events an exec probe makes on a busy node) is drawn a few frames a second, not a frame
//! per event, and every exec is still listed, each to its exit.

mod common;

use std::path::Path;
use std::time::Instant;

use common::pty::Pty;

/// Frames the console wrote: each is inside one synchronized-update bracket.
fn frames(out: &str) -> usize {
    out.matches("\x1b[?2026h").count()
}

/// `n` execs of `true` in a row, named `{tag}-{i}`.
fn exec_loop(ctx: &common::Ctx, fifo: &Path, tag: &str, n: usize) {
    for i in 0..n {
        let status = ctx
            .ctr()
            .args([
                "task",
                "exec",
                "--exec-id",
                &format!("{tag}-{i}"),
                "--fifo-dir",
            ])
            .arg(fifo)
            .args(["probe", "/bin/true"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("ctr exec");
        assert!(status.success(), "exec {tag}-{i}: {status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_execs_costs_a_few_frames_a_second_and_every_exec_is_listed() {
    const EACH: usize = 40;
    let ctx = common::ctx("events").await;
    ctx.sleeper("probe").await;
    let fifo = ctx.fifo_base.join("ctr");
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm");
    let pty = Pty::spawn(cmd, 40, 140);
    pty.wait_screen("connected");
    pty.wait_screen("Execs · probe · 0");
    let before = frames(&pty.text());
    let started = Instant::now();
    std::thread::scope(|s| {
        for tag in ["a", "b"] {
            let (ctx, fifo) = (&ctx, &fifo);
            s.spawn(move || exec_loop(ctx, fifo, tag, EACH));
        }
    });
    let took = started.elapsed();
    let during = frames(&pty.text()) - before;
    // Every exec listed, and seen to its end (the filter counts the exited ones).
    pty.wait_screen(&format!("Execs · probe · {}", 2 * EACH));
    let mut pty = pty;
    pty.write(b"Fexited\r");
    pty.wait_screen(&format!("Execs · probe · {} /exited", 2 * EACH));
    // Each exec makes four messages (added, started, exit, and what was read about it);
    // drawn a frame each (up to 60 a second), 80 execs took 129 frames in 2.5 s. Allowed:
    // ten a second for the events, one a second for the clock, and a few besides.
    let allowed = usize::try_from(took.as_millis() / 100).unwrap_or(usize::MAX)
        + usize::try_from(took.as_secs()).unwrap_or(usize::MAX)
        + 5;
    assert!(
        during <= allowed,
        "{during} frames for {} execs in {took:?} (at most {allowed})",
        2 * EACH
    );
    assert!(during > 0, "nothing drawn while the execs ran");
}
