//! The exec list in the real console: foreign execs made with `ctr` show their exit codes
//! by meaning, a running one's time moves on, the GC marks then collects the ended ones
//! (a 3 s interval from the config file), the sort and filter keys work, the node-wide
//! list shows another namespace's exec and goes back; the theme's colour reaches the
//! terminal, and under `NO_COLOR` no colour does.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::pty::Pty;

/// Whether the output sets a colour with SGR (foreground, background or underline).
fn sets_colour(out: &str) -> bool {
    out.split("\x1b[").skip(1).any(|seq| {
        let Some(end) = seq.find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':')) else {
            return false;
        };
        seq[end..].starts_with('m')
            && seq[..end]
                .split([';', ':'])
                .filter_map(|p| p.parse::<u32>().ok())
                .any(|p| matches!(p, 30..=38 | 40..=48 | 58 | 90..=97 | 100..=107))
    })
}

fn ctr_exec(
    ctx: &common::Ctx,
    fifo: &Path,
    container: &str,
    id: &str,
    detach: bool,
    args: &[&str],
) {
    let mut cmd = ctx.ctr();
    cmd.args(["task", "exec"]);
    if detach {
        cmd.arg("-d");
    }
    cmd.args(["--exec-id", id, "--fifo-dir"])
        .arg(fifo)
        .arg(container)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd.status().expect("ctr exec");
}

fn ctr_kill(ctx: &common::Ctx, container: &str, id: &str) {
    let _ = ctx
        .ctr()
        .args(["task", "kill", "-s", "SIGKILL", "--exec-id", id, container])
        .status();
}

/// The rows of the execs pane (the left column between its title and the events pane's).
fn exec_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("Execs ·"))
        .skip(1)
        .take_while(|l| !l.contains("Events ·"))
        .map(|l| l.chars().take(52).collect())
        .collect()
}

/// The execs pane's row that holds `needle` (its index), if any.
fn row_of(screen: &str, needle: &str) -> Option<usize> {
    exec_rows(screen).iter().position(|l| l.contains(needle))
}

