//! Faults under running execs, against the private containerd: a hung daemon (SIGSTOP) gives
//! deadline errors naming each call; a daemon stopped or crashed and restarted does not end
//! a Wait, loses no exit and leaves Kill and Delete working; a killed shim or container init
//! ends the wait promptly. These tests stop the shared daemon, so they run one at a time.

mod common;

use std::time::{Duration, Instant};

use execmux::domain::{ContainerId, ExecKey};
use execmux::runtime::exec::new_exec_id;
use execmux::runtime::spec::ProcessRequest;
use execmux::runtime::stdio::StdioSet;
use execmux::runtime::{Deadlines, Result, Runtime, RuntimeError};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use common::Ctx;

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
            Ok(other) => times_out("list namespaces", bound, other.namespaces()).await,
            Err(e) => assert!(
                matches!(e, RuntimeError::Timeout { op: "connect", .. }),
                "{e}"
            ),
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
