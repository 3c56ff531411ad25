//! Faults under running execs, against the private containerd: a hung daemon (SIGSTOP) gives
//! deadline errors naming each call; a daemon stopped or crashed and restarted does not end
//! a Wait, loses no exit and leaves Kill and Delete working; a killed shim or container init
//! ends the wait promptly; a cancel whose kill cannot reach the exec still kills, waits and
//! deletes once containerd is back, and one that gets no exit leaves the exec to the reaper.
//! These tests stop the shared daemon, so they run one at a time.

mod common;

use std::time::{Duration, Instant};

use execmux::backend::Backend;
use execmux::domain::Notice;
use execmux::domain::{ContainerId, ExecKey, ExitInfo, Link};
use execmux::driver::{Control, Outcome, Session};
use execmux::launcher;
use execmux::runtime::exec::new_exec_id;
use execmux::runtime::spec::ProcessRequest;
use execmux::runtime::stdio::{Opened, StdioSet};
use execmux::runtime::{Deadlines, Result, Runtime, RuntimeError};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use common::{Ctx, Down};

/// One test at a time: each takes the shared daemon away.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn process(args: &[&str]) -> ProcessRequest {
    ProcessRequest {
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        env: vec!["PATH=/bin".into()],
        cwd: "/".into(),
        user: None,
        tty: false,
        console: None,
        privileged: false,
    }
}

fn key(ctx: &Ctx, c: &ContainerId) -> ExecKey {
    ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: new_exec_id(),
    }
}

/// A started pipe-mode exec with its streams.
struct Running {
    key: ExecKey,
    stdio: StdioSet,
    io: Opened,
}

async fn start(ctx: &Ctx, c: &ContainerId, with_stdin: bool, args: &[&str]) -> Running {
    let key = key(ctx, c);
    let stdio = StdioSet::create(&ctx.fifo_base, &key, with_stdin, false).expect("fifos");
    let pending = stdio.open();
    ctx.rt
        .exec_create(&key, &process(args), &stdio)
        .await
        .expect("exec");
    ctx.rt.exec_start(&key).await.expect("start");
    let io = pending.finish().await.expect("open FIFOs");
    Running { key, stdio, io }
}

/// A resilient waiter on its own task, with the link it reports on.
fn waiter(rt: &Runtime, key: &ExecKey) -> (JoinHandle<Result<ExitInfo>>, watch::Receiver<Link>) {
    let (tx, rx) = watch::channel(Link::Up);
    let (rt, key) = (rt.clone(), key.clone());
    let task = tokio::spawn(async move { rt.exec_wait_resilient(&key, &tx).await });
    (task, rx)
}

async fn link_becomes(rx: &mut watch::Receiver<Link>, up: bool, secs: u64) {
    let got = tokio::time::timeout(
        Duration::from_secs(secs),
        rx.wait_for(|l| (*l == Link::Up) == up),
    )
    .await;
    assert!(
        got.is_ok_and(|r| r.is_ok()),
        "link did not become {} within {secs} s: {:?}",
        if up { "up" } else { "reconnecting" },
        *rx.borrow()
    );
}

async fn joined(task: JoinHandle<Result<ExitInfo>>, secs: u64) -> Result<ExitInfo> {
    tokio::time::timeout(Duration::from_secs(secs), task)
        .await
        .unwrap_or_else(|_| panic!("the wait did not end within {secs} s"))
        .expect("waiter task")
}

/// Sends SIGCONT to the daemon when dropped, so that a failed assertion never leaves it
/// stopped.
struct Continue(Pid);

impl Drop for Continue {
    fn drop(&mut self) {
        let _ = kill(self.0, Signal::SIGCONT);
    }
}

