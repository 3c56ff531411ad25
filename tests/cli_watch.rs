//! `execmux ps`, `execmux execs` and `execs --watch` against a private containerd: foreign
//! execs made with ctr (from events and from `ListPids`), exit codes from exit events and
//! two-phase GC. Orphan reaping is in tests/reaper.rs.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::watch::Watch;
use execmux::sandbox::ContainerDef;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn output(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ps_lists_containers_with_task_state_pid_and_execs() {
    let ctx = common::ctx("ps").await;
    let mut def = ContainerDef::sleeper();
    def.labels.push(("nerdctl/name".into(), "web".into()));
    ctx.container("c1", def).await;
    let stopped = ctx.sleeper("c2").await;
    ctx.sandbox
        .stop_task(&ctx.ns, &stopped)
        .await
        .expect("stop");
    let fifo = ctx.fifo_base.join("ctr");
    let st = ctx
        .ctr()
        .args(["task", "exec", "-d", "--exec-id", "visible", "--fifo-dir"])
        .arg(&fifo)
        .args(["c1", "/bin/sleep", "100"])
        .status()
        .expect("ctr");
    assert!(st.success());
    let out = output(ctx.execmux().args(["ps"]));
    let table = text(&out.stdout);
    assert!(
        table.lines().any(|l| l.contains("c1 (web)")
            && l.contains("running")
            && l.trim_end().ends_with("execmux.sandbox/busybox:static")
            && l.contains(" 1 ")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("c2") && l.contains("stopped")),
        "{table}"
    );
    let out = output(ctx.execmux().args(["ps", "--json"]));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let c1 = rows.iter().find(|r| r["id"] == "c1").expect("c1");
    assert_eq!(
        (c1["task"]["state"].as_str(), c1["execs"].as_u64()),
        (Some("running"), Some(1))
    );
    assert!(c1["task"]["pid"].as_u64().is_some_and(|p| p > 1));
    let _ = ctx
        .ctr()
        .args([
            "task",
            "kill",
            "-s",
            "SIGKILL",
            "--exec-id",
            "visible",
            "c1",
        ])
        .status();
    std::thread::sleep(Duration::from_millis(300));
    let _ = ctx
        .ctr()
        .args(["task", "delete", "--exec-id", "visible", "c1"])
        .output();
    let _ = std::fs::remove_dir_all(&fifo);
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_execs_are_seen_from_listpids_and_events_and_collected_in_two_sweeps() {
    let ctx = common::ctx("watch").await;
    let c = ctx.sleeper("box").await;
    let fifo = ctx.fifo_base.join("ctr");
    // Seen through ListPids: a foreign exec already running when execmux looks.
    let st = ctx
        .ctr()
        .args(["task", "exec", "-d", "--exec-id", "early", "--fifo-dir"])
        .arg(&fifo)
        .args(["box", "/bin/sleep", "100"])
        .status()
        .expect("ctr");
    assert!(st.success());
    let out = output(ctx.execmux().args(["execs", "--json"]));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let early = rows
        .iter()
        .find(|r| r["exec"] == "early")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(
        (early["origin"].as_str(), early["state"].as_str()),
        (Some("foreign"), Some("running"))
    );
    assert_eq!(early["command"], serde_json::json!(["/bin/sleep", "100"]));
    let out = output(ctx.execmux().args(["execs"]));
    assert!(
        text(&out.stdout)
            .lines()
            .any(|l| l.contains("early") && l.contains("foreign") && l.contains("/bin/sleep 100")),
        "{}",
        text(&out.stdout)
    );

    // Seen through events: an exec made while watching, its exit code from /tasks/exit.
    let watch = Watch::start(&ctx, &["--gc-interval", "2"]);
    watch.wait_for("started", Some("early"));
    let st = ctx
        .ctr()
        .args(["task", "exec", "--exec-id", "late", "--fifo-dir"])
        .arg(&fifo)
        .args(["box", "/bin/sh", "-c", "sleep 0.3; exit 9"])
        .status()
        .expect("ctr");
    assert_eq!(st.code(), Some(9));
    watch.wait_for("created", Some("late"));
    watch.wait_for("started", Some("late"));
    let exited = watch.wait_for("exited", Some("late"));
    assert_eq!(exited["code"], 9);
    // Two phases: marked by one sweep, collected by the next, never while running.
    let collected = watch.wait_for("collected", Some("late"));
    let marked_at = watch
        .lines
        .lock()
        .expect("lock")
        .iter()
        .find(|v| v["event"] == "sweep" && v["marked"].as_u64() >= Some(1))
        .cloned()
        .expect("a marking sweep");
    assert!(marked_at["at"].as_str() <= collected["at"].as_str());
    assert!(
        !watch
            .lines
            .lock()
            .expect("lock")
            .iter()
            .any(|v| v["event"] == "collected" && v["exec"]["exec"] == "early")
    );
    drop(watch);
    let _ = ctx
        .ctr()
        .args(["task", "kill", "-s", "SIGKILL", "--exec-id", "early", "box"])
        .status();
    std::thread::sleep(Duration::from_millis(300));
    let _ = ctx
        .ctr()
        .args(["task", "delete", "--exec-id", "early", "box"])
        .output();
    let _ = std::fs::remove_dir_all(&fifo);
    assert!(ctx.exec_pids(&c).await.is_empty());
    ctx.leak_check().await;
}
