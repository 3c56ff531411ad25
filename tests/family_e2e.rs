//! The end of an exec ends what it started. A shell in a tab starts a background job, a
//! grandchild, a daemon that calls `setsid` and one that also clears its environment after
//! its parent has gone; the tab is then closed (`x`), the console quit (`q`) or its terminal
//! hung up. Looked for afterwards among the host's processes, outside any teardown: the
//! first three are gone, the last (documented as escaping) still runs, and so does a foreign
//! exec (`ctr task exec`) whose name `x) R PID ` would make a parser that splits at the
//! first `)` take it for a child of our exec.

mod common;

use common::pty::Pty;
use execmux::domain::ContainerId;

const CTRL_P: &[u8] = b"\x10";
const CTRL_Q: &[u8] = b"\x11";

/// Host processes whose name (`comm`) starts with `prefix`, not zombies.
fn live_named(prefix: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.starts_with(prefix))
                && common::proc_state(*pid).is_some_and(|s| s != 'Z')
        })
        .collect()
}

/// What one test started: the sleeps' arguments by role, and the foreign exec.
struct Started {
    job: String,
    grandchild: String,
    daemon: String,
    escaped: String,
    foreign_sleep: String,
    foreign_sh: u32,
    foreign_id: String,
    foreign: std::process::Child,
}

/// Opens a shell tab in `c` and starts the family in it, numbered from `base`, and the
/// foreign exec beside it; returns once all of them run.
async fn start_family(ctx: &common::Ctx, pty: &mut Pty, c: &ContainerId, base: u32) -> Started {
    pty.write(b"\r");
    pty.wait_screen("/ #");
    let n = |i: u32| (base + i).to_string();
    let line = format!(
        "sleep {} & sh -c 'sleep {} & wait' & setsid sleep {} & \
         sh -c 'env -u EXECMUX_EXEC setsid sleep {} &'; echo go-$((40+2))\r",
        n(1),
        n(2),
        n(3),
        n(4)
    );
    pty.write(line.as_bytes());
    pty.wait_screen("go-42");
    let ours = common::eventually(10, async || {
        ctx.rt
            .pids(&ctx.ns, c)
            .await
            .ok()?
            .into_iter()
            .find(|p| {
                p.exec
                    .as_ref()
                    .is_some_and(|e| e.as_str().starts_with("execmux-"))
            })
            .map(|p| p.pid)
    })
    .await
    .expect("the tab's exec");
    let script = format!(
        "printf 'x) R %s ' {ours} > /proc/$$/comm; sleep {}; true",
        n(5)
    );
    let foreign_id = format!("fgn-{base}");
    let foreign = ctx
        .ctr()
        .args(["task", "exec", "--exec-id", &foreign_id])
        .args([c.as_str(), "sh", "-c", &script])
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("ctr task exec");
    let all = [n(1), n(2), n(3), n(4), n(5)];
    let found = common::eventually(20, async || {
        let each = all
            .iter()
            .all(|a| common::live_with_args(&["sleep", a]).len() == 1);
        let named = live_named(&format!("x) R {ours}"));
        (each && named.len() == 1).then(|| named[0])
    })
    .await;
    let Some(foreign_sh) = found else {
        let seen: Vec<_> = all
            .iter()
            .map(|a| common::live_with_args(&["sleep", a]))
            .collect();
        panic!("the family did not start: {seen:?}");
    };
    let [job, grandchild, daemon, escaped, foreign_sleep] = all;
    Started {
        job,
        grandchild,
        daemon,
        escaped,
        foreign_sleep,
        foreign_sh,
        foreign_id,
        foreign,
    }
}

/// After the end: the exec's own are gone, the escaped daemon and the foreign exec run on
/// (then they are ended here, and the container checked for leaks).
async fn only_the_family_ended(ctx: &common::Ctx, c: &ContainerId, mut s: Started) {
    let own = [&s.job, &s.grandchild, &s.daemon];
    let gone = common::eventually(10, async || {
        own.iter()
            .all(|a| common::live_with_args(&["sleep", a]).is_empty())
            .then_some(())
    })
    .await;
    let left: Vec<_> = own
        .iter()
        .map(|a| ((*a).clone(), common::live_with_args(&["sleep", a])))
        .collect();
    let escaped = common::live_with_args(&["sleep", &s.escaped]);
    let foreign_sleep = common::live_with_args(&["sleep", &s.foreign_sleep]);
    let foreign_sh = common::proc_state(s.foreign_sh);
    // Clean up before asserting, so that a failure leaves nothing behind.
    for pid in &escaped {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(i32::try_from(*pid).expect("pid")),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = ctx
        .ctr()
        .args(["task", "kill", "-s", "SIGKILL", "--exec-id"])
        .arg(&s.foreign_id)
        .arg(c.as_str())
        .status();
    let _ = s.foreign.kill();
    let _ = s.foreign.wait();
    assert!(gone.is_some(), "left running after the end: {left:?}");
    assert_eq!(
        escaped.len(),
        1,
        "the orphaned, unmarked setsid daemon runs on"
    );
    assert_eq!(foreign_sleep.len(), 1, "the foreign exec's sleep runs on");
    assert!(
        foreign_sh.is_some_and(|st| st != 'Z'),
        "the foreign exec named like a child of ours runs on: {foreign_sh:?}"
    );
    common::eventually(10, async || ctx.exec_pids(c).await.is_empty().then_some(()))
        .await
        .expect("no exec left in the container");
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_tab_ends_what_its_exec_started_and_nothing_else() {
    let ctx = common::ctx("family-close").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 120);
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    let s = start_family(&ctx, &mut pty, &c, 71_000).await;
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("TERMINAL");
    pty.write(b"x");
    pty.wait_screen("still runs. Kill it");
    pty.write(b"y");
    pty.wait_screen("killed, 137");
    only_the_family_ended(&ctx, &c, s).await;
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_ends_what_the_execs_started() {
    let ctx = common::ctx("family-quit").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 120);
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    let s = start_family(&ctx, &mut pty, &c, 72_000).await;
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("TERMINAL");
    pty.write(b"q");
    pty.wait_screen("exec(s) still run");
    pty.write(b"y");
    assert_eq!(pty.wait(), Some(0));
    only_the_family_ended(&ctx, &c, s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_up_ends_what_the_execs_started() {
    let ctx = common::ctx("family-hangup").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 120);
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    let s = start_family(&ctx, &mut pty, &c, 73_000).await;
    pty.hang_up();
    pty.wait();
    only_the_family_ended(&ctx, &c, s).await;
}
