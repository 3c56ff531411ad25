//! The runtime, launcher and registry against a private containerd: process specs (env,
//! user, cwd, console size, privileged), tty and pipe streams, resize, failed starts,
//! conflicts and container states. Every test ends with a leak check.

mod common;

use std::time::{Duration, SystemTime};

use execmux::domain::{ConsoleSize, ContainerId, ContainerKey, ExecKey, TaskState};
use execmux::launcher::{self, LaunchError, Launched};
use execmux::registry::{ExecConfig, ExecState, Registry, RegistryError};
use execmux::runtime::exec::new_exec_id;
use execmux::runtime::spec;
use execmux::runtime::stdio::Opened;
use execmux::sandbox::ContainerDef;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::Ctx;

fn config(args: &[&str]) -> ExecConfig {
    ExecConfig {
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    }
}

/// Registers the container in `reg` and creates + starts an exec of `cfg`.
async fn launch(
    ctx: &Ctx,
    reg: &mut Registry,
    c: &ContainerId,
    cfg: &ExecConfig,
) -> (ExecKey, Result<(Launched, Opened), LaunchError>) {
    let ck = ContainerKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
    };
    let task = ctx.rt.task(&ctx.ns, c).await.ok().map(|t| t.state);
    reg.set_container(ck, task);
    let defaults = spec::defaults(&ctx.rt.container_spec(&ctx.ns, c).await.expect("spec"));
    let key = ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: new_exec_id(),
    };
    reg.create(key.clone(), cfg, &defaults, SystemTime::now())
        .expect("create");
    let plan = reg.start(&key, None).expect("start");
    let launched = launcher::launch(&ctx.rt, &ctx.fifo_base, &plan).await;
    (key, launched)
}

