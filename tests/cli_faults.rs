//! Faults under `execmux exec` against the private containerd: stdin at EOF under `-it`,
//! the shim killed under a running exec. Each ends with a look at what is left.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

/// utime + stime of a process in clock ticks, or None once it is gone.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_it_with_stdin_at_eof_uses_no_cpu_while_the_exec_runs() {
    let ctx = common::ctx("fault-eof").await;
    let c = ctx.sleeper("box").await;
    let mut child = ctx
        .execmux()
        .args(["exec", "-i", "-t", c.as_str(), "--", "sleep", "3"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn execmux exec");
    let pid = child.id();
    common::eventually(10, async || {
        (ctx.exec_pids(&c).await.len() == 1).then_some(())
    })
    .await
    .expect("the exec runs");
    // Watch it until it ends; the last reading before it is gone is its CPU time.
    let started = Instant::now();
    let mut last = cpu_ticks(pid).expect("running");
    let first = last;
    while let Some(t) = cpu_ticks(pid) {
        last = t;
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "exec did not end"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let watched = started.elapsed();
    // A spinning loop would cost about one tick per 10 ms watched.
    let spent = last - first;
    assert!(
        spent * 10 < u64::try_from(watched.as_millis()).expect("ms") / 5,
        "{spent} ticks of CPU in {watched:?} while waiting on the exec"
    );
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_shim_ends_exec_promptly_with_a_clear_error() {
    let ctx = common::ctx("fault-shim").await;
    let c = ctx.sleeper("box").await;
    let child = ctx
        .execmux()
        .args(["exec", c.as_str(), "--", "sleep", "600"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn execmux exec");
    common::eventually(10, async || {
        (ctx.exec_pids(&c).await.len() == 1).then_some(())
    })
    .await
    .expect("the exec runs");
    let shim = common::shim_pid(&ctx.ns.to_string(), c.as_str()).expect("the container's shim");
    nix::sys::signal::kill(shim, nix::sys::signal::Signal::SIGKILL).expect("kill the shim");
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "execmux exec took {:?} to notice",
        started.elapsed()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("execmux:"), "a clear message: {err:?}");
    // The container is gone with its shim; nothing of ours remains.
    let dirs = execmux::runtime::stdio::list_dirs(&ctx.fifo_base);
    assert!(dirs.is_empty(), "FIFO directories left: {dirs:?}");
    ctx.leak_check().await;
}
