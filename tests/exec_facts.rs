//! Exec records are true for execs this process did not start: `execmux execs --json`
//! gives a detached tty exec of another execmux origin `execmux`, `tty: true` and the
//! time its process started (not the listing time), and a `ctr` exec origin `foreign`.

mod common;

use std::process::Stdio;
use std::time::{Duration, SystemTime};

use execmux::domain::{ContainerKey, ExecKey, format_time};
use execmux::launcher;
use execmux::registry::{ExecConfig, Registry};
use execmux::runtime::exec::new_exec_id;
use execmux::runtime::spec;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execs_of_others_get_their_true_start_origin_and_tty() {
    let ctx = common::ctx("exec-facts").await;
    let c = ctx.sleeper("box").await;
    let mut reg = Registry::new(10);
    reg.set_container(
        ContainerKey {
            namespace: ctx.ns.clone(),
            container: c.clone(),
        },
        ctx.rt.task(&ctx.ns, &c).await.ok().map(|t| t.state),
    );
    let defaults = spec::defaults(&ctx.rt.container_spec(&ctx.ns, &c).await.expect("spec"));
    let key = ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: new_exec_id(),
    };
    let cfg = ExecConfig {
        args: vec!["/bin/sh".into()],
        tty: true,
        stdin: true,
        ..Default::default()
    };
    reg.create(key.clone(), &cfg, &defaults, SystemTime::now())
        .expect("create");
    let plan = reg.start(&key, None).expect("start");
    let before = SystemTime::now();
    let (launched, io) = launcher::launch(&ctx.rt, &ctx.fifo_base, &plan)
        .await
        .expect("launch");
    let after = SystemTime::now();
    // Left running on purpose, as `execmux exec -it` does on its detach keys.
    drop(io);
    launched.detach();
    let st = ctx
        .ctr()
        .args(["task", "exec", "-d", "--exec-id", "other", "--fifo-dir"])
        .arg(ctx.fifo_base.join("ctr"))
        .args(["box", "/bin/sleep", "100"])
        .status()
        .expect("ctr");
    assert!(st.success());
    // Listed well after the start: a start time taken at listing would be later.
    let listed_after = after + Duration::from_secs(3);
    let waited = common::eventually(10, async || {
        (SystemTime::now() > listed_after).then_some(())
    })
    .await;
    assert!(waited.is_some());
    let out = ctx
        .execmux()
        .args(["execs", "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("execmux execs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["exec"] == id)
            .unwrap_or_else(|| panic!("no row for {id}: {text}"))
    };
    let ours = row(key.exec.as_str());
    assert_eq!(ours["origin"], "execmux", "{ours}");
    assert_eq!(ours["tty"], true, "{ours}");
    let started = ours["started_at"].as_str().expect("a start time");
    // Second precision, and the kernel's boot time is whole seconds: one second of slack.
    let low = format_time(before - Duration::from_secs(1));
    let high = format_time(after + Duration::from_secs(1));
    assert!(
        low.as_str() <= started && started <= high.as_str(),
        "started {started}, launched between {low} and {high}"
    );
    let other = row("other");
    assert_eq!(other["origin"], "foreign", "{other}");
    assert_eq!(other["tty"], false, "{other}");
    for id in [key.exec.as_str(), "other"] {
        let _ = ctx
            .ctr()
            .args(["task", "kill", "-s", "KILL", "--exec-id", id, "box"])
            .status();
    }
    let gone = common::eventually(10, async || {
        ctx.exec_pids(&c).await.is_empty().then_some(())
    })
    .await;
    assert!(gone.is_some(), "execs still running");
    for id in [key.exec.as_str(), "other"] {
        let _ = ctx
            .ctr()
            .args(["task", "delete", "--exec-id", id, "box"])
            .status();
    }
    let _ = std::fs::remove_dir_all(ctx.fifo_base.join(key.exec.as_str()));
    let _ = std::fs::remove_dir_all(ctx.fifo_base.join("ctr"));
    ctx.leak_check().await;
}
