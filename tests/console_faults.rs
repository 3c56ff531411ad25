//! Faults a user meets, injected under the real console in a pty against the private
//! containerd: the host terminal closed or hung up under two tabs, a paused container under
//! a closing tab, a flood of output, a container whose init is killed. Each ends by looking,
//! after the fault and outside any teardown, at `ListPids`, at `Get` of every exec id the console
//! made (`NotFound`) and at the FIFO directories.

mod common;

use std::time::{Duration, Instant};

use common::pty::Pty;
use execmux::domain::{ContainerId, ExecId};

const DETACH: &[u8] = b"\x10\x11";

/// Opens `n` shell tabs on the selected container, detaching from each; returns their
/// exec ids.
async fn open_shells(ctx: &common::Ctx, pty: &mut Pty, c: &ContainerId, n: usize) -> Vec<String> {
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    for i in 1..=n {
        pty.write(b"\r");
        pty.wait_screen(&format!("{i}:● box: /bin/sh"));
        pty.wait_screen("TERMINAL");
        pty.write(DETACH);
        pty.wait_screen_without("TERMINAL");
    }
    common::eventually(10, async || {
        let ids = ctx.exec_pids(c).await;
        (ids.len() == n).then_some(ids)
    })
    .await
    .expect("the shells run")
}