async fn times_out<T: std::fmt::Debug>(
    op: &str,
    bound: Duration,
    call: impl std::future::Future<Output = Result<T>>,
) {
    let started = Instant::now();
    let got = call.await;
    let took = started.elapsed();
    match got {
        Err(RuntimeError::Timeout { op: named, .. }) => assert_eq!(named, op),
        other => panic!("{op}: expected a timeout, got {other:?}"),
    }
    assert!(
        took >= bound && took < bound + Duration::from_secs(1),
        "{op} took {took:?} for a bound of {bound:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_to_a_hung_containerd_time_out_naming_the_call() {
    let _one = SERIAL.lock().await;
    let ctx = common::ctx("hung").await;
    let c = ctx.sleeper("box").await;
    let k = key(&ctx, &c);
    let stdio = StdioSet::create(&ctx.fifo_base, &k, false, false).expect("fifos");
    let pending = stdio.open();
    ctx.rt
        .exec_create(&k, &process(&["/bin/sleep", "100"]), &stdio)
        .await
        .expect("exec");
    let bound = Duration::from_millis(500);
    let rt = ctx.rt.clone().with_deadlines(Deadlines::uniform(bound));
    let ns = &ctx.ns;
    let size = execmux::domain::ConsoleSize { rows: 24, cols: 80 };
    {
        let pid = Pid::from_raw(i32::try_from(common::daemon_pid().await).expect("pid"));
        kill(pid, Signal::SIGSTOP).expect("SIGSTOP containerd");
        let _cont = Continue(pid);
        times_out("list namespaces", bound, rt.namespaces()).await;
        times_out("list containers", bound, rt.containers(ns)).await;
        times_out("get container", bound, rt.container_spec(ns, &c)).await;
        times_out("get process", bound, rt.task(ns, &c)).await;
        times_out("get process", bound, rt.process(ns, &c, Some(&k.exec))).await;
        times_out("list pids", bound, rt.pids(ns, &c)).await;
        times_out("start", bound, rt.exec_start(&k)).await;
        times_out("resize", bound, rt.exec_resize(&k, size)).await;
        times_out("close stdin", bound, rt.exec_close_stdin(&k)).await;
        times_out("kill", bound, rt.exec_kill(&k, 9)).await;
        times_out("delete", bound, rt.exec_delete(&k)).await;
        let fresh = Deadlines::uniform(bound);
        let address = ctx.sandbox.address().to_owned();
        match Runtime::connect_with(&address, fresh).await {
            // The kernel accepts on a stopped daemon's socket: the first call is what hangs.
            Ok(other) => {
                eprintln!("connect to a stopped daemon: accepted; the first call hangs");
                times_out("list namespaces", bound, other.namespaces()).await;
            }
            Err(e) => {
                eprintln!("connect to a stopped daemon: {e}");
                assert!(
                    matches!(e, RuntimeError::Timeout { op: "connect", .. }),
                    "{e}"
                );
            }
        }
        // Wait is the one call without a bound.
        let wait = tokio::time::timeout(Duration::from_secs(1), rt.exec_wait(&k)).await;
        assert!(wait.is_err(), "wait returned on a hung daemon: {wait:?}");
    }
    // Continued: the same runtime answers again.
    common::eventually(10, async || rt.namespaces().await.ok())
        .await
        .expect("containerd answers after SIGCONT");
    ctx.rt
        .exec_delete(&k)
        .await
        .expect("delete the created exec");
    stdio.abort(pending).await;
    ctx.assert_no_leaks(&[k]).await;
}

/// An exec that exits (42) during the outage and one that runs through it (killed after).
async fn wait_through_an_outage(name: &str, how: Down) {
    let _one = SERIAL.lock().await;
    let ctx = common::ctx(name).await;
    let c = ctx.sleeper("box").await;
    let script = "read line; echo \"got $line\"; exit 42";
    let mut a = start(&ctx, &c, true, &["/bin/sh", "-c", script]).await;
    let b = start(&ctx, &c, false, &["/bin/sleep", "1000"]).await;
    let (wait_a, mut link_a) = waiter(&ctx.rt, &a.key);
    let (wait_b, mut link_b) = waiter(&ctx.rt, &b.key);
    let mut stdin = a.io.stdin.take().expect("stdin");
    let out = common::daemon_down(how, async || {
        link_becomes(&mut link_a, false, 10).await;
        link_becomes(&mut link_b, false, 10).await;
        assert!(!wait_a.is_finished(), "an outage is not an exit");
        eprintln!("{how:?}: {}", *link_a.borrow());
        // The shim holds the FIFOs: I/O flows while containerd is away, and `a` exits.
        stdin.write_all(b"hello\n").await.expect("write stdin");
        let mut out = String::new();
        tokio::time::timeout(
            Duration::from_secs(10),
            a.io.stdout.read_to_string(&mut out),
        )
        .await
        .expect("stdout ends within 10 s")
        .expect("read stdout");
        out
    })
    .await;
    assert_eq!(out, "got hello\n");
    let exit = joined(wait_a, 30).await.expect("the exit is recovered");
    assert_eq!(exit.code, 42, "the exit during the outage");
    link_becomes(&mut link_a, true, 1).await;
    link_becomes(&mut link_b, true, 30).await;
    assert!(!wait_b.is_finished(), "b still runs after the restart");
    ctx.rt
        .exec_kill(&b.key, 9)
        .await
        .expect("kill after restart");
    assert_eq!(joined(wait_b, 10).await.expect("wait b").code, 137);
    for (r, code) in [(&a, 42), (&b, 137)] {
        let deleted = ctx
            .rt
            .exec_delete(&r.key)
            .await
            .expect("delete after restart");
        assert_eq!(deleted.code, code);
        r.stdio.remove();
    }
    ctx.assert_no_leaks(&[a.key.clone(), b.key.clone()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_survives_a_containerd_stop_and_start() {
    wait_through_an_outage("sigterm", Down::Stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_survives_a_containerd_crash() {
    wait_through_an_outage("sigkill", Down::Crash).await;
}

/// The parent of a container's init: its shim.
fn shim_of(init: u32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{init}/stat")).expect("init stat");
    let rest = &stat[stat.rfind(')').expect("stat") + 1..];
    let ppid: i32 = rest
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("ppid");
    let cmdline = std::fs::read(format!("/proc/{ppid}/cmdline")).expect("shim cmdline");
    assert!(
        String::from_utf8_lossy(&cmdline).contains("containerd-shim"),
        "the parent of init is the shim"
    );
    ppid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_shim_ends_the_wait_promptly() {
    let _one = SERIAL.lock().await;
    let ctx = common::ctx("shim").await;
    let c = ctx.sleeper("box").await;
    let r = start(&ctx, &c, false, &["/bin/sleep", "1000"]).await;
    let (wait, _link) = waiter(&ctx.rt, &r.key);
    let init = ctx.rt.task(&ctx.ns, &c).await.expect("task").pid;
    let shim = shim_of(init);
    let started = Instant::now();
    kill(Pid::from_raw(shim), Signal::SIGKILL).expect("kill the shim");
    let got = joined(wait, 10).await;
    eprintln!(
        "shim killed: wait gave {got:?} after {:?}",
        started.elapsed()
    );
    if let Ok(exit) = got {
        assert_ne!(exit.code, 0, "a lost exec is not a success");
    }
    match execmux::ending::reap(&ctx.rt, &r.key, || {}).await {
        Ok(_) => {}
        Err(e) => assert!(e.is_not_found(), "{e}"),
    }
    r.stdio.remove();
    ctx.assert_no_leaks(std::slice::from_ref(&r.key)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_container_init_ends_the_exec_promptly() {
    let _one = SERIAL.lock().await;
    let ctx = common::ctx("init").await;
    let c = ctx.sleeper("box").await;
    let r = start(&ctx, &c, false, &["/bin/sleep", "1000"]).await;
    let (wait, _link) = waiter(&ctx.rt, &r.key);
    ctx.sandbox.stop_task(&ctx.ns, &c).await.expect("kill init");
    match joined(wait, 10).await {
        Ok(exit) => assert_eq!(exit.code, 137),
        Err(e) => eprintln!("init killed: wait gave {e}"),
    }
    let k = key(&ctx, &c);
    let stdio = StdioSet::create(&ctx.fifo_base, &k, false, false).expect("fifos");
    let pending = stdio.open();
    let refused = ctx
        .rt
        .exec_create(&k, &process(&["/bin/true"]), &stdio)
        .await;
    stdio.abort(pending).await;
    let e = refused.expect_err("no exec in a stopped container");
    assert!(e.to_string().contains("stopped"), "{e}");
    match execmux::ending::reap(&ctx.rt, &r.key, || {}).await {
        Ok(_) => {}
        Err(e) => assert!(e.is_not_found(), "{e}"),
    }
    r.stdio.remove();
    ctx.assert_no_leaks(&[r.key.clone(), k]).await;
}

/// A plan for a pipe-mode exec of ours without stdin.
fn plan(ctx: &Ctx, c: &ContainerId, args: &[&str]) -> execmux::registry::StartPlan {
    let p = process(args);
    execmux::registry::StartPlan {
        key: key(ctx, c),
        args: p.args,
        env: p.env,
        cwd: p.cwd,
        user: None,
        tty: false,
        stdin: false,
        console: None,
        privileged: false,
    }
}

/// Whether a host process runs (and is not a zombie).
fn runs(pid: u32) -> bool {
    common::proc_state(pid).is_some_and(|st| st != 'Z' && st != 'X')
}

/// Waits (10 s at most) for a notice that `f` accepts.
async fn notice_like(rx: &mut mpsc::UnboundedReceiver<Notice>, f: impl Fn(&Notice) -> bool) {
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(n) = rx.recv().await {
            if f(&n) {
                return;
            }
        }
    })
    .await;
    assert!(got.is_ok(), "no such notice within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cancelled_while_containerd_is_away_is_killed_and_deleted_after() {
    let _one = SERIAL.lock().await;
    let ctx = common::ctx("cancel-away").await;
    let c = ctx.sleeper("box").await;
    let rt = ctx.rt.clone().with_deadlines(Deadlines {
        call: Duration::from_secs(2),
        ..Deadlines::default()
    });
    let p = plan(&ctx, &c, &["/bin/sleep", "1000"]);
    let backend = Backend::containerd(rt.clone(), ctx.fifo_base.clone());
    let (exec, io) = backend.launch(&p).await.expect("launch");
    let pid = exec.pid();
    let session = Session::new(exec, io.stdin);
    let mut stdout = io.stdout;
    let readers = vec![tokio::spawn(async move {
        let _ = stdout.read_to_end(&mut Vec::new()).await;
    })];
    let (controls, mut rx) = mpsc::unbounded_channel();
    let (notes_tx, mut notes) = mpsc::unbounded_channel();
    let mut run = tokio::spawn(async move {
        let mut notice = move |n| {
            let _ = notes_tx.send(n);
        };
        session.run(&mut rx, readers, &mut notice).await
    });
    common::daemon_down(Down::Stop, async || {
        notice_like(
            &mut notes,
            |n| matches!(n, Notice::Link(l) if *l != Link::Up),
        )
        .await;
        controls.send(Control::Cancel).expect("cancel");
        // The kill cannot reach the exec: the cancel says so and waits on, it neither
        // returns early nor deletes.
        notice_like(&mut notes, |n| matches!(n, Notice::KillPending(_))).await;
        let early = tokio::time::timeout(Duration::from_secs(1), &mut run).await;
        assert!(
            early.is_err(),
            "the cancel ended while containerd was away: {early:?}"
        );
        assert!(runs(pid), "the exec runs until a kill reaches it");
    })
    .await;
    let outcome = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the cancel ends after the restart")
        .expect("session task");
    match outcome.outcome {
        Outcome::Killed(Ok(exit)) => assert_eq!(exit.code, 137),
        other => panic!("expected a kill with its exit: {other:?}"),
    }
    assert!(!runs(pid), "the exec is gone");
    ctx.assert_no_leaks(&[p.key]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_whose_kill_fails_sends_it_again_once_containerd_is_back() {
    let _one = SERIAL.lock().await;
    let ctx = common::ctx("cancel-crash").await;
    let c = ctx.sleeper("box").await;
    let rt = ctx.rt.clone().with_deadlines(Deadlines {
        call: Duration::from_secs(2),
        ..Deadlines::default()
    });
    let p = plan(&ctx, &c, &["/bin/sleep", "1000"]);
    let (launched, _io) = launcher::launch(&rt, &ctx.fifo_base, &p)
        .await
        .expect("launch");
    let pid = launched.pid;
    let mut link = launched.link();
    let mut cancel = None;
    common::daemon_down(Down::Crash, async || {
        link_becomes(&mut link, false, 10).await;
        let mut task = tokio::spawn(launched.cancel());
        let early = tokio::time::timeout(Duration::from_secs(2), &mut task).await;
        assert!(
            early.is_err(),
            "the cancel ended while containerd was away: {early:?}"
        );
        assert!(runs(pid), "no kill reached the exec");
        cancel = Some(task);
    })
    .await;
    let mut cancel = cancel.expect("the cancel runs");
    let exit = tokio::time::timeout(Duration::from_secs(30), &mut cancel)
        .await
        .expect("the cancel ends after the restart")
        .expect("cancel task")
        .expect("killed, waited for and deleted");
    assert_eq!(exit.code, 137);
    ctx.assert_no_leaks(&[p.key]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_that_gets_no_exit_leaves_the_exec_and_its_owner_record_to_the_reaper() {
    let _one = SERIAL.lock().await;
    let ctx = common::ctx("cancel-paused").await;
    let c = ctx.sleeper("box").await;
    let bound = Duration::from_secs(1);
    let rt = ctx.rt.clone().with_deadlines(Deadlines {
        kill_wait: bound,
        ..Deadlines::default()
    });
    let p = plan(&ctx, &c, &["/bin/sleep", "1000"]);
    let (launched, _io) = launcher::launch(&rt, &ctx.fifo_base, &p)
        .await
        .expect("launch");
    ctx.sandbox.pause(&ctx.ns, &c).await.expect("pause");
    // The kill is held by the frozen container: no exit within the bound.
    let got = tokio::time::timeout(bound * 10, launched.cancel())
        .await
        .expect("the cancel gives up after its bound");
    assert!(got.is_err(), "a paused exec cannot be deleted: {got:?}");
    let dirs = execmux::runtime::stdio::list_dirs(&ctx.fifo_base);
    assert_eq!(dirs.len(), 1, "its FIFO directory is kept for the reaper");
    let record = execmux::runtime::owner::FifoDir::read(&dirs[0]).record;
    assert_eq!(
        record.owner().map(execmux::runtime::owner::Owner::key),
        Some(p.key.clone()),
        "with its owner record"
    );
    let known = ctx.rt.process(&ctx.ns, &c, Some(&p.key.exec)).await;
    assert!(known.is_ok(), "still known to containerd: {known:?}");
    // Resumed, the held kill lands; then what the reaper would do.
    ctx.sandbox.resume(&ctx.ns, &c).await.expect("resume");
    let reaped = execmux::ending::reap(&ctx.rt, &p.key, || {})
        .await
        .expect("reap");
    assert_eq!(reaped.map(|e| e.code), Some(137));
    std::fs::remove_dir_all(&dirs[0]).expect("remove the FIFO directory");
    ctx.assert_no_leaks(&[p.key]).await;
}
