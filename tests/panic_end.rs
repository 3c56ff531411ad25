//! A panic anywhere in execmux still ends every exec it started: a child process (this test
//! binary again) launches execs through the launcher, installs the binary's panic hook and
//! panics on a runtime worker; once it has exited 125, containerd knows none of its execs
//! and no FIFO directory is left.

mod common;

use std::process::Stdio;
use std::time::SystemTime;

use execmux::cmd;
use execmux::domain::{ContainerId, ContainerKey, ExecKey, Namespace};
use execmux::launcher;
use execmux::registry::{ExecConfig, Registry};
use execmux::runtime::exec::new_exec_id;
use execmux::runtime::{Runtime, spec};

/// Set in the child: `ADDRESS NAMESPACE CONTAINER FIFO_BASE`, tab-separated.
const CHILD: &str = "EXECMUX_TEST_PANIC_CHILD";
const TEST: &str = "a_panic_ends_every_exec_it_started";

/// The child's part: two execs (a tty shell and a pipe with stdin), their ids printed,
/// then a panic inside a task, as a bug in a tab's task would be.
async fn child(args: &str) {
    let f: Vec<&str> = args.split('\t').collect();
    let [address, ns, container, fifo_base] = f[..] else {
        panic!("bad {CHILD}: {args:?}");
    };
    let rt = Runtime::connect(address).await.expect("connect");
    let ns = Namespace::from(ns);
    let c = ContainerId::from(container);
    let mut reg = Registry::new(10);
    reg.set_container(
        ContainerKey {
            namespace: ns.clone(),
            container: c.clone(),
        },
        rt.task(&ns, &c).await.ok().map(|t| t.state),
    );
    let defaults = spec::defaults(&rt.container_spec(&ns, &c).await.expect("spec"));
    let mut held = Vec::new();
    for (args, tty) in [(vec!["/bin/sh"], true), (vec!["/bin/cat"], false)] {
        let key = ExecKey {
            namespace: ns.clone(),
            container: c.clone(),
            exec: new_exec_id(),
        };
        let cfg = ExecConfig {
            args: args.into_iter().map(str::to_owned).collect(),
            tty,
            stdin: true,
            ..Default::default()
        };
        reg.create(key.clone(), &cfg, &defaults, SystemTime::now())
            .expect("create");
        let plan = reg.start(&key, None).expect("start");
        let launched = launcher::launch(&rt, std::path::Path::new(fifo_base), &plan)
            .await
            .expect("launch");
        println!("launched {}", key.exec);
        held.push(launched);
    }
    cmd::install_panic_hook();
    let _ = tokio::spawn(async { panic!("a bug in a task") }).await;
    unreachable!("the panic hook exits the process");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_ends_every_exec_it_started() {
    if let Ok(args) = std::env::var(CHILD) {
        child(&args).await;
        return;
    }
    let ctx = common::ctx("panic-end").await;
    let c = ctx.sleeper("box").await;
    let args = [
        ctx.sandbox.address().to_string_lossy().into_owned(),
        ctx.ns.to_string(),
        c.to_string(),
        ctx.fifo_base.to_string_lossy().into_owned(),
    ]
    .join("\t");
    let mut child = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, args)
        .env_remove("EXECMUX_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let ended = common::eventually(60, async || child.try_wait().ok().flatten()).await;
    if ended.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("wait for the child");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        ended.is_some(),
        "the child did not exit: {stdout}\n{stderr}"
    );
    assert_eq!(out.status.code(), Some(125), "{stdout}\n{stderr}");
    assert!(stderr.contains("a bug in a task"), "{stderr}");
    let made: Vec<ExecKey> = stdout
        .lines()
        // libtest's "test NAME ... " may open the first line.
        .filter_map(|l| l.split_once("launched ").map(|(_, id)| id.trim()))
        .map(|id| ExecKey {
            namespace: ctx.ns.clone(),
            container: c.clone(),
            exec: id.into(),
        })
        .collect();
    assert_eq!(made.len(), 2, "{stdout}\n{stderr}");
    // Checked at once: the execs ended before the child exited, not later.
    ctx.assert_no_leaks(&made).await;
}
