//! containerd restarting under a running `execs --watch`: the event stream is resubscribed,
//! an exec that exited during the outage gets its exit code, and events flow again. In a
//! binary of its own, since it stops the shared daemon.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn ctr(ctx: &common::Ctx) -> Command {
    assert!(
        std::path::Path::new("/usr/bin/ctr").exists(),
        "ctr is missing: install it with apt-get install -y containerd"
    );
    let mut cmd = Command::new("/usr/bin/ctr");
    cmd.arg("-a")
        .arg(ctx.sandbox.address())
        .arg("-n")
        .arg(ctx.ns.as_str());
    cmd
}

fn wait_line(lines: &Mutex<Vec<serde_json::Value>>, event: &str, exec: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = lines
            .lock()
            .expect("lock")
            .iter()
            .find(|v| v["event"] == event && v["exec"]["exec"] == exec)
            .cloned();
        if let Some(v) = found {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "no {event} for {exec}: {:#?}",
            lines.lock().expect("lock")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_survives_a_containerd_restart() {
    let ctx = common::ctx("restart").await;
    let c = ctx.sleeper("box").await;
    let init = ctx.rt.task(&ctx.ns, &c).await.expect("task").pid;
    let mut watch = ctx
        .execmux()
        .args(["execs", "--watch", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("watch");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let out = watch.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            sink.lock()
                .expect("lock")
                .push(serde_json::from_str(&l).expect("json"));
        }
    });
    let fifo = ctx.fifo_base.join("ctr");
    let script = "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 42";
    let st = ctr(&ctx)
        .args(["task", "exec", "-d", "--exec-id", "during", "--fifo-dir"])
        .arg(&fifo)
        .args(["box", "/bin/sh", "-c", script])
        .status()
        .expect("ctr");
    assert!(st.success());
    wait_line(&lines, "started", "during");
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
    let exited = wait_line(&lines, "exited", "during");
    assert_eq!(exited["code"], 42);
    // Events flow again after the resubscription.
    let st = ctr(&ctx)
        .args(["task", "exec", "--exec-id", "after", "--fifo-dir"])
        .arg(&fifo)
        .args(["box", "/bin/sh", "-c", "exit 9"])
        .status()
        .expect("ctr");
    assert_eq!(st.code(), Some(9));
    assert_eq!(wait_line(&lines, "exited", "after")["code"], 9);
    let _ = watch.kill();
    let _ = watch.wait();
    let mut err = String::new();
    if let Some(mut e) = watch.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(
        err.contains("reconnecting"),
        "the outage was reported: {err}"
    );
    let _ = ctr(&ctx)
        .args(["task", "delete", "--exec-id", "during", "box"])
        .output();
    let _ = std::fs::remove_dir_all(&fifo);
    ctx.leak_check().await;
}