/// Waits until an execs pane row holds every one of `needles`.
fn wait_row(pty: &Pty, needles: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = pty.screen();
        if exec_rows(&screen)
            .iter()
            .any(|l| needles.iter().all(|n| l.contains(n)))
        {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "no row with {needles:?}:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The config file (a 3 s GC interval, an accent of our own), checked through
/// `--print-config`; returns its `XDG_CONFIG_HOME`.
fn write_config(ctx: &common::Ctx) -> std::path::PathBuf {
    let config_home = ctx.state_dir.join("execlist-config");
    std::fs::create_dir_all(config_home.join("execmux")).expect("mkdir");
    std::fs::write(
        config_home.join("execmux/config.toml"),
        "gc_interval_secs = 3\n[theme]\naccent = \"#ff8800\"\n",
    )
    .expect("config");
    let printed = ctx
        .execmux()
        .env("XDG_CONFIG_HOME", &config_home)
        .arg("--print-config")
        .output()
        .expect("print-config");
    let printed = String::from_utf8_lossy(&printed.stdout).into_owned();
    assert!(
        printed.contains("[theme]") && printed.contains("signal = \"magenta\""),
        "{printed}"
    );
    config_home
}

/// Exit codes by meaning, the GC's two sweeps, and a running exec's time moving on.
fn codes_gc_and_time(pty: &Pty) {
    let screen = wait_row(pty, &["137 SIGKILL"]);
    assert!(row_of(&screen, "exit 3").is_some(), "{screen}");
    assert!(row_of(&screen, "exit 0").is_some(), "{screen}");
    // Two sweeps 3 s apart: marked (with the time left), then collected.
    wait_row(pty, &["marked ~"]);
    wait_row(pty, &["137 SIGKILL", "collected"]);
    // The running exec's time moves with the clock.
    let row = |s: &str| {
        exec_rows(s)
            .into_iter()
            .find(|l| l.contains("e-run") && l.contains("running"))
    };
    let first = row(&pty.screen()).expect("the running exec's row");
    let deadline = Instant::now() + Duration::from_secs(10);
    while row(&pty.screen()).as_deref() == Some(first.as_str()) {
        assert!(Instant::now() < deadline, "the time stays: {first}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sort by state, then by exit code; filter by a signal's name and clear it.
fn sort_and_filter(pty: &mut Pty) {
    // The highest code first, the running one last.
    pty.write(b"o");
    pty.wait_screen("· by state");
    pty.write(b"o");
    let screen = pty.wait_screen("· by exit code");
    let at = |n: &str| row_of(&screen, n).unwrap_or_else(|| panic!("no {n}:\n{screen}"));
    assert!(
        at("137 SIGKILL") < at("exit 3") && at("exit 3") < at("exit 0"),
        "{screen}"
    );
    assert!(at("exit 0") < at("e-run"), "{screen}");
    // Filter by the signal's name; Esc clears it.
    pty.write(b"Fsigkill\r");
    pty.wait_screen("Execs · box · 1 · by exit code /sigkill");
    pty.write(b"F\x1b");
    pty.wait_screen("Execs · box · 4 · by exit code ");
}

/// Kills the two detached execs `ctr` left and waits until they are gone.
async fn kill_detached(ctx: &common::Ctx, far_ctx: &common::Ctx) {
    ctr_kill(ctx, "box", "e-run");
    ctr_kill(far_ctx, "far", "far");
    for (c, id, x) in [("box", "e-run", ctx), ("far", "far", far_ctx)] {
        let gone = common::eventually(10, async || {
            let _ = x
                .ctr()
                .args(["task", "delete", "--exec-id", id, c])
                .output();
            x.exec_pids(&c.into()).await.is_empty().then_some(())
        })
        .await;
        assert!(gone.is_some(), "{id} still runs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_times_gc_sort_filter_node_wide_and_no_color() {
    let ctx = common::ctx("execlist").await;
    let far_ctx = common::ctx("execlist-node").await;
    ctx.sleeper("box").await;
    far_ctx.sleeper("far").await;
    let fifo = ctx.fifo_base.join("ctr");
    let far_fifo = far_ctx.fifo_base.join("ctr");
    let config_home = write_config(&ctx);
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm")
        .env("XDG_CONFIG_HOME", &config_home)
        .env_remove("NO_COLOR");
    let mut pty = Pty::spawn(cmd, 40, 140);
    pty.wait_screen("connected");
    pty.wait_screen("Execs · box · 0");
    // One running, three that end: 0, an error, killed by SIGKILL.
    ctr_exec(&ctx, &fifo, "box", "e-run", true, &["/bin/sleep", "120"]);
    ctr_exec(&ctx, &fifo, "box", "e-zero", false, &["/bin/true"]);
    ctr_exec(
        &ctx,
        &fifo,
        "box",
        "e-three",
        false,
        &["/bin/sh", "-c", "exit 3"],
    );
    ctr_exec(
        &ctx,
        &fifo,
        "box",
        "e-kill",
        false,
        &["/bin/sh", "-c", "kill -9 $$"],
    );
    pty.write(b"\t");
    codes_gc_and_time(&pty);
    sort_and_filter(&mut pty);
    // Every exec on the node: the other namespace's too; and back.
    ctr_exec(
        &far_ctx,
        &far_fifo,
        "far",
        "far",
        true,
        &["/bin/sleep", "120"],
    );
    pty.write(b"A");
    pty.wait_screen("Containers · all namespaces");
    pty.wait_screen("Execs · node · 5");
    pty.write(b"Ffar\r");
    pty.wait_screen("Execs · node · 1 · by exit code /far");
    pty.write(b"A");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.wait_screen("Execs · box · 0 · by exit code /far");
    pty.write(b"F\x1b");
    pty.wait_screen("Execs · box · 4");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    let out = pty.text();
    assert!(sets_colour(&out), "colours by default");
    assert!(
        out.contains("38;2;255;136;0"),
        "the theme's accent is drawn"
    );

    // NO_COLOR: the same screen without a single colour.
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm")
        .env("XDG_CONFIG_HOME", &config_home)
        .env("NO_COLOR", "1");
    let mut pty = Pty::spawn(cmd, 40, 140);
    pty.wait_screen("connected");
    pty.write(b"\t");
    wait_row(&pty, &["e-run", "running"]);
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    let out = pty.text();
    assert!(!sets_colour(&out), "a colour under NO_COLOR: {out:?}");
    assert!(out.contains("\x1b[1m"), "bold stays");

    kill_detached(&ctx, &far_ctx).await;
    let _ = std::fs::remove_dir_all(&fifo);
    let _ = std::fs::remove_dir_all(&far_fifo);
    ctx.leak_check().await;
    far_ctx.leak_check().await;
}