/// Runs `args` in pipe mode to its end; returns (code, stdout, stderr).
async fn output(ctx: &Ctx, c: &ContainerId, cfg: &ExecConfig) -> (u32, String, String) {
    let mut reg = Registry::new(10);
    let (key, launched) = launch(ctx, &mut reg, c, cfg).await;
    let (l, io) = launched.unwrap_or_else(|e| panic!("launch {:?}: {e}", cfg.args));
    let mut out = String::new();
    let mut err = String::new();
    let mut stdout = io.stdout;
    let read_err = async {
        if let Some(mut e) = io.stderr {
            e.read_to_string(&mut err).await.expect("stderr");
        }
    };
    let (r, ()) = tokio::join!(stdout.read_to_string(&mut out), read_err);
    r.expect("stdout");
    let exit = l.finish().await.expect("finish");
    reg.exited(&key, Some(exit), SystemTime::now());
    (exit.code, out, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_user_cwd_defaults_and_overrides() {
    let ctx = common::ctx("env-user-cwd").await;
    let mut def = ContainerDef::sleeper();
    def.cwd = "/tmp".into();
    def.env.push("KEEP=container".into());
    def.env.push("OVER=container".into());
    let c = ctx.container("box", def).await;
    let probe = ["/bin/sh", "-c", "echo $KEEP $OVER $NEW; id -u; id -g; pwd"];
    let (code, out, _) = output(&ctx, &c, &config(&probe)).await;
    assert_eq!(
        (code, out.as_str()),
        (0, "container container\n0\n0\n/tmp\n")
    );
    let mut cfg = config(&probe);
    cfg.env = vec!["OVER=exec".into(), "NEW=1".into()];
    cfg.user = Some("nobody".into());
    cfg.cwd = Some("/home".into());
    let (code, out, _) = output(&ctx, &c, &cfg).await;
    assert_eq!(
        (code, out.as_str()),
        (0, "container exec 1\n65534\n65534\n/home\n")
    );
    cfg.user = Some("4242:4243".into());
    let (_, out, _) = output(&ctx, &c, &cfg).await;
    assert!(out.contains("\n4242\n4243\n"), "{out}");
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_container_cwd_defaults_to_root() {
    let ctx = common::ctx("cwd-root").await;
    let mut def = ContainerDef::sleeper();
    def.cwd = "/".into();
    let c = ctx.container("box", def).await;
    let (_, out, _) = output(&ctx, &c, &config(&["/bin/pwd"])).await;
    assert_eq!(out, "/\n");
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipe_mode_keeps_streams_apart_and_reads_stdin_to_eof() {
    let ctx = common::ctx("pipe").await;
    let c = ctx.sleeper("box").await;
    let mut reg = Registry::new(10);
    let mut cfg = config(&["/bin/sh", "-c", "cat; echo err >&2; exit 5"]);
    cfg.stdin = true;
    let (key, launched) = launch(&ctx, &mut reg, &c, &cfg).await;
    let (l, io) = launched.expect("launch");
    let mut stdin = io.stdin.expect("stdin pipe");
    stdin
        .write_all(b"line one\nline two\n")
        .await
        .expect("write");
    drop(stdin);
    ctx.rt.exec_close_stdin(&key).await.expect("close stdin");
    let mut out = String::new();
    let mut err = String::new();
    let mut stdout = io.stdout;
    let mut stderr = io.stderr.expect("stderr");
    let (a, b) = tokio::join!(
        stdout.read_to_string(&mut out),
        stderr.read_to_string(&mut err)
    );
    a.expect("stdout");
    b.expect("stderr");
    let exit = tokio::time::timeout(Duration::from_secs(10), l.finish())
        .await
        .expect("exits after EOF")
        .expect("finish");
    assert_eq!(
        (exit.code, out.as_str(), err.as_str()),
        (5, "line one\nline two\n", "err\n")
    );
    ctx.leak_check().await;
}

/// Reads the tty until `needle` shows up (10 s at most); returns everything read.
async fn read_until(r: &mut tokio::net::unix::pipe::Receiver, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let n = tokio::time::timeout_at(deadline, r.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in {:?}", String::from_utf8_lossy(&seen)))
            .expect("read tty");
        assert!(
            n > 0,
            "tty closed before {needle:?}: {:?}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tty_gets_create_size_then_follows_resize() {
    let ctx = common::ctx("tty-size").await;
    let c = ctx.sleeper("box").await;
    let mut reg = Registry::new(10);
    let mut cfg = config(&["/bin/sh"]);
    cfg.tty = true;
    cfg.stdin = true;
    cfg.console = Some(ConsoleSize {
        rows: 33,
        cols: 111,
    });
    let (key, launched) = launch(&ctx, &mut reg, &c, &cfg).await;
    let (l, io) = launched.expect("launch");
    assert!(io.stderr.is_none(), "a tty has no separate stderr");
    let mut stdin = io.stdin.expect("stdin");
    let mut tty = io.stdout;
    stdin
        .write_all(b"stty size; echo T=$TERM\n")
        .await
        .expect("write");
    let seen = read_until(&mut tty, "T=xterm").await;
    assert!(seen.contains("33 111"), "{seen:?}");
    ctx.rt
        .exec_resize(
            &key,
            ConsoleSize {
                rows: 40,
                cols: 120,
            },
        )
        .await
        .expect("resize");
    stdin.write_all(b"stty size\n").await.expect("write");
    read_until(&mut tty, "40 120").await;
    stdin.write_all(b"exit 7\n").await.expect("write");
    let exit = tokio::time::timeout(Duration::from_secs(10), l.finish())
        .await
        .expect("exit")
        .expect("finish");
    assert_eq!(exit.code, 7);
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_grants_capabilities_only_to_that_exec() {
    let ctx = common::ctx("privileged").await;
    let c = ctx.sleeper("box").await;
    let probe = ["/bin/sh", "-c", "grep CapEff /proc/self/status"];
    let (_, plain, _) = output(&ctx, &c, &config(&probe)).await;
    let mut cfg = config(&probe);
    cfg.privileged = true;
    let (_, privileged, _) = output(&ctx, &c, &cfg).await;
    let (_, after, _) = output(&ctx, &c, &config(&probe)).await;
    let mask =
        |s: &str| u64::from_str_radix(s.split_whitespace().last().unwrap_or("0"), 16).unwrap_or(0);
    assert!(
        mask(&privileged).count_ones() > mask(&plain).count_ones() + 20,
        "{plain} vs {privileged}"
    );
    assert_eq!(plain, after, "privileges do not leak into later execs");
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_starts_get_126_127_and_leave_nothing() {
    let ctx = common::ctx("start-fail").await;
    let c = ctx.sleeper("box").await;
    let mut reg = Registry::new(10);
    for (args, code) in [
        (&["/nonexistent"][..], 127),
        (&["nonexistent"][..], 127),
        (&["/etc"][..], 126),
    ] {
        let (key, launched) = launch(&ctx, &mut reg, &c, &config(args)).await;
        let Err(LaunchError::Start(e)) = launched else {
            panic!("{args:?} started")
        };
        assert_eq!(
            reg.start_failed(&key, &e.message(), SystemTime::now()),
            code,
            "{args:?}: {e}"
        );
        let rec = reg.get(&key).expect("record");
        assert_eq!(rec.state, ExecState::FailedToStart);
        assert!(
            rec.error
                .as_deref()
                .is_some_and(|m| m.contains("exec failed") || m.contains("OCI runtime")),
            "{:?}",
            rec.error
        );
        // The exec was deleted in containerd: its id is free again and Get knows nothing.
        let got = ctx.rt.process(&ctx.ns, &c, Some(&key.exec)).await;
        assert!(got.is_err_and(|e| e.is_not_found()));
    }
    assert_eq!(
        reg.live_execs(&ContainerKey {
            namespace: ctx.ns.clone(),
            container: c.clone()
        })
        .count(),
        0
    );
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_conflicts_against_a_real_exec() {
    let ctx = common::ctx("conflicts").await;
    let c = ctx.sleeper("box").await;
    let mut reg = Registry::new(10);
    let (key, launched) = launch(&ctx, &mut reg, &c, &config(&["/bin/sleep", "30"])).await;
    let (l, _io) = launched.expect("launch");
    reg.started(&key, l.pid, SystemTime::now());
    assert_eq!(
        reg.start(&key, None).err(),
        Some(RegistryError::AlreadyRunning(key.exec.clone()))
    );
    reg.kill_requested(&key);
    let exit = l.cancel().await.expect("cancel");
    assert_eq!(exit.code, 137);
    reg.exited(&key, Some(exit), SystemTime::now());
    assert_eq!(reg.get(&key).map(|r| r.state), Some(ExecState::Killed));
    assert_eq!(
        reg.start(&key, None).err(),
        Some(RegistryError::AlreadyRun(key.exec.clone()))
    );
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_kills_waits_and_deletes() {
    let ctx = common::ctx("cancel").await;
    let c = ctx.sleeper("box").await;
    let mut reg = Registry::new(10);
    let mut cfg = config(&[
        "/bin/sh",
        "-c",
        "trap '' TERM INT HUP; while :; do sleep 1; done",
    ]);
    cfg.tty = true;
    let (key, launched) = launch(&ctx, &mut reg, &c, &cfg).await;
    let (l, _io) = launched.expect("launch");
    assert_eq!(ctx.exec_pids(&c).await, vec![key.exec.to_string()]);
    let exit = l.cancel().await.expect("cancel");
    assert_eq!(exit.code, 137);
    assert!(
        ctx.rt
            .process(&ctx.ns, &c, Some(&key.exec))
            .await
            .is_err_and(|e| e.is_not_found())
    );
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_paused_and_missing_containers_are_refused() {
    let ctx = common::ctx("states").await;
    let (_stopped, paused) = ctx.stopped_and_paused().await;
    let notask = ContainerId::from("notask");
    ctx.sandbox
        .create_container(&ctx.ns, &notask, &ContainerDef::sleeper(), false)
        .await
        .expect("create");
    let mut reg = Registry::new(10);
    for (id, want) in [
        ("stopped", "container stopped is not running"),
        (
            "paused",
            "container paused is paused, unpause the container before exec",
        ),
        ("notask", "container notask is not running"),
        ("missing", "no such container: t-states/missing"),
    ] {
        let cid = ContainerId::from(id);
        let ck = ContainerKey {
            namespace: ctx.ns.clone(),
            container: cid.clone(),
        };
        match ctx.rt.task(&ctx.ns, &cid).await {
            Ok(t) => reg.set_container(ck, Some(t.state)),
            Err(e) if e.is_not_found() && id != "missing" => reg.set_container(ck, None),
            Err(_) => {}
        }
        let key = ExecKey {
            namespace: ctx.ns.clone(),
            container: cid,
            exec: new_exec_id(),
        };
        let err = reg
            .create(
                key,
                &config(&["/bin/true"]),
                &execmux::domain::ProcessDefaults::default(),
                SystemTime::now(),
            )
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(err, Err(want.to_owned()), "{id}");
    }
    assert_eq!(
        ctx.rt.task(&ctx.ns, &paused).await.map(|t| t.state).ok(),
        Some(TaskState::Paused)
    );
    ctx.sandbox.resume(&ctx.ns, &paused).await.expect("resume");
    assert_eq!(reg.execs().count(), 0, "nothing registered");
    ctx.leak_check().await;
}
