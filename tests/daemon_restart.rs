//! containerd restarting under a running `execs --watch`: the event stream is resubscribed,
//! an exec that exited during the outage gets its exit code, and events flow again. In a
//! binary of its own, since it stops the shared daemon.

mod common;

use common::watch::Watch;
use execmux::domain::ExecKey;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_survives_a_containerd_restart() {
    let ctx = common::ctx("restart").await;
    let c = ctx.sleeper("box").await;
    let init = ctx.rt.task(&ctx.ns, &c).await.expect("task").pid;
    let watch = Watch::start(&ctx, &[]);
    let fifo = ctx.fifo_base.join("ctr");
    let script = "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 42";
    let st = ctx
        .ctr()
        .args(["task", "exec", "-d", "--exec-id", "during", "--fifo-dir"])
        .arg(&fifo)
        .args(["box", "/bin/sh", "-c", script])
        .status()
        .expect("ctr");
    assert!(st.success());
    watch.wait_for("started", Some("during"));
    common::daemon_outage(async || {
        // The exec ends while containerd is down.
        std::fs::write(format!("/proc/{init}/root/tmp/go"), b"").expect("touch /tmp/go");
        let gone = common::eventually(10, async || {
            let procs = std::fs::read_dir(format!("/proc/{init}/root/proc")).ok()?;
            let shells = procs
                .filter_map(Result::ok)
                .filter_map(|e| std::fs::read_to_string(e.path().join("cmdline")).ok())
                .filter(|c| c.contains("/tmp/go"))
                .count();
            (shells == 0).then_some(())
        })
        .await;
        assert!(gone.is_some(), "the exec ended during the outage");
    })
    .await;
    assert_eq!(watch.wait_for("exited", Some("during"))["code"], 42);
    // Events flow again after the resubscription.
    let st = ctx
        .ctr()
        .args(["task", "exec", "--exec-id", "after", "--fifo-dir"])
        .arg(&fifo)
        .args(["box", "/bin/sh", "-c", "exit 9"])
        .status()
        .expect("ctr");
    assert_eq!(st.code(), Some(9));
    assert_eq!(watch.wait_for("exited", Some("after"))["code"], 9);
    let err = watch.stop();
    assert!(
        err.contains("reconnecting"),
        "the outage was reported: {err}"
    );
    let _ = ctx
        .ctr()
        .args(["task", "delete", "--exec-id", "during", "box"])
        .output();
    let _ = std::fs::remove_dir_all(&fifo);
    let made: Vec<ExecKey> = ["during", "after"]
        .into_iter()
        .map(|e| ExecKey {
            namespace: ctx.ns.clone(),
            container: c.clone(),
            exec: e.into(),
        })
        .collect();
    ctx.assert_no_leaks(&made).await;
}