/// Nothing is left of these execs: no process, no record in containerd, no FIFO directory.
async fn nothing_left(ctx: &common::Ctx, c: &ContainerId, ids: &[String]) {
    let left = ctx.exec_pids(c).await;
    assert!(left.is_empty(), "execs still running: {left:?}");
    for id in ids {
        let got = ctx
            .rt
            .process(&ctx.ns, c, Some(&ExecId::from(id.as_str())))
            .await;
        assert!(
            got.as_ref()
                .is_err_and(execmux::runtime::RuntimeError::is_not_found),
            "exec {id} is still known to containerd: {got:?}"
        );
    }
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_terminal_closes_every_tab_and_leaves_nothing() {
    let ctx = common::ctx("fault-hangup").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    let ids = open_shells(&ctx, &mut pty, &c, 2).await;
    pty.hang_up();
    pty.wait();
    nothing_left(&ctx, &c, &ids).await;
}

/// A signal that ends the console closes every tab, and the terminal is given back.
async fn a_signal_closes_every_tab(name: &str, signal: nix::sys::signal::Signal) {
    let ctx = common::ctx(name).await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    let before = pty.initial_attrs();
    let ids = open_shells(&ctx, &mut pty, &c, 2).await;
    nix::sys::signal::kill(pty.pid(), signal).expect("signal the console");
    pty.wait();
    let after = pty.attrs();
    assert_eq!(
        (after.local_modes, after.input_modes, after.output_modes),
        (before.local_modes, before.input_modes, before.output_modes),
        "the terminal is given back as it was"
    );
    assert!(pty.text().rfind("\x1b[?1049l") > pty.text().find("\x1b[?1049h"));
    nothing_left(&ctx, &c, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_closes_every_tab_and_restores_the_terminal() {
    a_signal_closes_every_tab("fault-sighup", nix::sys::signal::Signal::SIGHUP).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_tab_of_a_paused_container_is_pending_until_resumed() {
    let ctx = common::ctx("fault-paused").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    let ids = open_shells(&ctx, &mut pty, &c, 1).await;
    ctx.sandbox.pause(&ctx.ns, &c).await.expect("pause");
    pty.write(b"x");
    pty.wait_screen("still runs. Kill it");
    pty.write(b"y");
    pty.wait_screen("kill pending (container paused)");
    // The console still answers while the kill waits.
    pty.write(b"?");
    pty.wait_screen("Help · ");
    pty.write(b"\x1b");
    pty.wait_screen_without("Help · ");
    assert_eq!(ctx.exec_pids(&c).await.len(), 1, "frozen, not yet killed");
    ctx.sandbox.resume(&ctx.ns, &c).await.expect("resume");
    pty.wait_screen("killed, 137");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    nothing_left(&ctx, &c, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_twice_over_a_paused_container_leaves_the_exec_to_the_reaper() {
    let ctx = common::ctx("fault-force").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    let ids = open_shells(&ctx, &mut pty, &c, 1).await;
    ctx.sandbox.pause(&ctx.ns, &c).await.expect("pause");
    pty.write(b"q");
    pty.wait_screen("1 exec(s) still run");
    pty.write(b"y");
    pty.wait_screen("kill pending (container paused)");
    // Asked again: stop waiting for the exit and leave.
    pty.write(b"q");
    pty.wait();
    // What could not be deleted is left for the reaper, with its owner record.
    assert_eq!(execmux::runtime::stdio::list_dirs(&ctx.fifo_base).len(), 1);
    ctx.sandbox.resume(&ctx.ns, &c).await.expect("resume");
    let out = ctx.execmux().arg("execs").output().expect("execs");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("reaped orphan exec"),
        "the next execmux reaps it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    nothing_left(&ctx, &c, &ids).await;
}

/// `VmRSS` of a process, in KiB.
fn rss_kib(pid: nix::unistd::Pid) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_tab_leaves_the_console_responsive_and_closes_at_once() {
    let ctx = common::ctx("fault-flood").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("/ #");
    // 200 MB of output; the tab is closed long before it is all shown.
    pty.write(b"yes 0123456789abcdefghij | head -c 200000000\r");
    let deadline = Instant::now() + Duration::from_secs(20);
    while pty.screen().matches("0123456789abcdefghij").count() < 10 {
        assert!(Instant::now() < deadline, "no flood:\n{}", pty.screen());
        std::thread::sleep(Duration::from_millis(20));
    }
    let ids = ctx.exec_pids(&c).await;
    pty.write(DETACH);
    pty.wait_screen_without("TERMINAL");
    // Keys are answered while the visible tab floods (the 100 ms target is measured by
    // scripts/bench-echo.sh; this bound only catches a console that stops answering).
    for _ in 0..3 {
        let t = Instant::now();
        pty.write(b"?");
        pty.wait_screen("Help · ");
        pty.write(b"\x1b");
        pty.wait_screen_without("Help · ");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }
    let rss = rss_kib(pty.pid());
    assert!(
        rss < 200 * 1024,
        "the console holds {rss} KiB during a flood"
    );
    pty.write(b"x");
    pty.wait_screen("still runs. Kill it");
    pty.write(b"y");
    pty.wait_screen("killed, 137");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    nothing_left(&ctx, &c, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_whose_init_dies_ends_its_tab_and_refuses_new_execs() {
    let ctx = common::ctx("fault-init").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    let ids = open_shells(&ctx, &mut pty, &c, 1).await;
    let status = ctx
        .ctr()
        .args(["task", "kill", "-s", "SIGKILL", c.as_str()])
        .status()
        .expect("ctr task kill");
    assert!(status.success());
    pty.wait_screen("1:✗ box: /bin/sh");
    pty.wait_screen("exited 137");
    pty.wait_screen("task exit");
    // A new exec in the stopped container is refused with a clear message.
    pty.write(b"\r");
    pty.wait_screen("is not running");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    nothing_left(&ctx, &c, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_shim_ends_its_tab_with_a_message_and_the_tab_closes() {
    let ctx = common::ctx("fault-shim-tab").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    let ids = open_shells(&ctx, &mut pty, &c, 1).await;
    let shim = common::shim_pid(ctx.ns.as_str(), c.as_str()).expect("the container's shim");
    nix::sys::signal::kill(shim, nix::sys::signal::Signal::SIGKILL).expect("kill the shim");
    // The tab ends (no hang) and says why in the events pane.
    pty.wait_screen("1:✗ box: /bin/sh");
    pty.wait_screen("is gone");
    // It can be dismissed, and the console quits without asking (nothing runs).
    pty.write(b"x");
    pty.wait_screen_without("1:✗ box: /bin/sh");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    assert!(
        execmux::runtime::stdio::list_dirs(&ctx.fifo_base).is_empty(),
        "FIFO directories left"
    );
    for id in &ids {
        let got = ctx
            .rt
            .process(&ctx.ns, &c, Some(&ExecId::from(id.as_str())))
            .await;
        assert!(got.is_err(), "exec {id} still known: {got:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_console_s_execs_are_reaped_by_the_next_one() {
    let ctx = common::ctx("fault-sigkill").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    let ids = open_shells(&ctx, &mut pty, &c, 2).await;
    nix::sys::signal::kill(pty.pid(), nix::sys::signal::Signal::SIGKILL).expect("SIGKILL");
    pty.wait();
    // Nothing could clean up: both shells still run.
    assert_eq!(ctx.exec_pids(&c).await.len(), 2);
    let mut next = Pty::spawn(ctx.execmux(), 30, 140);
    next.wait_screen("connected");
    next.wait_screen("reaped orphan exec");
    common::eventually(10, async || {
        ctx.exec_pids(&c).await.is_empty().then_some(())
    })
    .await
    .expect("the orphans are killed");
    next.write(b"q");
    assert_eq!(next.wait(), Some(0));
    nothing_left(&ctx, &c, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_every_tab_and_restores_the_terminal() {
    a_signal_closes_every_tab("fault-sigterm", nix::sys::signal::Signal::SIGTERM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_on_a_container_without_a_task_says_so_and_what_to_do() {
    let ctx = common::ctx("fault-notask").await;
    let c = ContainerId::from("notask");
    ctx.sandbox
        .create_container(
            &ctx.ns,
            &c,
            &execmux::sandbox::ContainerDef::sleeper(),
            false,
        )
        .await
        .expect("create");
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("notask has no running task (created, not started): start it");
    let screen = pty.screen();
    assert!(!screen.contains("get process"), "{screen}");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}
